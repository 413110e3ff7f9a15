"""Commands for forms, templates, ingest, validation and batches."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from zhangjiang.cli.common import (
    EXIT_REJECTED,
    FORMAT_HELP,
    MAX_PROBLEMS_SHOWN,
    OutputFormat,
    app,
    console,
    edge,
    emit_json,
    err_console,
    folding_table,
    resolve_format,
    settings,
    store,
)

if TYPE_CHECKING:
    from zhangjiang.cells import CellPlan
    from zhangjiang.ingest.load import IngestResult

# Files below this size load with the database held open for the command (one open
# instead of one per step). A larger load is dominated by the load itself, and holding
# the database would keep its buffers alive from one step to the next (peak memory).
_HOLD_BELOW_BYTES = 64 << 20

_FIELDS_OPTION = typer.Option(
    "--fields",
    help="无表头 sacct 输出的列（同 sacct --format，逗号分隔）/ columns of a sacct dump "
    "without header, as sacct --format takes them: JobID,User,Start,End,NCPUS",
)


@app.command()
def init() -> None:
    """初始化数据库 / Create or migrate the database."""
    from zhangjiang.forms import FORMS

    st = store(migrate=False)
    with edge():
        applied = st.migrate()
        st.ensure_forms(list(FORMS.values()))
    console.print(
        f"数据库 / database: {st.path}  迁移 / migrations applied: {', '.join(applied) or '—'}"
    )


@app.command()
def forms(
    fmt: Annotated[
        OutputFormat, typer.Option("--format", help=FORMAT_HELP)
    ] = OutputFormat.table,
) -> None:
    """列出报表 / List the declared forms (datasets)."""
    from zhangjiang.forms import FORMS

    if fmt is OutputFormat.json:
        emit_json([f.model_dump(mode="json") for f in FORMS.values()])
        return
    table = folding_table(
        "报表 form", "名称", "Title", "列 columns", "主键 keys", "报告期列 period"
    )
    for f in FORMS.values():
        table.add_row(
            f.name,
            f.zh,
            f.en,
            str(len(f.columns)),
            ", ".join(f.keys),
            f.period_column or "—",
        )
    console.print(table)


@app.command()
def template(
    dataset: Annotated[
        str, typer.Argument(help="报表名 / form name (zhangjiang forms)")
    ],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="输出的 xlsx / xlsx to write")
    ],
) -> None:
    """生成 Excel 填报模板 / Write a form's Excel template."""
    from zhangjiang.forms import get_form
    from zhangjiang.forms.template import write_template

    with edge():
        form = get_form(dataset)
    write_template(form, output)
    console.print(f"已写入 / written: {output}")


@app.command()
def ingest(
    dataset: Annotated[
        str, typer.Argument(help="报表名 / form name (zhangjiang forms)")
    ],
    files: Annotated[
        list[Path],
        typer.Argument(
            exists=True, dir_okay=False, readable=True, help="要导入的文件 / files"
        ),
    ],
    period: Annotated[
        str | None, typer.Option("--period", help="报告期 2022 或 2022-10 / period")
    ] = None,
    sheet: Annotated[
        str | None, typer.Option("--sheet", help="xlsx 工作表 / sheet")
    ] = None,
    encoding: Annotated[
        str | None, typer.Option("--encoding", help="声明的编码 / declared encoding")
    ] = None,
    system: Annotated[
        str | None, typer.Option("--system", help="超算系统（hpc-jobs）/ HPC system")
    ] = None,
    log_format: Annotated[
        str | None,
        typer.Option(
            "--log-format",
            help="作业日志格式 / job-log dialect: slurm|pbs|lsf|sge|jobcomp（缺省自动识别 / "
            "detected when omitted）",
        ),
    ] = None,
    fields: Annotated[str | None, _FIELDS_OPTION] = None,
    facility: Annotated[
        str | None,
        typer.Option("--facility", help="论文所属设施（publications）/ facility"),
    ] = None,
    note: Annotated[str, typer.Option("--note", help="备注 / note")] = "",
    fmt: Annotated[str, typer.Option("--format", help=FORMAT_HELP)] = "table",
    old_output: Annotated[
        str | None,
        typer.Option(
            "--output", hidden=True, help="已弃用，请用 --format / deprecated: --format"
        ),
    ] = None,
) -> None:
    """导入文件 / Validate and load files as batches (a file with any error loads nothing)."""
    from zhangjiang.ingest.service import ingest_paths
    from zhangjiang.periods import parse_period

    output, log_format = resolve_format(fmt, old_output, log_format)
    st = store(hold=sum(f.stat().st_size for f in files) < _HOLD_BELOW_BYTES)
    with edge():
        if period:
            parse_period(period)
        results = ingest_paths(
            st,
            dataset,
            files,
            settings(),
            period=period,
            sheet=sheet,
            encoding=encoding,
            note=note,
            system=system,
            log_format=log_format,
            fields=fields,
            facility=facility,
            progress=output is OutputFormat.table,
        )
    _report(results, output)
    if any(r.outcome == "rejected" for r in results):
        raise typer.Exit(EXIT_REJECTED)


@app.command()
def validate(
    dataset: Annotated[
        str, typer.Argument(help="报表名 / form name (zhangjiang forms)")
    ],
    file: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, readable=True, help="要校验的文件 / file"
        ),
    ],
    period: Annotated[
        str | None, typer.Option("--period", help="报告期 2022 或 2022-10 / period")
    ] = None,
    sheet: Annotated[
        str | None, typer.Option("--sheet", help="xlsx 工作表 / sheet")
    ] = None,
    encoding: Annotated[
        str | None, typer.Option("--encoding", help="声明的编码 / declared encoding")
    ] = None,
    facility: Annotated[
        str | None,
        typer.Option("--facility", help="论文所属设施（publications）/ facility"),
    ] = None,
    log_format: Annotated[
        str | None,
        typer.Option(
            "--log-format",
            help="作业日志格式 / job-log dialect: slurm|pbs|lsf|sge|jobcomp",
        ),
    ] = None,
    fields: Annotated[str | None, _FIELDS_OPTION] = None,
    fmt_text: Annotated[str, typer.Option("--format", help=FORMAT_HELP)] = "table",
) -> None:
    """校验文件（不导入）/ Validate a file without loading it (dry run)."""
    from zhangjiang.ingest.service import validate_path

    fmt, log_format = resolve_format(fmt_text, None, log_format)
    with edge():
        result = validate_path(
            dataset,
            file,
            settings(),
            period=period,
            sheet=sheet,
            encoding=encoding,
            facility=facility,
            log_format=log_format,
            store=store(),
            fields=fields,
        )
    _report([result], fmt)
    if result.outcome == "rejected":
        raise typer.Exit(EXIT_REJECTED)


@app.command()
def batches(
    fmt: Annotated[
        OutputFormat, typer.Option("--format", help=FORMAT_HELP)
    ] = OutputFormat.table,
    dataset: Annotated[
        str | None, typer.Option("--dataset", help="只列此报表 / only this form")
    ] = None,
) -> None:
    """列出批次 / List batches with their status."""
    from zhangjiang.ingest.service import list_batches

    rows = list_batches(store(), dataset)
    if fmt is OutputFormat.json:
        emit_json(rows)
        return
    table = folding_table(
        "id",
        "报表 dataset",
        "文件 file",
        "行 rows",
        "状态 status",
        "报告期 period",
        "范围 scope",
        "加载时间 loaded_at",
        "sha256",
    )
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["dataset"],
            r["file"],
            str(r["rows"]),
            r["status"],
            r["period"] or "—",
            r["scope"] or "—",
            str(r["loaded_at"])[:19],
            r["sha256"][:12],
        )
    console.print(table)


def _report(results: list[IngestResult], fmt: OutputFormat) -> None:
    if fmt is OutputFormat.json:
        emit_json([r.to_dict() for r in results])
        return
    for r in results:
        target = err_console if r.outcome == "rejected" else console
        colour = {"rejected": "red", "duplicate": "yellow"}.get(r.outcome, "green")
        target.print(
            f"[{colour}]{escape(r.message_zh)}[/{colour}]\n{escape(r.message_en)}",
            highlight=False,
        )
        if r.plan is not None:
            _print_plan(r.plan, summary=r.plan.summary()[0] not in r.message_zh)
        for p in r.problems[:MAX_PROBLEMS_SHOWN]:
            tag = "错误 error" if p.is_error else "警告 warning"
            target.print(
                f"  [{'red' if p.is_error else 'yellow'}]{tag}[/] {escape(p.message_zh)}\n"
                f"      {escape(p.message_en)}",
                highlight=False,
            )
        if len(r.problems) > MAX_PROBLEMS_SHOWN:
            _summarise(r, target)


_PLAN_ROWS = 12


def _summarise(result: IngestResult, target: Any) -> None:
    """Print the problems past the first ones as counts by rule."""
    rest = result.problems[MAX_PROBLEMS_SHOWN:]
    by_rule = Counter((p.kind.type, p.kind.title_zh) for p in rest)
    target.print(
        f"  …… 另有 {len(rest)} 个问题 / {len(rest)} more problems, by rule:",
        highlight=False,
    )
    for (rule, title), count in by_rule.most_common():
        target.print(f"      {count:>6} × {title} ({rule})", highlight=False)
    target.print("  完整列表 / the full list: --format json", highlight=False)


def _print_plan(plan: CellPlan, summary: bool) -> None:
    """Print what loading does to the cells: the counts, then the replaced ones."""
    if summary:
        zh, en = plan.summary()
        console.print(f"  {escape(zh)}\n  {escape(en)}", highlight=False)
    for (period, reporter), old in plan.replaced[:_PLAN_ROWS]:
        who = f" · {reporter}" if reporter else ""
        console.print(
            f"    替换 replaces {escape(period or '—')}{escape(who)} ← 批次 batch {old}",
            highlight=False,
        )
    if len(plan.replaced) > _PLAN_ROWS:
        more = len(plan.replaced) - _PLAN_ROWS
        console.print(f"    …… 另有 {more} 个 / {more} more", highlight=False)
