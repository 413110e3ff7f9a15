"""The usage explorer: an indicator grouped by one of its dimensions over a span of periods.

Open XDMoD's usage view in small: pick an indicator, group by any of its dimensions, choose
the first and last period and a yearly or monthly resolution; get a chart, a table, a CSV
and a permalink. Values come from the snapshot as computed; grouping by a dimension adds
up the other dimensions' values only where the indicator is additive (a count or an
amount, not a rate or a maximum), and otherwise keeps each combination as its own line.
"""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import quote

from zhangjiang.errors import UnknownIndicatorError
from zhangjiang.periods import parse_period
from zhangjiang.snapshot import Snapshot
from zhangjiang.web.charts import line_chart
from zhangjiang.web.errors import MalformedQueryError
from zhangjiang.web.figures import dimension_label, dimension_titles, is_monthly
from zhangjiang.web.formatting import format_value, superscript
from zhangjiang.web.i18n import pick
from zhangjiang.web.urls import href

__all__ = ["FREQS", "explore", "explore_csv"]

#: Resolutions the explorer offers: kind of period, and its label.
FREQS = {"year": ("年度", "Yearly"), "month": ("月度", "Monthly")}
#: Units whose values do not add up across a dimension (rates, maxima, sizes).
_NOT_ADDITIVE_UNITS = ("%", "×10^20 W/cm²", "微米")
_MAX_LINES = 12


def explore(
    snap: Snapshot,
    indicator_id: str | None,
    group_by: str | None,
    start: str | None,
    end: str | None,
    freq: str | None,
    lang: str,
) -> dict[str, Any]:
    """Return the explorer's page: the choices offered, the chosen view, chart and table."""
    ind = _indicator(snap, indicator_id)
    freq = freq or "year"
    if freq not in FREQS:
        raise MalformedQueryError(
            f"分辨率应为 year 或 month（收到 {freq!r}） / freq must be year or month "
            f"(got {freq!r})"
        )
    if freq == "month" and not is_monthly(snap, ind):
        freq = "year"  # the indicator has no months: show its years
    if group_by and group_by not in ind["dimensions"]:
        raise MalformedQueryError(
            f"指标 {ind['id']} 没有维度 {group_by!r}，可选：{', '.join(ind['dimensions'])}"
            f" / indicator {ind['id']} has no dimension {group_by!r}; it has: "
            f"{', '.join(ind['dimensions']) or 'none'}"
        )
    available = snap.periods_of(freq)
    first = _bound(start, available[0] if available else None)
    last = _bound(end, available[-1] if available else None)
    periods = [p for p in available if first <= p <= last] if first and last else []
    lines = _lines(snap, ind, periods, group_by, lang)
    unit = pick(lang, ind["unit"], ind["unit_en"])
    title = pick(lang, ind["title_zh"], ind["title_en"])
    params = {
        "indicator": ind["id"],
        "group_by": group_by,
        "start": first,
        "end": last,
        "freq": freq,
    }
    chart = line_chart(periods, lines, title, unit, lang) if periods and lines else None
    return {
        "ok": True,
        "page": "explore",
        "lang": lang,
        "title": pick(lang, "数据浏览", "Usage explorer"),
        "period": None,
        "periods": snap.periods,
        "generated_at": snap.generated_at,
        "stale_inputs": snap.stale_inputs,
        "stale_notice": None,
        "html": href("/explore", **params),
        "api": href("/api/v1/explore", **params, lang=lang),
        "csv": href("/api/v1/explore.csv", **params, lang=lang),
        "permalink": href("/explore", **params, lang=lang),
        "query": params,
        "indicator": {
            "id": ind["id"],
            "title": title,
            "unit": superscript(unit),
            "href": href(f"/indicator/{quote(ind['id'])}"),
        },
        "aggregation": "sum" if group_by and _is_additive(ind) else "none",
        "choices": {
            "indicators": [
                {
                    "id": i["id"],
                    "title": pick(lang, i["title_zh"], i["title_en"]),
                    "group": i["domain"],
                }
                for i in snap.indicators.values()
                if not i.get("yoy_of")
            ],
            "group_by": [
                {"id": d, "title": t}
                for d, t in zip(
                    ind["dimensions"], dimension_titles(snap, ind, lang), strict=True
                )
            ],
            "freqs": [{"id": k, "title": pick(lang, *v)} for k, v in FREQS.items()],
            "periods": available,
        },
        "columns": [pick(lang, "报告期", "Period"), *lines],
        "rows": [
            {
                "period": p,
                "values": [ys[i] for ys in lines.values()],
                "display": [format_value(ys[i], ind, lang) for ys in lines.values()],
            }
            for i, p in enumerate(periods)
        ],
        "chart": chart,
    }


def explore_csv(page: dict[str, Any]) -> bytes:
    """Return the explorer's table as CSV (UTF-8 with BOM, for Excel): period, group, value."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(["period", "group", "value", "indicator", "unit"])
    groups = page["columns"][1:]
    for row in page["rows"]:
        for group, value in zip(groups, row["values"], strict=True):
            if value is not None:
                writer.writerow(
                    [
                        row["period"],
                        group,
                        value,
                        page["indicator"]["id"],
                        page["indicator"]["unit"],
                    ]
                )
    return out.getvalue().encode()


def _indicator(snap: Snapshot, indicator_id: str | None) -> dict[str, Any]:
    if not indicator_id:
        return next(iter(snap.indicators.values()))
    ind = snap.indicators.get(indicator_id)
    if ind is None:
        raise UnknownIndicatorError(
            f"未知指标“{indicator_id}” / unknown indicator {indicator_id!r}"
        )
    return ind


def _bound(text: str | None, default: str | None) -> str | None:
    # A malformed period is a PeriodError: the API answers 400 naming the value.
    return parse_period(text).label if text else default


def _lines(
    snap: Snapshot,
    ind: dict[str, Any],
    periods: list[str],
    group_by: str | None,
    lang: str,
) -> dict[str, list[Any]]:
    additive = _is_additive(ind)
    lines: dict[str, list[Any]] = {}
    for i, p in enumerate(periods):
        for v in snap.values(ind["id"], p):
            dims = v["dimensions"]
            if group_by and additive:
                dims = {group_by: dims.get(group_by)}
            name = dimension_label(snap, ind, dims, lang) or pick(lang, "合计", "Total")
            if name not in lines and len(lines) >= _MAX_LINES:
                continue
            ys = lines.setdefault(name, [None] * len(periods))
            if v["value"] is not None:
                ys[i] = (
                    (ys[i] or 0) + v["value"] if group_by and additive else v["value"]
                )
    return lines


def _is_additive(ind: dict[str, Any]) -> bool:
    return ind["unit"] not in _NOT_ADDITIVE_UNITS and not ind.get("yoy_of")
