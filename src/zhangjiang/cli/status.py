"""The ``status`` command: collection status of the periodic forms (报送情况)."""

from __future__ import annotations

from itertools import groupby
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Column, Table

from zhangjiang.cli.common import OutputFormat, app, console, edge, emit_json, store

if TYPE_CHECKING:
    from zhangjiang.collection import StatusRow
    from zhangjiang.forms import Form

_STYLES = {"missing": "bold red", "late": "yellow", "received": ""}


@app.command("status")
def status_command(
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            help="报告期，如 2022-11 或 2022；缺省为有数据的全部报告期 / period, e.g. "
            "2022-11 or 2022; default: every period with data",
        ),
    ] = None,
    form: Annotated[
        list[str] | None,
        typer.Option("--form", help="报表，可重复 / form, repeatable"),
    ] = None,
    reporter: Annotated[
        list[str] | None,
        typer.Option(
            "--reporter", help="报送单位，可重复 / reporting unit, repeatable"
        ),
    ] = None,
    state: Annotated[
        str | None,
        typer.Option(
            "--state", help="只列此状态 / only this state: received|late|missing"
        ),
    ] = None,
    fmt: Annotated[
        OutputFormat,
        typer.Option("--format", help="输出格式 / output format: table|json"),
    ] = OutputFormat.table,
) -> None:
    """报送情况 / Collection status: which forms arrived, when, which are missing or late."""
    from zhangjiang.collection import STATES, status, summarize
    from zhangjiang.forms import get_form

    if state is not None and state not in STATES:
        raise typer.BadParameter(
            f"状态应为 {'|'.join(STATES)} / state must be one of {', '.join(STATES)}",
            param_hint="--state",
        )
    with edge():
        rows = status(store(), period, reporter, forms=form)
    if state is not None:
        rows = [r for r in rows if r.state == state]
    if fmt is OutputFormat.json:
        emit_json([r.to_dict() for r in rows])
        return
    for name, group in groupby(rows, key=lambda r: r.form):
        console.print(_table(get_form(name), list(group)))
    counts = summarize(rows)
    console.print(
        " · ".join(f"{STATES[s][0]} {n}" for s, n in counts.items())
        + " / "
        + " · ".join(f"{STATES[s][1]} {n}" for s, n in counts.items()),
        highlight=False,
    )
    console.print("时间为北京时间 / times are Beijing time (UTC+8)", style="dim")


def _table(form: Form, rows: list[StatusRow]) -> Table:
    from zhangjiang.collection import STATES

    due = (
        f" · 次月{form.due_day}日前 / due by day {form.due_day} of the next month"
        if form.due_day
        else ""
    )
    table = Table(
        Column("报送单位 reporter", min_width=18),  # a credit code in one piece
        Column("报告期 period", no_wrap=True),
        "状态 state",
        Column("收到 received", min_width=10),
        Column("截止 due", no_wrap=True),
        "批次 batches",
        title=escape(f"{form.zh} / {form.en} ({form.name}){due}"),
        title_justify="left",
    )
    for r in rows:
        zh, en = STATES[r.state]
        who = r.reporter or "—"
        if r.reporter_name:
            who += f"\n{r.reporter_name}"
        late = f" +{r.days_late}d" if r.days_late else ""
        batches = ", ".join(map(str, r.batch_ids)) or "—"
        if r.pending_batch_ids:
            waiting = ", ".join(map(str, r.pending_batch_ids))
            batches += f"（待审核 pending {waiting}）"
        table.add_row(
            escape(who),
            r.period,
            f"{zh}\n{en}{late}",
            r.received_at.strftime("%Y-%m-%d %H:%M") if r.received_at else "—",
            r.due_date.isoformat() if r.due_date else "—",
            batches,
            style=_STYLES[r.state],
        )
    return table
