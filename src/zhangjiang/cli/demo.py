"""The demo command: generate the synthetic data set and load it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from zhangjiang.cli.common import (
    EXIT_REJECTED,
    app,
    console,
    edge,
    err_console,
    settings,
    store,
)


@app.command()
def demo(
    out: Annotated[
        Path,
        typer.Option("--out", help="生成文件的目录 / folder for the generated files"),
    ] = Path("demo-data"),
    scale: Annotated[
        int, typer.Option("--scale", min=1, help="作业数放大倍数 / multiply HPC jobs")
    ] = 1,
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            help="只计算该报告期（默认全部）/ compute only this period (default: every period)",
        ),
    ] = None,
    only: Annotated[
        list[str] | None,
        typer.Option("--only", help="只生成这些部分 / only these parts"),
    ] = None,
) -> None:
    """生成并导入示例数据（合成）/ Generate and load the synthetic demo data set."""
    from zhangjiang.demo import DEMO_NOTE, build_demo
    from zhangjiang.indicators import compute
    from zhangjiang.indicators.engine import refresh_snapshot

    st = store()
    console.print(f"[yellow]{DEMO_NOTE}[/yellow]")
    with edge():
        results = build_demo(st, settings(), out, scale=scale, only=only, progress=True)
        rejected = [r for r in results if r.outcome == "rejected"]
        for r in rejected:
            err_console.print(
                f"[red]{escape(r.message_zh)}[/red] / {escape(r.message_en)}"
            )
            for p in r.errors if hasattr(r, "errors") else r.problems:
                err_console.print(f"  {escape(p.message_zh)} / {escape(p.message_en)}")
        if rejected:
            raise typer.Exit(EXIT_REJECTED)
        loaded = sum(1 for r in results if r.outcome == "loaded")
        with st.session():
            values = compute(st, period)
            refresh_snapshot(st)
    periods = sorted({v.period for v in values})
    span = f"{periods[0]}…{periods[-1]}" if periods else "—"
    console.print(
        f"已导入 {loaded} 个文件，计算 {len(values)} 个指标值（{len(periods)} 个报告期 {span}）"
        f" / loaded {loaded} files, computed {len(values)} values for {len(periods)} periods ({span})"
    )
