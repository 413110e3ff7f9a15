"""The pieces pages are made of: value rows, headline cards, trends, charts, lineage of batches.

Year-on-year changes come from each value's own ``previous`` and ``yoy`` (computed with
every value), and trends from the values of the same indicator and dimensions over the
years, and the months for monthly indicators: one mechanism for every figure.
"""

from __future__ import annotations

from typing import Any

from zhangjiang.forms.registry import files_for_staff_only
from zhangjiang.periods import parse_period
from zhangjiang.snapshot import Snapshot, period_kind
from zhangjiang.web.charts import bar_chart, line_chart, sparkline
from zhangjiang.web.formatting import format_growth, format_value, superscript
from zhangjiang.web.i18n import BATCH_STATUSES, VALUE_STATUSES, label, pick
from zhangjiang.web.records import (
    FACILITY_DIMENSION,
    column_value_label,
    facility_titles,
)
from zhangjiang.web.urls import indicator_api, indicator_href

__all__ = [
    "MAX_CARD_FIGURES",
    "batch_row",
    "card",
    "chart_for",
    "dimension_chart",
    "dimension_label",
    "dimension_titles",
    "growth",
    "indicator_summary",
    "is_monthly",
    "month_chart",
    "same_kind_periods",
    "series_chart",
    "series_points",
    "time_chart",
    "trend",
    "value_label",
    "value_rows",
]

MAX_CARD_FIGURES = 4
#: Dimensions whose values are names in their own right: shown without the column title
#: ("魔方III", not "系统 魔方III").
NAME_DIMENSIONS = ("facility", "system", "project", "instrument", "industry", "kind")
_MAX_CHART_BARS = 40
_MAX_LINES = 8


def indicator_summary(
    ind: dict[str, Any], lang: str, period: str | None
) -> dict[str, Any]:
    """Return the identity of an indicator as every page lists it."""
    return {
        "id": ind["id"],
        "title": pick(lang, ind["title_zh"], ind["title_en"]),
        "title_zh": ind["title_zh"],
        "title_en": ind["title_en"],
        "unit": superscript(pick(lang, ind["unit"], ind["unit_en"])),
        "domain": ind["domain"],
        "href": indicator_href(ind["id"], period),
        "api": indicator_api(ind["id"], period),
    }


def dimension_label(
    snap: Snapshot, ind: dict[str, Any], dims: dict[str, Any], lang: str
) -> str:
    """Return "轮次 1 · 上海光源一期": column title and value; names and codes as words.

    A facility is written by its registered name, an allowed value as its form declares
    it in ``lang``, and a name-like value (a system, a project) without its column title.
    """
    parts = []
    for name, value in dims.items():
        if name == FACILITY_DIMENSION:
            parts.append(facility_titles(snap, lang).get(str(value), str(value)))
            continue
        column = _column(snap, ind, name)
        text = value_label(column, value, lang)
        if name in NAME_DIMENSIONS or (column and column["allowed"]):
            parts.append(text)
            continue
        title = pick(lang, column["zh"], column["en"]) if column else ""
        parts.append(f"{title} {text}" if title else text)
    return " · ".join(parts)


def value_label(column: dict[str, Any] | None, value: Any, lang: str) -> str:
    """Return how a form column's value is written in ``lang`` (its declared label)."""
    return str(column_value_label(column, str(value), lang))


def dimension_titles(snap: Snapshot, ind: dict[str, Any], lang: str) -> list[str]:
    """Return the titles of an indicator's dimensions ("设施", "系统"), not their ids."""
    return [
        pick(lang, c["zh"], c["en"]) if (c := _column(snap, ind, d)) else d
        for d in ind["dimensions"]
    ]


def value_rows(
    snap: Snapshot, ind: dict[str, Any], values: list[dict[str, Any]], lang: str
) -> list[dict[str, Any]]:
    """Return one displayable row per value (dimension combination), with its growth."""
    return [
        {
            "dimensions": v["dimensions"],
            "label": dimension_label(snap, ind, v["dimensions"], lang),
            "value": v["value"],
            "display": format_value(v["value"], ind, lang),
            "reference_period": pick(
                lang, v["reference_period"], v["reference_period_en"]
            ),
            "status": v["status"],
            "status_label": label(VALUE_STATUSES, v["status"], lang),
            "sources": v["sources"],
            "previous": v.get("previous"),
            "change": v.get("change"),
            "yoy": growth(v, ind, lang),
        }
        for v in values
    ]


def growth(
    value: dict[str, Any], ind: dict[str, Any], lang: str
) -> dict[str, Any] | None:
    """Return the year-on-year change of a value from its own ``yoy`` and ``previous``.

    None where no comparable previous value exists or the change is undefined (a
    previous value of zero).
    """
    pct = value.get("yoy")
    if pct is None:
        return None
    previous = value.get("previous")
    return {
        "id": value["id"],
        "value": pct,
        "display": format_growth(pct, lang),
        "previous": previous,
        "previous_display": format_value(previous, ind, lang),
        "change": value.get("change"),
    }


def card(
    snap: Snapshot,
    ind: dict[str, Any],
    period: str,
    lang: str,
    values: list[dict[str, Any]] | None = None,
) -> dict[str, Any] | None:
    """Return the headline card of an indicator, or None when it has no short list of figures.

    ``values`` narrows the card to some of the period's values (one facility's).
    """
    if values is None:
        values = snap.values(ind["id"], period)
    if not values or len(values) > MAX_CARD_FIGURES:
        return None
    rows = value_rows(snap, ind, values, lang)
    for row in rows:
        row["trend"] = trend(snap, ind, row["dimensions"])
        row["alt"] = _figure_alt(row, lang)
    lead = rows[0]
    cell = snap.cell(ind["id"], lead["dimensions"])
    return {
        **indicator_summary(ind, lang, period),
        "reference_period": lead["reference_period"],
        "status": lead["status"],
        "status_label": lead["status_label"],
        "yoy": lead["yoy"],
        "series": [
            {k: p[k] for k in ("period", "dimensions", "value", "display", "yoy")}
            for p in series_points(
                snap,
                ind,
                [cell[q] for q in same_kind_periods(snap, period) if q in cell],
                lang,
            )
        ],
        "figures": rows,
    }


def _figure_alt(row: dict[str, Any], lang: str) -> str:
    # The sparkline's text: its span, the latest value and the change a year earlier.
    line = row["trend"]
    if line and not line["points"]:
        line = line["months"]
    span = f"{line['periods'][0]}–{line['periods'][-1]}" if line else ""
    change = (
        row["yoy"]["display"] if row["yoy"] else pick(lang, "无同比", "no comparison")
    )
    return pick(
        lang,
        f"{row['label'] + '：' if row['label'] else ''}{row['reference_period']} "
        f"{row['display']}，{change}；趋势 {span}",
        f"{row['label'] + ': ' if row['label'] else ''}{row['display']} "
        f"({row['reference_period']}), {change}; trend {span}",
    )


def trend(
    snap: Snapshot, ind: dict[str, Any], dims: dict[str, Any]
) -> dict[str, Any] | None:
    """Return a figure's values over the years, and over the months if it is monthly.

    ``periods``, ``values`` and ``points`` (an SVG sparkline) follow the years; ``months``
    holds the same for the months of a monthly indicator. None when neither has two
    values to draw.
    """
    cell = snap.cell(ind["id"], dims)
    years = _line(snap.periods_of("year"), cell)
    months = _line(snap.periods_of("month"), cell) if is_monthly(snap, ind) else None
    if not (years and years["points"]) and not (months and months["points"]):
        return None
    return {
        **(years or {"periods": [], "values": [], "points": ""}),
        "months": months,
    }


def series_points(
    snap: Snapshot,
    ind: dict[str, Any],
    values: list[dict[str, Any]],
    lang: str,
) -> list[dict[str, Any]]:
    """Return values of several periods as points of a series, each with its growth."""
    return [
        {
            "period": v["period"],
            "freq": snap.kinds.get(v["period"]) or period_kind(v["period"]),
            "label": dimension_label(snap, ind, v["dimensions"], lang),
            "dimensions": v["dimensions"],
            "value": v["value"],
            "display": format_value(v["value"], ind, lang),
            "reference_period": pick(
                lang, v["reference_period"], v["reference_period_en"]
            ),
            "status": v["status"],
            "previous": v.get("previous"),
            "change": v.get("change"),
            "yoy": growth(v, ind, lang),
        }
        for v in values
    ]


def is_monthly(snap: Snapshot, ind: dict[str, Any]) -> bool:
    """Return True when the indicator is computed month by month (declared, or has months)."""
    if ind.get("monthly"):
        return True
    return any(snap.values(ind["id"], p) for p in snap.periods_of("month"))


def chart_for(
    snap: Snapshot, ind: dict[str, Any], period: str, lang: str, title: str
) -> dict[str, Any] | None:
    """Return the chart telling most about an indicator: by dimension, else over time."""
    return (
        dimension_chart(snap, ind, period, lang, title)
        or time_chart(snap, ind, period, lang, title)
        or (
            month_chart(snap, ind, lang, title)
            if snap.kinds.get(period) == "year"
            else None
        )
    )


def dimension_chart(
    snap: Snapshot, ind: dict[str, Any], period: str, lang: str, title: str
) -> dict[str, Any] | None:
    """Return a bar per dimension combination of the period, if there are several."""
    values = snap.values(ind["id"], period)
    if not 1 < len(values) <= _MAX_CHART_BARS:
        return None
    labels = [dimension_label(snap, ind, v["dimensions"], lang) for v in values]
    unit = pick(lang, ind["unit"], ind["unit_en"])
    changes = [g["display"] if (g := growth(v, ind, lang)) else None for v in values]
    return bar_chart(labels, [v["value"] for v in values], title, unit, lang, changes)


def time_chart(
    snap: Snapshot, ind: dict[str, Any], period: str, lang: str, title: str
) -> dict[str, Any] | None:
    """Return a line per dimension combination over the periods like ``period``, if several."""
    return series_chart(snap, ind, same_kind_periods(snap, period), lang, title)


def month_chart(
    snap: Snapshot, ind: dict[str, Any], lang: str, title: str
) -> dict[str, Any] | None:
    """Return a line per dimension combination over the months, for a monthly indicator."""
    if not is_monthly(snap, ind):
        return None
    return series_chart(snap, ind, snap.periods_of("month"), lang, title)


def series_chart(
    snap: Snapshot,
    ind: dict[str, Any],
    periods: list[str],
    lang: str,
    title: str,
    keep: dict[str, Any] | None = None,
) -> dict[str, Any] | None:
    """Return a line per dimension combination over ``periods`` that have values, if two.

    ``keep`` keeps the combinations holding these dimension values (one facility's).
    """
    lines: dict[str, list[Any]] = {}
    for i, p in enumerate(periods):
        for v in snap.values(ind["id"], p):
            if keep and any(v["dimensions"].get(k) != x for k, x in keep.items()):
                continue
            name = dimension_label(snap, ind, v["dimensions"], lang)
            if name not in lines and len(lines) >= _MAX_LINES:
                continue
            lines.setdefault(name, [None] * len(periods))[i] = v["value"]
    present = [
        i
        for i in range(len(periods))
        if any(ys[i] is not None for ys in lines.values())
    ]
    if len(present) < 2:
        return None
    first, last = present[0], present[-1] + 1
    unit = pick(lang, ind["unit"], ind["unit_en"])
    return line_chart(
        periods[first:last],
        {name: ys[first:last] for name, ys in lines.items()},
        title,
        unit,
        lang,
    )


def batch_row(
    snap: Snapshot, batch: dict[str, Any], lang: str, downloads: bool
) -> dict[str, Any]:
    """Return a batch as the lineage and data pages list it."""
    form = snap.forms.get(batch["dataset"])
    return {
        "id": batch["id"],
        "dataset": batch["dataset"],
        "dataset_title": pick(lang, form["zh"], form["en"])
        if form
        else batch["dataset"],
        "file": batch["file"],
        "sha256": batch["sha256"],
        "size": batch["size"],
        "rows": batch["rows"],
        "status": batch["status"],
        "status_label": label(BATCH_STATUSES, batch["status"], lang),
        "period": batch["period"],
        "scope": batch["scope"],
        "loaded_at": str(batch["loaded_at"])[:19].replace("T", " "),
        "loaded_by": batch["loaded_by"],
        "note": batch["note"],
        "superseded_by": batch["superseded_by"],
        "download": f"/batches/{batch['id']}/file"
        if downloads and not files_for_staff_only(batch["dataset"])
        else None,
    }


def same_kind_periods(snap: Snapshot, period: str) -> list[str]:
    """Return the snapshot's periods like ``period``: years, months, or the same months' range.

    The range ``2022-01/2022-10`` goes with ``2021-01/2021-10``: January to October of
    every year.
    """
    kind = snap.kinds.get(period) or period_kind(period)
    if kind != "range":
        return snap.periods_of(kind)
    span = _months(period)
    return [p for p in snap.periods_of("range") if _months(p) == span]


def _months(label: str) -> tuple[int, int]:
    period = parse_period(label)
    return period.start.month, period.last_month


def _line(periods: list[str], cell: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """Return the values of ``cell`` over ``periods``, from its first value to its last."""
    present = [i for i, p in enumerate(periods) if p in cell]
    if not present:
        return None
    shown = periods[present[0] : present[-1] + 1]
    values = [cell[p]["value"] if p in cell else None for p in shown]
    return {"periods": shown, "values": values, "points": sparkline(values)}


def _column(snap: Snapshot, ind: dict[str, Any], name: str) -> dict[str, Any] | None:
    for dataset in ind["inputs"]:
        form = snap.forms.get(dataset)
        for col in form["columns"] if form else []:
            if col["name"] == name:
                return col  # type: ignore[no-any-return]
    if name == FACILITY_DIMENSION:
        return {"name": name, "zh": "设施", "en": "Facility", "allowed": []}
    return None
