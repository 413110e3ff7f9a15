"""The CLI opens the database once per command (ingest of small files, compute)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from zhangjiang.cli import app
from zhangjiang.store import duckdb as store_duckdb
from zhangjiang.store import open_store

runner = CliRunner()


@pytest.fixture
def opens(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Record every time the database file is opened."""
    opened: list[Path] = []
    real = store_duckdb._connect_with_retry

    def counting(path: Path, read_only: bool) -> Any:
        opened.append(path)
        return real(path, read_only)

    monkeypatch.setattr(store_duckdb, "_connect_with_retry", counting)
    return opened


def _invoke(db: Path, *args: str) -> None:
    result = runner.invoke(app, ["--db", str(db), *args])
    assert result.exit_code == 0, result.output


def test_ingest_and_compute_open_the_database_once(
    tmp_path: Path, write_csv: Any, opens: list[Path]
) -> None:
    db = tmp_path / "z.duckdb"
    systems = write_csv(
        "systems.csv",
        [["system", "cores", "valid_from", "valid_to"], ["a", 100, "2022-01-01", ""]],
    )
    _invoke(db, "ingest", "hpc-systems", str(systems))  # a new store: migrated too
    assert len(opens) == 1
    log = tmp_path / "a.log"
    log.write_text(
        "JobID|User|Account|Partition|Start|End|NCPUS|NNodes|State|JobName\n"
        "1|u1|x|cpu|2022-03-01T00:00:00|2022-03-01T10:00:00|4|1|COMPLETED|t\n",
        encoding="utf-8",
    )
    _invoke(db, "ingest", "hpc-jobs", str(log), "--system", "a")
    assert len(opens) == 2
    _invoke(db, "compute", "--period", "2022")
    assert len(opens) == 3
    # The file is released once the command ends, its rows on disk.
    rows = open_store(db).query("SELECT count(*) AS n FROM indicator_values")
    assert rows[0]["n"] > 0
