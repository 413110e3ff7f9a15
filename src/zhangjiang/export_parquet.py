"""Export the stored datasets and the ``batches`` table as Parquet, partitioned for Spark.

The layout is Hive-style, one folder per dataset and batch period::

    DIR/dataset=projects/period=2022/part-0.parquet
    DIR/dataset=hpc-jobs/period=__HIVE_DEFAULT_PARTITION__/part-0.parquet
    DIR/batches/part-0.parquet

Only rows of ``loaded`` batches are written, with their lineage columns ``_batch_id``
and ``_row``; the ``batches`` table goes along so that every row can be traced back to
its source file. ``period`` is the period of the row's batch (a batch loaded without
one lands in ``__HIVE_DEFAULT_PARTITION__``, which Spark and DuckDB read as NULL). A
dataset without loaded rows gets one empty file that still carries its schema, so that
every form can be read back.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from zhangjiang.forms import FORMS, Form, get_form
from zhangjiang.store import Store

__all__ = [
    "BATCHES_DIR",
    "NULL_PARTITION",
    "ExportedDataset",
    "dataset_dir",
    "export_parquet",
    "partition_column",
]

BATCHES_DIR = "batches"
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"


@dataclass(frozen=True)
class ExportedDataset:
    """One dataset written as Parquet: its name, folder and row count."""

    dataset: str
    path: Path
    rows: int


def export_parquet(
    store: Store, out_dir: Path | str, datasets: list[str] | None = None
) -> list[ExportedDataset]:
    """Write every dataset (or only ``datasets``) and the batches table as Parquet."""
    forms = [get_form(n) for n in datasets] if datasets else list(FORMS.values())
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[ExportedDataset] = []
    with store.connect(read_only=True) as con:
        for form in forms:
            target = dataset_dir(out, form.name)
            if target.exists():
                shutil.rmtree(target)  # a re-export replaces the dataset's folder
            select = _loaded_rows_sql(form)
            row = con.execute(f"SELECT count(*) FROM ({select})").fetchone()
            rows = int(row[0]) if row else 0
            if rows:
                con.execute(
                    f"COPY ({select} ORDER BY t._batch_id, t._row) TO {_literal(target)} "
                    f"(FORMAT PARQUET, PARTITION_BY ({partition_column(form)}), "
                    "FILENAME_PATTERN 'part-{i}')"
                )
            else:
                empty = target / f"{partition_column(form)}={NULL_PARTITION}"
                empty.mkdir(parents=True)
                file = empty / "part-0.parquet"
                con.execute(
                    f"COPY (SELECT * EXCLUDE ({partition_column(form)}) FROM ({select})) "
                    f"TO {_literal(file)} (FORMAT PARQUET)"
                )
            written.append(ExportedDataset(form.name, target, rows))
        batches = out / BATCHES_DIR
        if batches.exists():
            shutil.rmtree(batches)
        batches.mkdir()
        con.execute(
            f"COPY (SELECT * FROM batches ORDER BY id) TO "
            f"{_literal(batches / 'part-0.parquet')} (FORMAT PARQUET)"
        )
    return written


def dataset_dir(out_dir: Path, dataset: str) -> Path:
    """Return the folder holding a dataset's Parquet partitions."""
    return out_dir / f"dataset={dataset}"


def partition_column(form: Form) -> str:
    """Return the name of the batch-period partition column of a form's export."""
    # A form declaring its own ``period`` column keeps it; the partition is renamed.
    names = {c.name for c in form.columns}
    return "batch_period" if "period" in names else "period"


def _loaded_rows_sql(form: Form) -> str:
    """Return a query of the form's rows of loaded batches plus their batch period."""
    return (
        f"SELECT t.*, b.period AS {partition_column(form)} FROM {form.table} AS t "
        "JOIN batches AS b ON b.id = t._batch_id WHERE b.status = 'loaded'"
    )


def _literal(path: Path) -> str:
    """Return a path as a quoted SQL string literal."""
    return "'" + str(path).replace("'", "''") + "'"
