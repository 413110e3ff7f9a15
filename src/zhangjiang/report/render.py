"""Render section 1.2 from computed values and stored facts: Markdown, then HTML or Word."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from zhangjiang.errors import ZhangjiangError
from zhangjiang.forms import get_form
from zhangjiang.indicators import load_builtin
from zhangjiang.periods import parse_period
from zhangjiang.phrasing import phrase_growth
from zhangjiang.phrasing.numbers import superscript
from zhangjiang.report.figures import GAP, FigureBook, Gap
from zhangjiang.staleness import stale_inputs, staleness_notice
from zhangjiang.store import Store

__all__ = [
    "Report",
    "build_markdown",
    "skeleton_entries",
    "skeleton_lines",
]

_ENV = Environment(
    loader=PackageLoader("zhangjiang.report", "templates"),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_PERCENT = re.compile(r"(\d+(?:\.\d+)?%)")
_LINEAGE_FILES = 4


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
    store: Store,
    period: str,
    lang: str = "zh",
    lineage: bool = False,
    seed_headings: bool = False,
) -> Report:
    """Render the report's Markdown for ``period`` in ``lang`` ("zh" or "en").

    Headings are Markdown headings (``##``, ``###``); ``seed_headings`` writes them as the
    seed report does (``>> `` for a part, a bare line for a group).
    """
    book = FigureBook(store, parse_period(period), lang=lang)
    text = _render(book, lang)
    body = superscript(_drop_gap_lines(text))
    if seed_headings:
        body = _seed_headings(body)
    synthetic = _is_synthetic(store, book)
    report = Report(period, lang, body, book.gaps, book.used, synthetic)
    report.stale = stale_inputs(store)
    report.markdown = _appendices(store, report, lineage)
    return report


def skeleton_lines(store: Store, period: str, lang: str = "zh") -> list[str]:
    """Return the template's lines with ⟦indicator|dims⟧ where each figure goes (fact-check)."""
    return [line for _heading, line in skeleton_entries(store, period, lang)]


def skeleton_entries(
    store: Store, period: str, lang: str = "zh"
) -> list[tuple[str, str]]:
    """Return (heading, line) for each template line with figures: the heading it is under."""
    book = FigureBook(store, parse_period(period), lang=lang, skeleton=True)
    out, heading = [], ""
    for line in _render(book, lang).splitlines():
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        elif "⟦" in line:
            out.append((heading, line))
    return out


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

    def facts(
        dataset: str,
        group: str | None = None,
        group_column: str = "group",
        optional: bool = False,
    ) -> list[dict[str, Any]]:
        # A narrative slot with no stored fact is a gap like a missing figure; an
        # optional slot only adds lines beside figures that carry its section.
        rows = book.facts(dataset, group, group_column)
        if not rows and not optional and not book.skeleton:
            book.gaps.append(
                Gap(f"{dataset}:{group}", dataset, {group_column: group}, kind="fact")
            )
        return rows

    def translated(form: str, column: str, values: list[str]) -> list[str]:
        col = next(c for c in get_form(form).columns if c.name == column)
        return [col.translate(v, lang) for v in values]

    template = _ENV.get_template(f"report.{lang}.md.j2")
    return template.render(
        fig=book.fig,
        num=book.num,
        translated=translated,
        label=book.label,
        names=book.names,
        facts=facts,
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
    # Drop headings left with nothing under them (deepest first), then collapse blank runs.
    for level in (3, 2):
        kept: list[str] = []
        for i, line in enumerate(lines):
            if _heading_level(line) == level:
                following = next((nxt for nxt in lines[i + 1 :] if nxt.strip()), "")
                if not following or 0 < _heading_level(following) <= level:
                    continue
            kept.append(line)
        lines = kept
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def _heading_level(line: str) -> int:
    match = re.match(r"(#{1,6}) ", line)
    return len(match.group(1)) if match else 0


def _seed_headings(text: str) -> str:
    """Write ``## X`` as ``>> X`` and ``### X`` as a bare line, as the seed does."""
    text = re.sub(r"(?m)^## ", ">> ", text)
    return re.sub(r"(?m)^### ", "", text)


def _is_synthetic(store: Store, book: FigureBook) -> bool:
    ids = sorted({s for row in book.used for s in row["sources"]})
    if not ids:
        return False
    rows = store.query(
        "SELECT count(*) AS n FROM batches WHERE list_contains(?, id) AND note LIKE '%示例%'",
        [ids],
    )
    return bool(rows[0]["n"])


def _appendices(store: Store, report: Report, lineage: bool) -> str:
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
        parts.extend(_gap_lines(report.gaps, zh))
    if lineage:
        parts.append("\n## 数据来源\n\n" if zh else "\n## Lineage\n\n")
        parts.extend(_lineage_lines(store, report.used, zh))
    return "".join(parts)


def _gap_lines(gaps: list[Gap], zh: bool) -> list[str]:
    out, seen = [], set()
    for gap in gaps:
        key = (gap.kind, gap.indicator, tuple(sorted(gap.dimensions.items())))
        if key in seen:
            continue
        seen.add(key)
        dims = "，".join(f"{k}={v}" for k, v in gap.dimensions.items())
        if gap.kind == "fact":
            out.append(
                f"- 叙述 {gap.indicator}（{dims}）：无记录，该段未输出\n"
                if zh
                else f"- narrative {gap.indicator} ({dims}): no stored fact; the passage was left out\n"
            )
            continue
        out.append(
            f"- {gap.indicator}"
            + (f"（{dims}）" if dims else "")
            + (
                "：无数据，相关行未输出\n"
                if zh
                else ": no data; the line was left out\n"
            )
        )
    return out


def _lineage_lines(store: Store, used: list[dict[str, Any]], zh: bool) -> list[str]:
    """Return the lineage table: figure, indicator (with dimensions), period, source files."""
    ids = sorted({s for row in used for s in row["sources"]})
    batches = {
        r["id"]: r
        for r in (
            store.query(
                "SELECT id, file_name, period FROM batches WHERE list_contains(?, id)",
                [ids],
            )
            if ids
            else []
        )
    }
    out = [
        "| 数字 | 指标 | 参考期 | 来源批次（文件，期间） |\n|---|---|---|---|\n"
        if zh
        else "| Figure | Indicator | Reference period | Source batches (file, period) |\n|---|---|---|---|\n"
    ]
    for row in used:
        dims = ", ".join(
            f"{k}={_translate_dim(row['id'], k, v, zh)}"
            for k, v in row["dimensions"].items()
        )
        title = row["title_zh"] if zh else row["title_en"]
        indicator = (
            f"{title}（{row['id']}" + (f"; {dims}" if dims else "") + "）"
            if zh
            else f"{title} ({row['id']}" + (f"; {dims}" if dims else "") + ")"
        )
        ref = row["reference_period"] if zh else row["reference_period_en"]
        files = [
            f"#{b} {batches[b]['file_name']}"
            + (f" ({batches[b]['period']})" if batches[b]["period"] else "")
            if b in batches
            else f"#{b}"
            for b in row["sources"]
        ]
        if len(files) > _LINEAGE_FILES:
            # A year of monthly logs: the first and last, and how many in all.
            more = len(files) - 2
            files = [
                files[0],
                f"… {more} 个文件 …" if zh else f"… {more} more files …",
                files[-1],
            ]
        sources = "; ".join(files)
        out.append(
            f"| {_cell(row['text'])} | {_cell(indicator)} | {ref} | {_cell(sources)} |\n"
        )
    return out


def _translate_dim(indicator: str, key: str, value: Any, zh: bool) -> str:
    """Return a dimension value in the report's language, from its form's translations."""
    ind = load_builtin().get(indicator)
    if zh or ind is None:
        return str(value)
    for name in ind.inputs:
        try:
            form = get_form(name)
        except ZhangjiangError:
            continue
        for column in form.columns:
            if column.name == key and str(value) in column.translations:
                return column.translate(value)
    return str(value)


def _cell(text: str) -> str:
    return text.replace("|", "/")
