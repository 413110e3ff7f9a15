"""Commands to generate the progress report and fact-check a draft."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from zhangjiang.cli.common import (
    EXIT_REJECTED,
    FORMAT_HELP,
    OutputFormat,
    app,
    console,
    edge,
    emit_json,
    err_console,
    folding_table,
    require_computed,
    store,
)


class ReportFormat(StrEnum):
    """Report output formats."""

    md = "md"
    html = "html"
    docx = "docx"
    pdf = "pdf"


class Lang(StrEnum):
    """Report languages."""

    zh = "zh"
    en = "en"


@app.command()
def report(
    period: Annotated[
        str, typer.Option("--period", help="报告期，如 2022 / period, e.g. 2022")
    ],
    fmt: Annotated[
        ReportFormat,
        typer.Option("--format", help="输出格式 / output format: md|html|docx|pdf"),
    ] = ReportFormat.md,
    lang: Annotated[
        Lang, typer.Option("--lang", help="语言 / language: zh|en")
    ] = Lang.zh,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="输出文件；缺省打印 / file to write"),
    ] = None,
    lineage: Annotated[
        bool, typer.Option("--lineage", help="附数据来源 / add the lineage appendix")
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="有数据缺口即失败 / fail on data gaps")
    ] = False,
) -> None:
    """生成进展报告 1.2 节 / Generate report section 1.2 from data."""
    from zhangjiang.periods import parse_period
    from zhangjiang.report import render_report

    with edge():
        parse_period(period)
        require_computed(store(), period)
        content, rendered = render_report(
            store(), period, fmt.value, lang.value, lineage
        )
    for gap in rendered.gaps:
        err_console.print(
            f"数据缺口 / data gap: {gap.indicator} {gap.dimensions or ''}",
            highlight=False,
        )
    if strict and rendered.gaps:
        raise typer.Exit(EXIT_REJECTED)
    if output is None:
        if isinstance(content, bytes):
            err_console.print(f"{fmt.value} 需要 -o 文件 / {fmt.value} needs -o FILE")
            raise typer.Exit(2)
        sys.stdout.write(content)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        output.write_bytes(content)
    else:
        output.write_text(content, encoding="utf-8")
    console.print(f"已写入 / written: {output}")


@app.command()
def check(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, readable=True, help="待核对的稿件 / draft"
        ),
    ],
    period: Annotated[
        str, typer.Option("--period", help="报告期，如 2022 / period, e.g. 2022")
    ],
    fmt: Annotated[
        OutputFormat, typer.Option("--format", help=FORMAT_HELP)
    ] = OutputFormat.table,
) -> None:
    """核对人工撰写的报告 / Fact-check a human-written report against the data."""
    from zhangjiang.periods import parse_period
    from zhangjiang.report.check import check_text

    with edge():
        parse_period(period)
        require_computed(store(), period)
        result = check_text(store(), file.read_text(encoding="utf-8"), period)
    if "notice" in result:
        err_console.print(f"[yellow]{result['notice']}[/yellow]", highlight=False)
    if fmt is OutputFormat.json:
        emit_json(result)
    else:
        table = folding_table(
            "原文 claim",
            "指标 indicator",
            "维度 dims",
            "结论 verdict",
            "实际 actual",
            "参考期 period",
        )
        colours = {
            "verified": "green",
            "contradicted": "red",
            "no-data": "yellow",
            "unmatched": "dim",
        }
        for c in result["claims"]:
            dims = ", ".join(f"{k}={v}" for k, v in (c["dimensions"] or {}).items())
            table.add_row(
                c["text"],
                c["indicator"] or "—",
                dims,
                f"[{colours[c['verdict']]}]{c['verdict']}[/]",
                "" if c["actual"] is None else str(c["actual"]),
                c.get("period") or "",
            )
        console.print(table)
        console.print(" ".join(f"{k}: {v}" for k, v in result["summary"].items()))
    if result["summary"].get("contradicted"):
        raise typer.Exit(EXIT_REJECTED)
