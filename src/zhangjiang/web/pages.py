"""Build the dict of every page; the HTML page and its JSON twin both render this dict."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from zhangjiang.errors import UnknownIndicatorError
from zhangjiang.snapshot import Snapshot
from zhangjiang.web.errors import UnknownPageError
from zhangjiang.web.figures import (
    YOY_SUFFIX,
    batch_row,
    card,
    chart_for,
    dimension_chart,
    dimension_label,
    growth,
    indicator_summary,
    time_chart,
    value_rows,
)
from zhangjiang.web.formatting import format_value
from zhangjiang.web.i18n import AREAS, area_title, pick
from zhangjiang.web.records import (
    FACILITY_DIMENSION,
    facilities,
    facility_status,
    milestones,
)
from zhangjiang.web.reports import Reports, report_content
from zhangjiang.web.urls import href

__all__ = [
    "area_page",
    "areas",
    "data_page",
    "facility_page",
    "indicator_list",
    "indicator_page",
    "overview_page",
    "report",
]

_MAX_CARDS_PER_AREA = 8
_MAX_TABLE_ROWS = 60


def areas(snap: Snapshot) -> list[str]:
    """Return the domains that have indicators: declared areas first, then the others."""
    present = {ind["domain"] for ind in snap.indicators.values()}
    return [d for d in AREAS if d in present] + sorted(present - set(AREAS))


def overview_page(snap: Snapshot, period: str | None, lang: str) -> dict[str, Any]:
    """Return the overview: headline cards per area, the facility board, recent milestones."""
    sections = []
    for domain in areas(snap):
        cards = [
            c
            for ind in _headline_indicators(snap, domain)
            if period and (c := card(snap, ind, period, lang)) is not None
        ]
        sections.append(
            {
                "domain": domain,
                "title": area_title(domain, lang),
                "href": href(f"/area/{quote(domain)}", period=period),
                "cards": cards[:_MAX_CARDS_PER_AREA],
                "more": max(0, len(cards) - _MAX_CARDS_PER_AREA),
            }
        )
    board = [
        {**f, "figures": _facility_figures(snap, f["name"], period, lang)[:3]}
        for f in facilities(snap, period, lang)
    ]
    return {
        **_common(snap, "overview", period, lang, "/", "/api/v1/overview"),
        "title": pick(
            lang, "张江综合性国家科学中心监测总览", "Zhangjiang monitoring overview"
        ),
        "areas": sections,
        "facilities": board,
        "milestones": milestones(snap, period, lang),
    }


def area_page(
    snap: Snapshot, domain: str, period: str | None, lang: str
) -> dict[str, Any]:
    """Return an area: every indicator of the domain with its values and a chart."""
    if domain not in areas(snap):
        raise UnknownPageError(f"未知领域“{domain}” / unknown area {domain!r}")
    inds = [i for i in snap.indicators.values() if i["domain"] == domain]
    path = f"/area/{quote(domain)}"
    return {
        **_common(snap, "area", period, lang, path, f"/api/v1/areas/{quote(domain)}"),
        "title": area_title(domain, lang),
        "domain": domain,
        "indicators": [_indicator_block(snap, ind, period, lang) for ind in inds],
    }


def facility_page(
    snap: Snapshot, name: str, period: str | None, lang: str
) -> dict[str, Any]:
    """Return a facility: its status and every indicator value about it."""
    known = {f["name"]: f for f in facilities(snap, period, lang)}
    if name not in known:
        raise UnknownPageError(f"未知设施“{name}” / unknown facility {name!r}")
    blocks = []
    for ind in snap.indicators.values():
        if FACILITY_DIMENSION not in ind["dimensions"] or not period:
            continue
        values = [
            v
            for v in snap.values(ind["id"], period)
            if v["dimensions"].get(FACILITY_DIMENSION) == name
        ]
        if values:
            blocks.append(
                _indicator_block(snap, ind, period, lang, values, with_chart=False)
            )
    path = f"/facility/{quote(name)}"
    return {
        **_common(
            snap, "facility", period, lang, path, f"/api/v1/facilities/{quote(name)}"
        ),
        "title": known[name]["title"],
        "facility": known[name],
        "status": facility_status(snap, name, period, lang),
        "indicators": blocks,
    }


def indicator_list(snap: Snapshot, period: str | None, lang: str) -> dict[str, Any]:
    """Return the catalogue with each indicator's values for the period."""
    return {
        **_common(
            snap, "indicators", period, lang, "/indicators", "/api/v1/indicators"
        ),
        "title": pick(lang, "指标目录", "Indicator catalogue"),
        "indicators": [
            {
                **indicator_summary(ind, lang, period),
                "period_rule": ind["period_rule"],
                "values": value_rows(snap, ind, snap.values(ind["id"], period), lang)
                if period
                else [],
            }
            for ind in snap.indicators.values()
        ],
    }


def indicator_page(
    snap: Snapshot, indicator_id: str, period: str | None, lang: str, downloads: bool
) -> dict[str, Any]:
    """Return an indicator: definition, values over time and by dimension, lineage."""
    ind = snap.indicators.get(indicator_id)
    if ind is None:
        raise UnknownIndicatorError(
            f"未知指标“{indicator_id}” / unknown indicator {indicator_id!r}"
        )
    values = snap.values(indicator_id, period) if period else []
    sources = sorted({s for v in values for s in v["sources"]})
    title = pick(lang, ind["title_zh"], ind["title_en"])
    path = f"/indicator/{quote(indicator_id)}"
    api = f"/api/v1/indicators/{quote(indicator_id)}"
    charts = []
    if period:
        by_dim = dimension_chart(
            snap, ind, period, lang, pick(lang, "按维度", "By dimension")
        )
        by_time = time_chart(
            snap, ind, period, lang, pick(lang, "历年变化", "Over time")
        )
        charts = [c for c in (by_dim, by_time) if c is not None]
    rows = value_rows(snap, ind, values, lang)
    for row in rows:
        row["yoy"] = growth(snap, indicator_id, row["dimensions"], period or "", lang)
    return {
        **_common(snap, "indicator", period, lang, path, api),
        "title": title,
        "indicator": {
            **indicator_summary(ind, lang, period),
            "description": pick(lang, ind["description_zh"], ind["description_en"]),
            "sql": ind["sql"],
            "unit_zh": ind["unit"],
            "unit_en": ind["unit_en"],
            "period_rule": ind["period_rule"],
            "period_rule_label": pick(
                lang, ind["period_rule_zh"], ind["period_rule_en"]
            ),
            "dimensions": ind["dimensions"],
            "inputs": [_form_ref(snap, name, lang) for name in ind["inputs"]],
            "definition_hash": ind["definition_hash"],
            "area": {
                "domain": ind["domain"],
                "title": area_title(ind["domain"], lang),
                "href": href(f"/area/{quote(ind['domain'])}", period=period),
            },
            "yoy": (indicator_id + YOY_SUFFIX) in snap.indicators,
        },
        "values": rows,
        "status": rows[0]["status"] if rows else None,
        "status_label": rows[0]["status_label"] if rows else None,
        "reference_period": rows[0]["reference_period"] if rows else None,
        "series": _series(snap, ind, lang),
        "charts": charts,
        "lineage": [
            batch_row(snap, snap.batches[s], lang, downloads)
            for s in sources
            if s in snap.batches
        ],
        "exports": {
            fmt: href(f"{api}.{fmt}", period=period)
            for fmt in ("csv", "xlsx", "sdmx.csv")
        },
    }


def data_page(snap: Snapshot, lang: str, downloads: bool) -> dict[str, Any]:
    """Return the forms with their template downloads and every batch with its status."""
    return {
        **_common(snap, "data", None, lang, "/data", "/api/v1/data"),
        "title": pick(lang, "数据报送", "Data submission"),
        "forms": [_form_entry(form, lang) for form in snap.forms.values()],
        "batches": [batch_row(snap, b, lang, downloads) for b in snap.data["batches"]],
    }


def report(
    snap: Snapshot, reports: Reports, period: str | None, lang: str
) -> dict[str, Any]:
    """Return the report page: the generated report, or a note that it is not available."""
    if snap.may_report(period):
        content = report_content(reports, snap.version, period, lang)
    else:  # the report is rendered from working values, not yet released
        content = {
            **report_content(reports, snap.version, None, lang),
            "problem": pick(
                lang,
                "本报告期的报告尚未发布",
                "The report of this period has not been released yet",
            ),
        }
    return {
        **_common(snap, "report", period, lang, "/report", "/api/v1/report"),
        "title": pick(lang, "监测报告", "Monitoring report"),
        **content,
    }


def _common(
    snap: Snapshot, page: str, period: str | None, lang: str, path: str, api: str
) -> dict[str, Any]:
    return {
        "ok": True,
        "page": page,
        "lang": lang,
        "period": period,
        "periods": snap.periods,
        "generated_at": snap.generated_at,
        "html": href(path, period=period),
        "api": href(api, period=period, lang=lang),
    }


def _headline_indicators(snap: Snapshot, domain: str) -> list[dict[str, Any]]:
    return [
        ind
        for ind in snap.indicators.values()
        if ind["domain"] == domain and not ind["id"].endswith(YOY_SUFFIX)
    ]


def _indicator_block(
    snap: Snapshot,
    ind: dict[str, Any],
    period: str | None,
    lang: str,
    values: list[dict[str, Any]] | None = None,
    with_chart: bool = True,
) -> dict[str, Any]:
    if values is None:
        values = snap.values(ind["id"], period) if period else []
    rows = value_rows(snap, ind, values, lang)
    title = pick(lang, ind["title_zh"], ind["title_en"])
    chart = chart_for(snap, ind, period, lang, title) if with_chart and period else None
    return {
        **indicator_summary(ind, lang, period),
        "reference_period": rows[0]["reference_period"] if rows else None,
        "rows": rows[:_MAX_TABLE_ROWS],
        "more_rows": max(0, len(rows) - _MAX_TABLE_ROWS),
        "chart": chart,
    }


def _facility_figures(
    snap: Snapshot, name: str, period: str | None, lang: str
) -> list[dict[str, Any]]:
    figures = []
    for ind in snap.indicators.values():
        if ind["dimensions"] != [FACILITY_DIMENSION] or not period:
            continue
        for v in snap.values(ind["id"], period):
            if v["dimensions"].get(FACILITY_DIMENSION) == name:
                row = value_rows(snap, ind, [v], lang)[0]
                figures.append({**indicator_summary(ind, lang, period), **row})
    return figures


def _series(snap: Snapshot, ind: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    return [
        {
            "period": v["period"],
            "label": dimension_label(snap, ind, v["dimensions"], lang),
            "dimensions": v["dimensions"],
            "value": v["value"],
            "display": format_value(v["value"], ind, lang),
            "status": v["status"],
        }
        for v in snap.series(ind["id"])
    ]


def _form_ref(snap: Snapshot, name: str, lang: str) -> dict[str, Any]:
    form = snap.forms.get(name)
    title = pick(lang, form["zh"], form["en"]) if form else name
    return {
        "name": name,
        "title": title,
        "template": f"/forms/{quote(name)}/template.xlsx",
    }


def _form_entry(form: dict[str, Any], lang: str) -> dict[str, Any]:
    return {
        "name": form["name"],
        "title": pick(lang, form["zh"], form["en"]),
        "description": pick(lang, form["description_zh"], form["description_en"]),
        "columns": len(form["columns"]),
        "keys": form["keys"],
        "period_column": form["period_column"],
        "template": f"/forms/{quote(form['name'])}/template.xlsx",
    }
