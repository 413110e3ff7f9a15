"""The job log's cells come from the HPC rollup while it holds every loaded batch
(zhangjiang.completeness), and equal those read from the job rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from zhangjiang import completeness
from zhangjiang.completeness import presence, rows_presence
from zhangjiang.config import Settings
from zhangjiang.forms import get_form
from zhangjiang.indicators.engine import compute
from zhangjiang.ingest.service import ingest_paths
from zhangjiang.store import Store

JOBS = get_form("hpc-jobs")


def _log(path: Path, runs: list[tuple[int, str, str]]) -> Path:
    lines = ["JobID|User|Account|Partition|Start|End|NCPUS|NNodes|State|JobName"]
    lines += [f"{j}|u1|acct|cpu|{s}|{e}|4|1|COMPLETED|t" for j, s, e in runs]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def jobs(store: Store, settings: Settings, tmp_path: Path) -> Store:
    """Three job logs: system a over Dec 2021 - Feb 2022, a again in May, b in March."""
    for name, system, runs in (
        ("a1.log", "a", [(1, "2021-12-30T10:00:00", "2022-01-02T10:00:00"),
                         (2, "2021-12-01T00:00:00", "2021-12-01T01:00:00"),
                         (3, "2022-02-27T00:00:00", "2022-03-01T00:00:00")]),
        ("a2.log", "a", [(4, "2022-05-01T00:00:00", "2022-05-02T00:00:00")]),
        ("b1.log", "b", [(1, "2022-03-03T00:00:00", "2022-03-04T00:00:00")]),
    ):  # fmt: skip
        (res,) = ingest_paths(
            store, "hpc-jobs", [_log(tmp_path / name, runs)], settings, system=system
        )
        assert res.outcome == "loaded", res
    return store


def _cells(store: Store) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    with store.connect(read_only=True) as con:
        return presence(con, JOBS).cells, rows_presence(con, JOBS).cells


def test_cells_from_the_rollup_equal_those_of_the_rows(jobs: Store) -> None:
    rolled, rows = _cells(jobs)
    assert (
        rolled
        == rows
        == {
            "2021-12": {"a"},
            "2022-01": {"a"},
            "2022-03": {"a", "b"},
            "2022-05": {"a"},
        }
    )


def test_a_rejected_batch_leaves_the_cells_of_both_equal(jobs: Store) -> None:
    with jobs.connect() as con:
        con.execute("UPDATE batches SET status = 'rejected' WHERE file_name = 'a2.log'")
    rolled, rows = _cells(jobs)
    assert rolled == rows
    assert "2022-05" not in rolled


def test_the_rollup_is_read_while_it_holds_every_batch(jobs: Store) -> None:
    """Cells missing from the rollup show (it is read); once a batch is missing from
    it, the rows are read again."""
    with jobs.connect() as con:
        con.execute("DELETE FROM hpc_rollup_ends WHERE month = DATE '2022-05-01'")
    rolled, rows = _cells(jobs)
    assert "2022-05" not in rolled
    assert "2022-05" in rows
    with jobs.connect() as con:
        con.execute(
            "DELETE FROM hpc_rollup_batches WHERE batch_id = "
            "(SELECT batch_id FROM hpc_rollup_batches ORDER BY batch_id LIMIT 1)"
        )
    rolled, rows = _cells(jobs)
    assert rolled == rows


def test_compute_gives_the_same_values_either_way(
    jobs: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    by_rollup = {(v.indicator_id, v.period, v.value) for v in compute(jobs)}
    monkeypatch.setattr(completeness, "_rollup_cells", lambda con, form: None)
    by_rows = {(v.indicator_id, v.period, v.value) for v in compute(jobs)}
    assert by_rollup == by_rows
    assert {p for _, p, _ in by_rollup} >= {"2021", "2022", "2022-03", "2022-05"}
