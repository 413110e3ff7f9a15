"""Tests of the Parquet export: layout, lineage columns, loaded rows only, batches table."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from zhangjiang.cli import app
from zhangjiang.config import Settings
from zhangjiang.export_parquet import NULL_PARTITION, dataset_dir, export_parquet
from zhangjiang.forms import FORMS
from zhangjiang.ingest.service import ingest_paths
from zhangjiang.store import Store

runner = CliRunner()


def _read(path: Path, sql: str) -> list[tuple[object, ...]]:
    """Run ``sql`` over the Parquet files under ``path`` (bound as ``t``)."""
    con = duckdb.connect()
    try:
        con.execute(
            "CREATE VIEW t AS SELECT * FROM "
            f"read_parquet('{path}/**/*.parquet', hive_partitioning = true)"
        )
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture
def projects_store(
    store: Store, settings: Settings, write_csv, tmp_path: Path
) -> Store:
    """Return a store with two project batches of 2022, the first superseded."""
    header = [
        "project_id",
        "name",
        "round",
        "category",
        "is_large_facility",
        "planned_start",
        "actual_start",
        "planned_completion",
        "actual_completion",
    ]
    row = ["P1", "示例项目", "1", "科学设施", "否", "2020-01-01", "2020-02-01", "", ""]
    for name, rows in (("a.csv", [row]), ("b.csv", [row, ["P2", *row[1:]]])):
        path = write_csv(name, [header, *rows])
        results = ingest_paths(store, "projects", [path], settings, period="2022")
        assert results[0].outcome == "loaded", results[0].to_dict()
    return store


def test_export_writes_loaded_rows_partitioned_with_lineage(
    projects_store: Store, tmp_path: Path
) -> None:
    out = tmp_path / "pq"
    written = {e.dataset: e.rows for e in export_parquet(projects_store, out)}
    assert set(written) == set(FORMS)
    assert written["projects"] == 2
    part = dataset_dir(out, "projects") / "period=2022" / "part-0.parquet"
    assert part.exists()
    rows = _read(
        dataset_dir(out, "projects"),
        "SELECT project_id, _batch_id, _row, period FROM t ORDER BY _row",
    )
    loaded = projects_store.query("SELECT id FROM batches WHERE status = 'loaded'")
    assert [r[1] for r in rows] == [loaded[0]["id"]] * 2  # only the loaded batch
    assert [(r[0], r[2], str(r[3])) for r in rows] == [
        ("P1", 2, "2022"),
        ("P2", 3, "2022"),
    ]
    batches = _read(out / "batches", "SELECT id, status FROM t ORDER BY id")
    assert [b[1] for b in batches] == ["superseded", "loaded"]


def test_export_keeps_schema_of_empty_datasets(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "pq"
    export_parquet(store, out, ["hpc-jobs"])
    folder = dataset_dir(out, "hpc-jobs")
    assert (folder / f"period={NULL_PARTITION}" / "part-0.parquet").exists()
    con = duckdb.connect()
    try:
        names = [
            r[0]
            for r in con.execute(
                f"DESCRIBE SELECT * FROM read_parquet('{folder}/*/part-0.parquet', "
                "hive_partitioning = false)"
            ).fetchall()
        ]
    finally:
        con.close()
    expected = [c.name for c in FORMS["hpc-jobs"].columns] + ["_batch_id", "_row"]
    assert names == expected


def test_export_replaces_a_previous_export(
    projects_store: Store, tmp_path: Path
) -> None:
    out = tmp_path / "pq"
    export_parquet(projects_store, out, ["projects"])
    stale = dataset_dir(out, "projects") / "period=1999"
    stale.mkdir()
    export_parquet(projects_store, out, ["projects"])
    assert not stale.exists()


def test_cli_export_parquet(projects_store: Store, tmp_path: Path) -> None:
    out = tmp_path / "cli"
    result = runner.invoke(
        app,
        [
            "--db",
            str(projects_store.path),
            "export",
            "--format",
            "parquet",
            "-o",
            str(out),
            "--dataset",
            "projects",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "exported 1 datasets" in result.output
    assert (dataset_dir(out, "projects") / "period=2022" / "part-0.parquet").exists()
    assert (out / "batches" / "part-0.parquet").exists()


def test_cli_export_unknown_dataset(projects_store: Store, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "--db",
            str(projects_store.path),
            "export",
            "-o",
            str(tmp_path / "x"),
            "--dataset",
            "nope",
        ],
    )
    assert result.exit_code == 2, result.output
