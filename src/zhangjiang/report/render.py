"""Render section 1.2 from computed values and stored facts: Markdown, then HTML or Word."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from zhangjiang.indicators import load_builtin
from zhangjiang.periods import parse_period
from zhangjiang.phrasing import phrase_growth
from zhangjiang.report.figures import GAP, FigureBook, Gap
from zhangjiang.staleness import stale_inputs, staleness_notice
from zhangjiang.store import Store

__all__ = ["Report", "build_markdown", "skeleton_lines"]

_ENV = Environment(
    loader=PackageLoader("zhangjiang.report", "templates"),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_PERCENT = re.compile(r"(\d+(?:\.\d+)?%)")


@dataclass
class Report:
    """A rendered report: its Markdown, the gaps it skipped and the figures it used."""

    period: str
    lang: str
    markdown: str
    gaps: list[Gap] = field(default_factory=list)
    used: list[dict[str, Any]] = field(default_factory=list)
    synthetic: bool = False
    stale: list[dict[str, Any]] = field(default_factory=list)


def build_markdown(
    store: Store, period: str, lang: str = "zh", lineage: bool = False
) -> Report:
    """Render the report's Markdown for ``period`` in ``lang`` ("zh" or "en")."""
    book = FigureBook(store, parse_period(period), lang=lang)
    text = _render(book, lang)
    body = _drop_gap_lines(text)
    synthetic = _is_synthetic(store, book)
    report = Report(period, lang, body, book.gaps, book.used, synthetic)
    report.stale = stale_inputs(store)
    report.markdown = _appendices(report, lineage)
    return report


def skeleton_lines(store: Store, period: str, lang: str = "zh") -> list[str]:
    """Return the template's lines with ⟦indicator|dims⟧ where each figure goes (fact-check)."""
    book = FigureBook(store, parse_period(period), lang=lang, skeleton=True)
    return [line for line in _render(book, lang).splitlines() if "⟦" in line]


def _render(book: FigureBook, lang: str) -> str:
    def growth(indicator: str, **dims: Any) -> str:
        if book.skeleton:
            return book.fig(indicator, **dims)
        # A growth indicator (``yoy_of``) holds its base's year-on-year change as its
        # value; any other indicator's change is the ``yoy`` of its own value.
        row = book.value(indicator, **dims)
        pct = (
            None
            if row is None
            else row["value"]
            if _is_growth(indicator)
            else row["yoy"]
        )
        if row is None or pct is None:
            book.gaps.append(Gap(indicator, indicator, dims))
            return GAP
        book.used.append({**row, "text": phrase_growth(pct, lang=lang)})
        return _PERCENT.sub(r"**\1**", phrase_growth(pct, lang=lang), count=1)

    def all_started(round_: int) -> bool:
        count, started = (
            book.value("projects.count", round=round_),
            book.value("projects.started", round=round_),
        )
        return bool(count and started and count["value"] == started["value"])

    def sentences(
        rows: list[dict[str, Any]], sep: str, end: str = "", lead: str = ""
    ) -> str:
        texts = [str(r["text_zh" if lang == "zh" else "text_en"]) for r in rows]
        return (lead + sep.join(texts) + end) if texts else ""

    template = _ENV.get_template(f"report.{lang}.md.j2")
    return template.render(
        fig=book.fig,
        label=book.label,
        names=book.names,
        facts=book.facts,
        growth=growth,
        all_started=all_started,
        sentences=sentences,
        period=book.period,
    )


def _is_growth(indicator: str) -> bool:
    ind = load_builtin().get(indicator)
    return ind is not None and ind.yoy_of is not None


def _drop_gap_lines(text: str) -> str:
    lines = [line for line in text.splitlines() if GAP not in line]
    # Drop group headings left with no lines under them, then collapse blank runs.
    kept: list[str] = []
    for i, line in enumerate(lines):
        if _is_group_heading(line):
            following = next((nxt for nxt in lines[i + 1 :] if nxt.strip()), "")
            if not following.startswith("- "):
                continue
        kept.append(line)
    out = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip() + "\n"
    return out


def _is_group_heading(line: str) -> bool:
    text = line.strip()
    return (
        bool(text)
        and not text.startswith(("- ", "#", ">>"))
        and len(text) <= 40
        and not text.endswith(("。", "."))
    )


def _is_synthetic(store: Store, book: FigureBook) -> bool:
    ids = sorted({s for row in book.used for s in row["sources"]})
    if not ids:
        return False
    rows = store.query(
        "SELECT count(*) AS n FROM batches WHERE list_contains(?, id) AND note LIKE '%示例%'",
        [ids],
    )
    return bool(rows[0]["n"])


def _appendices(report: Report, lineage: bool) -> str:
    zh = report.lang == "zh"
    parts = []
    if report.synthetic:
        parts.append(
            "> 注意：本报告由合成示例数据生成，数字不是真实统计。\n"
            if zh
            else "> Note: this report was generated from synthetic demo data; its figures are not real statistics.\n"
        )
    notice = staleness_notice(report.stale)
    if notice is not None:
        parts.append(f"> {notice[0] if zh else notice[1]}\n")
    parts.append(report.markdown)
    if report.gaps:
        parts.append("\n## 数据缺口\n\n" if zh else "\n## Data gaps\n\n")
        seen = set()
        for gap in report.gaps:
            key = (gap.indicator, tuple(sorted(gap.dimensions.items())))
            if key in seen:
                continue
            seen.add(key)
            dims = "，".join(f"{k}={v}" for k, v in gap.dimensions.items())
            parts.append(
                f"- {gap.indicator}"
                + (f"（{dims}）" if dims else "")
                + (
                    "：无数据，相关行未输出\n"
                    if zh
                    else ": no data; the line was left out\n"
                )
            )
    if lineage:
        parts.append("\n## 数据来源\n\n" if zh else "\n## Lineage\n\n")
        parts.append(
            "| 数字 figure | 指标 indicator | 维度 dimensions | 参考期 reference period | 来源批次 batches |\n|---|---|---|---|---|\n"
        )
        for row in report.used:
            dims = ", ".join(f"{k}={v}" for k, v in row["dimensions"].items())
            ref = row["reference_period"] if zh else row["reference_period_en"]
            parts.append(
                f"| {row['text']} | {row['id']} | {dims} | {ref} | {', '.join(map(str, row['sources']))} |\n"
            )
    return "".join(parts)
