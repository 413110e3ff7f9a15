"""Commands to compute indicators and list their values or definitions."""

from __future__ import annotations

import csv
import json
import sys
from enum import StrEnum
from typing import Annotated

import typer

from zhangjiang.cli.common import (
    app,
    console,
    edge,
    emit_json,
    folding_table,
    require_computed,
    store,
)


class ValuesFormat(StrEnum):
    """Output formats of indicator values."""

    table = "table"
    json = "json"
    csv = "csv"


@app.command()
def compute(
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            help="只计算该报告期，如 2022 或 2022-10（默认：有数据的全部报告期）"
            " / only this period, e.g. 2022 or 2022-10 (default: every period with data)",
        ),
    ] = None,
    indicator: Annotated[
        list[str] | None,
        typer.Option("--indicator", "-i", help="只计算这些指标 / only these"),
    ] = None,
    engine: Annotated[
        str, typer.Option("--engine", help="计算引擎 / engine: duckdb|spark")
    ] = "duckdb",
    spark_master: Annotated[
        str | None,
        typer.Option(
            "--spark-master", help="Spark 主节点，如 local[2] / Spark master URL"
        ),
    ] = None,
    data: Annotated[
        str | None, typer.Option("--data", help="Parquet 目录（spark）/ Parquet folder")
    ] = None,
) -> None:
    """计算指标 / Compute indicators for every period with data (or one) and store them."""
    from zhangjiang.indicators import compute as compute_values
    from zhangjiang.indicators.engine import refresh_snapshot
    from zhangjiang.periods import parse_period

    with edge():
        if period is not None:
            parse_period(period)
        if engine == "spark":
            if period is None:
                raise typer.BadParameter(
                    "Spark 计算须指定 --period / --engine spark needs --period"
                )
            from zhangjiang.spark import compute_spark  # optional extra, loaded lazily

            values = compute_spark(
                store(), period, indicator, master=spark_master, data=data
            )
        else:
            values = compute_values(store(hold=True), period, indicator)
        refresh_snapshot(store())
    ids = {v.indicator_id for v in values}
    periods = sorted({v.period for v in values})
    span = period or (f"{periods[0]}…{periods[-1]}" if periods else "—")
    console.print(
        f"已计算 {len(ids)} 个指标、{len(values)} 个值（{len(periods)} 个报告期：{span}）"
        f" / computed {len(ids)} indicators, {len(values)} values for {len(periods)} periods ({span})"
    )


@app.command()
def indicators(
    period: Annotated[
        str | None,
        typer.Option("--period", help="报告期 2022 或 2022-10 / period (default: all)"),
    ] = None,
    fmt: Annotated[
        ValuesFormat,
        typer.Option("--format", help="输出格式 / output format: table|json|csv"),
    ] = ValuesFormat.table,
    list_: Annotated[
        bool, typer.Option("--list", help="列出指标目录及定义 / print the catalogue")
    ] = False,
    indicator: Annotated[
        list[str] | None,
        typer.Option("--indicator", "-i", help="只看这些指标，可重复 / only these ids"),
    ] = None,
) -> None:
    """查看指标值或指标目录 / Show computed values, or the catalogue with --list."""
    from zhangjiang.indicators import read_values
    from zhangjiang.indicators.registry import get_indicator
    from zhangjiang.periods import parse_period

    if list_:
        _catalogue(fmt)
        return
    with edge():
        for indicator_id in indicator or ():
            get_indicator(indicator_id)  # unknown ids: "did you mean"
        if period is not None:
            parse_period(period)
            require_computed(store(), period)
        rows = read_values(store(), period, indicator)
    if fmt is ValuesFormat.json:
        emit_json(rows)
    elif fmt is ValuesFormat.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(
            [
                "id",
                "title_zh",
                "title_en",
                "dimensions",
                "period",
                "reference_period",
                "value",
                "unit",
                "status",
                "sources",
            ]
        )
        for r in rows:
            writer.writerow(
                [
                    r["id"],
                    r["title_zh"],
                    r["title_en"],
                    json.dumps(r["dimensions"], ensure_ascii=False),
                    r["period"],
                    r["reference_period"],
                    r["value"],
                    r["unit"],
                    r["status"],
                    " ".join(map(str, r["sources"])),
                ]
            )
    else:
        table = folding_table(
            "id",
            "指标",
            "维度 dims",
            "参考期 ref. period",
            "值 value",
            "单位",
            "状态",
            "来源批次 sources",
        )
        for r in rows:
            dims = ", ".join(f"{k}={v}" for k, v in r["dimensions"].items())
            table.add_row(
                r["id"],
                r["title_zh"],
                dims,
                r["reference_period"],
                str(r["value"]),
                r["unit"],
                r["status"],
                ",".join(map(str, r["sources"])),
            )
        console.print(table)


def _catalogue(fmt: ValuesFormat) -> None:
    from zhangjiang.indicators import load_builtin
    from zhangjiang.periods import PERIOD_RULES

    registry = load_builtin()
    if fmt is ValuesFormat.json:
        emit_json(
            [
                {
                    "id": i.id,
                    "title_zh": i.title_zh,
                    "title_en": i.title_en,
                    "unit": i.unit,
                    "unit_en": i.unit_en,
                    "dimensions": list(i.dimensions),
                    "period_rule": i.period_rule,
                    "inputs": list(i.inputs),
                    "description_zh": i.description_zh,
                    "description_en": i.description_en,
                    "sql": i.sql.strip(),
                    "definition_hash": i.definition_hash,
                }
                for i in registry.values()
            ]
        )
        return
    for ind in registry.values():
        rule_zh, rule_en = PERIOD_RULES[ind.period_rule]
        console.rule(f"[bold]{ind.id}[/bold]  {ind.title_zh} / {ind.title_en}")
        console.print(
            f"单位 unit: {ind.unit} / {ind.unit_en}   维度 dimensions: {', '.join(ind.dimensions) or '—'}   "
            f"参考期 period rule: {rule_zh} / {rule_en}   输入 inputs: {', '.join(ind.inputs)}"
        )
        console.print(f"{ind.description_zh}\n{ind.description_en}", highlight=False)
        console.print(ind.sql.strip(), highlight=False, markup=False)
