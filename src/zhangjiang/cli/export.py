"""Command to export the stored datasets, e.g. as Parquet for the Spark engine."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from zhangjiang.cli.common import app, console, edge, store


class ExportFormat(StrEnum):
    """Formats the datasets can be exported as."""

    parquet = "parquet"


@app.command()
def export(
    output: Annotated[
        Path, typer.Option("-o", "--output", help="输出目录 / folder to write")
    ],
    fmt: Annotated[
        ExportFormat, typer.Option("--format", help="导出格式 / output format: parquet")
    ] = ExportFormat.parquet,
    dataset: Annotated[
        list[str] | None,
        typer.Option("--dataset", help="只导出这些数据集 / only these datasets"),
    ] = None,
) -> None:
    """导出数据集 / Export every dataset (loaded rows, with lineage) and the batches table."""
    from zhangjiang.export_parquet import export_parquet

    with edge():
        written = export_parquet(store(), output, dataset)
    table = Table("数据集 dataset", "行 rows", "目录 folder")
    for item in written:
        table.add_row(item.dataset, str(item.rows), str(item.path))
    console.print(table)
    console.print(
        f"已导出 {len(written)} 个数据集及批次表（{fmt.value}）到 {output} / exported "
        f"{len(written)} datasets and the batches table ({fmt.value}) to {output}"
    )
