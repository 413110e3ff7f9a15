"""The pieces pages are made of: value rows, headline cards, charts, lineage of batches."""

from __future__ import annotations

from typing import Any

from zhangjiang.snapshot import Snapshot
from zhangjiang.web.charts import bar_chart, line_chart, sparkline
from zhangjiang.web.formatting import format_growth, format_value
from zhangjiang.web.i18n import BATCH_STATUSES, VALUE_STATUSES, label, pick
from zhangjiang.web.records import FACILITY_DIMENSION, facility_titles
from zhangjiang.web.urls import indicator_api, indicator_href

__all__ = [
    "MAX_CARD_FIGURES",
    "YOY_SUFFIX",
    "batch_row",
    "card",
    "chart_for",
    "dimension_chart",
    "dimension_label",
    "growth",
    "indicator_summary",
    "same_kind_periods",
    "time_chart",
    "value_rows",
]

MAX_CARD_FIGURES = 4
_MAX_CHART_BARS = 40
_MAX_LINES = 8
YOY_SUFFIX = "_yoy"


def indicator_summary(
    ind: dict[str, Any], lang: str, period: str | None
) -> dict[str, Any]:
    """Return the identity of an indicator as every page lists it."""
    return {
        "id": ind["id"],
        "title": pick(lang, ind["title_zh"], ind["title_en"]),
        "title_zh": ind["title_zh"],
        "title_en": ind["title_en"],
        "unit": pick(lang, ind["unit"], ind["unit_en"]),
        "domain": ind["domain"],
        "href": indicator_href(ind["id"], period),
        "api": indicator_api(ind["id"], period),
    }


def dimension_label(
    snap: Snapshot, ind: dict[str, Any], dims: dict[str, Any], lang: str
) -> str:
    """Return "轮次 1 · 上海光源一期": column title and value; a facility by its name."""
    parts = []
    for name, value in dims.items():
        if name == FACILITY_DIMENSION:
            parts.append(facility_titles(snap, lang).get(str(value), str(value)))
            continue
        title = _column_title(snap, ind, name, lang)
        parts.append(f"{title} {value}" if title else str(value))
    return " · ".join(parts)


def value_rows(
    snap: Snapshot, ind: dict[str, Any], values: list[dict[str, Any]], lang: str
) -> list[dict[str, Any]]:
    """Return one displayable row per value (dimension combination)."""
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
        }
        for v in values
    ]


def card(
    snap: Snapshot, ind: dict[str, Any], period: str, lang: str
) -> dict[str, Any] | None:
    """Return the headline card of an indicator, or None when it has no short list of figures."""
    values = snap.values(ind["id"], period)
    if not values or len(values) > MAX_CARD_FIGURES:
        return None
    periods = same_kind_periods(snap, period)
    rows = value_rows(snap, ind, values, lang)
    for row in rows:
        row["yoy"] = growth(snap, ind["id"], row["dimensions"], period, lang)
        row["trend"] = _trend(snap, ind["id"], row["dimensions"], periods)
    return {
        **indicator_summary(ind, lang, period),
        "reference_period": rows[0]["reference_period"],
        "status": rows[0]["status"],
        "status_label": rows[0]["status_label"],
        "figures": rows,
    }


def chart_for(
    snap: Snapshot, ind: dict[str, Any], period: str, lang: str, title: str
) -> dict[str, Any] | None:
    """Return the chart telling most about an indicator: by dimension, else over time."""
    return dimension_chart(snap, ind, period, lang, title) or time_chart(
        snap, ind, period, lang, title
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
    return bar_chart(labels, [v["value"] for v in values], title, unit)


def time_chart(
    snap: Snapshot, ind: dict[str, Any], period: str, lang: str, title: str
) -> dict[str, Any] | None:
    """Return a line per dimension combination over the periods like ``period``, if several."""
    periods = same_kind_periods(snap, period)
    if len(periods) < 2:
        return None
    lines: dict[str, list[Any]] = {}
    for p in periods:
        for v in snap.values(ind["id"], p):
            name = dimension_label(snap, ind, v["dimensions"], lang)
            if name not in lines and len(lines) >= _MAX_LINES:
                continue
            lines.setdefault(name, [None] * len(periods))[periods.index(p)] = v["value"]
    unit = pick(lang, ind["unit"], ind["unit_en"])
    return line_chart(periods, lines, title, unit) if lines else None


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
        "download": f"/batches/{batch['id']}/file" if downloads else None,
    }


def same_kind_periods(snap: Snapshot, period: str) -> list[str]:
    """Return the snapshot's periods of the same length as ``period`` (years, or months)."""
    return [p for p in snap.periods if len(p) == len(period)]


def growth(
    snap: Snapshot, indicator_id: str, dims: dict[str, Any], period: str, lang: str
) -> dict[str, Any] | None:
    """Return the year-on-year change of a value, from the ``<id>_yoy`` indicator if declared."""
    yoy_id = indicator_id + YOY_SUFFIX
    for v in snap.values(yoy_id, period) if yoy_id in snap.indicators else []:
        if v["dimensions"] == dims and v["value"] is not None:
            return {
                "id": yoy_id,
                "value": v["value"],
                "display": format_growth(v["value"], lang),
            }
    return None


def _trend(
    snap: Snapshot, indicator_id: str, dims: dict[str, Any], periods: list[str]
) -> dict[str, Any] | None:
    if len(periods) < 2:
        return None
    values = []
    for p in periods:
        match = [
            v["value"] for v in snap.values(indicator_id, p) if v["dimensions"] == dims
        ]
        values.append(match[0] if match else None)
    points = sparkline(values)
    return {"periods": periods, "values": values, "points": points} if points else None


def _column_title(snap: Snapshot, ind: dict[str, Any], name: str, lang: str) -> str:
    for dataset in ind["inputs"]:
        form = snap.forms.get(dataset)
        for col in form["columns"] if form else []:
            if col["name"] == name:
                return pick(lang, col["zh"], col["en"])
    return ""
