"""Commands of the data review (数据审核): list the warnings, explain one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from zhangjiang.cli.common import (
    EXIT_USAGE,
    OutputFormat,
    app,
    console,
    edge,
    emit_json,
    err_console,
    settings,
    store,
)

if TYPE_CHECKING:
    from zhangjiang.quality import QualityWarning

quality_app = typer.Typer(
    help="数据审核：发布前的审核警告与审核说明 / Data review: warnings and explanations "
    "before release.",
    invoke_without_command=True,
    add_completion=False,
)
app.add_typer(quality_app, name="quality")


@quality_app.callback()
def list_(
    ctx: typer.Context,
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            help="报告期（2022 含其各月与1—N月）/ period (2022 includes its months and "
            "year-to-date ranges)",
        ),
    ] = None,
    fmt: Annotated[
        OutputFormat,
        typer.Option("--format", help="输出格式 / output format: table|json"),
    ] = OutputFormat.table,
) -> None:
    """列出数据审核警告 / List the data-quality warnings of a period (or of every period)."""
    from zhangjiang.quality import review

    if ctx.invoked_subcommand is not None:
        return
    with edge():
        found = review(store(), period)
    if fmt is OutputFormat.json:
        emit_json([w.to_dict() for w in found])
        return
    _print_table(found)


@quality_app.command("explain")
def explain_(
    warning_id: Annotated[str, typer.Argument(help="警告编号 / warning id")],
    text: Annotated[str, typer.Option("--text", help="审核说明 / the explanation")],
) -> None:
    """填写审核说明 / Record the explanation of a warning (audited)."""
    from zhangjiang.portal import audit
    from zhangjiang.portal.state import open_state
    from zhangjiang.quality import QualityError, explain

    user = settings().user
    with edge():
        try:
            warning = explain(store(), warning_id, text, user)
        except QualityError as exc:  # an unknown id or an empty text: a usage error
            err_console.print(
                f"[red]错误 / error:[/red] {escape(str(exc))}", highlight=False
            )
            raise typer.Exit(EXIT_USAGE) from None
    with edge():
        audit.record(
            open_state(settings().db),
            f"cli:{user}",
            "quality-explain",
            warning.id,
            {
                "text": warning.explanation["text"] if warning.explanation else text,
                "rule": warning.rule,
                "indicator": warning.indicator,
                "form": warning.form,
                "dimensions": warning.dimensions,
                "period": warning.period,
            },
        )
    console.print(
        f"已记录审核说明 / explanation recorded: {escape(warning.id)} "
        f"（{escape(warning.indicator or warning.form or '')}，{warning.period}）"
        f"· {escape(user)}",
        highlight=False,
    )


def _print_table(found: list[QualityWarning]) -> None:
    from zhangjiang.quality import RULES

    table = Table()
    table.add_column("编号 id", no_wrap=True)  # ids are copied into `quality explain`
    table.add_column("报告期 period", no_wrap=True)
    table.add_column("规则 rule", overflow="fold")
    table.add_column("说明 message", ratio=3, overflow="fold")
    table.add_column("审核说明 explanation", ratio=1, overflow="fold")
    for w in found:
        rule = RULES[w.rule]
        kind = "[red]阻断 blocking[/red]" if w.blocking else "提示 notice"
        explained = (
            f"{w.explanation['text']}\n— {w.explanation['by']}"
            if w.explanation
            else "—"
        )
        table.add_row(
            w.id,
            w.period,
            f"{rule.title_zh}\n{rule.title_en}\n{kind}",
            escape(f"{w.message_zh}\n{w.message_en}"),
            escape(explained),
        )
    console.print(table)
    blocking = [w for w in found if w.blocking]
    open_ = [w for w in blocking if w.explanation is None]
    console.print(
        f"共 {len(found)} 条警告，阻断性 {len(blocking)} 条，其中 {len(open_)} 条尚无审核说明"
        f" / {len(found)} warning(s), {len(blocking)} blocking, {len(open_)} of them "
        "unexplained",
        highlight=False,
    )
