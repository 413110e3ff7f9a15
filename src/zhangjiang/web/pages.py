"""Build the dict of every page; the HTML page and its JSON twin both render this dict."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from zhangjiang.errors import UnknownIndicatorError
from zhangjiang.snapshot import Snapshot
from zhangjiang.staleness import staleness_notice
from zhangjiang.web.errors import MalformedDimensionsError, UnknownPageError
from zhangjiang.web.facility_board import board, board_figures
from zhangjiang.web.figures import (
    batch_row,
    card,
    chart_for,
    dimension_chart,
    dimension_titles,
    indicator_summary,
    month_chart,
    same_kind_periods,
    series_chart,
    series_points,
    value_rows,
)
from zhangjiang.web.formatting import superscript
from zhangjiang.web.headlines import area_headline, release_status
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
    "indicator_series",
    "overview_page",
    "parse_dimensions",
    "report",
    "stale_notice",
]

_MAX_CARDS_PER_AREA = 8
_MAX_TABLE_ROWS = 60
#: What an indicator's series holds unless asked otherwise: its years and months.
SERIES_KINDS = ("year", "month")


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
                "headline": area_headline(cards, lang),
                "cards": cards[:_MAX_CARDS_PER_AREA],
                "more": max(0, len(cards) - _MAX_CARDS_PER_AREA),
            }
        )
    facility_board = [
        {**f, "figures": _facility_figures(snap, f["name"], period, lang)[:3]}
        for f in facilities(snap, period, lang)
    ]
    return {
        **_common(snap, "overview", period, lang, "/", "/api/v1/overview"),
        "title": pick(
            lang, "张江综合性国家科学中心监测总览", "Zhangjiang monitoring overview"
        ),
        "release": release_status(snap, period, lang),
        "areas": sections,
        "facilities": facility_board,
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
        **(
            board(snap, name, period, lang)
            if period
            else {"headline": [], "monthly": [], "splits": []}
        ),
        "milestones": milestones(snap, period, lang, facility=name),
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
    rows = value_rows(snap, ind, values, lang)
    return {
        **_common(snap, "indicator", period, lang, path, api),
        "title": title,
        "indicator": {
            **indicator_summary(ind, lang, period),
            "description": superscript(
                pick(lang, ind["description_zh"], ind["description_en"])
            ),
            "sql": ind["sql"],
            "unit_zh": superscript(ind["unit"]),
            "unit_en": superscript(ind["unit_en"]),
            "period_rule": ind["period_rule"],
            "period_rule_label": pick(
                lang, ind["period_rule_zh"], ind["period_rule_en"]
            ),
            "dimensions": ind["dimensions"],
            "dimension_titles": dimension_titles(snap, ind, lang),
            "inputs": [_form_ref(snap, name, lang) for name in ind["inputs"]],
            "definition_hash": ind["definition_hash"],
            "area": {
                "domain": ind["domain"],
                "title": area_title(ind["domain"], lang),
                "href": href(f"/area/{quote(ind['domain'])}", period=period),
            },
            "yoy": any(r["yoy"] for r in rows),
            "series": href(f"{api}/series", lang=lang),
        },
        "values": rows,
        "status": rows[0]["status"] if rows else None,
        "status_label": rows[0]["status_label"] if rows else None,
        "reference_period": rows[0]["reference_period"] if rows else None,
        "series": series_points(
            snap, ind, _by_kind(snap, snap.series(indicator_id, SERIES_KINDS)), lang
        ),
        "charts": _indicator_charts(snap, ind, period, lang),
        "lineage": [
            {
                **batch_row(snap, snap.batches[s], lang, downloads),
                "rows_href": _rows_href(snap, s, values),
            }
            for s in sources
            if s in snap.batches
        ],
        "exports": {
            fmt: href(f"{api}.{fmt}", period=period)
            for fmt in ("csv", "xlsx", "sdmx.csv")
        },
    }


def indicator_series(
    snap: Snapshot,
    indicator_id: str,
    dimensions: dict[str, Any] | None,
    freq: str | None,
    lang: str,
) -> dict[str, Any]:
    """Return an indicator's values over time, one series per dimension combination.

    ``dimensions`` keeps the combinations holding these dimension values (all when None);
    ``freq`` keeps one kind of period (``year``, ``month`` or the year-to-date ``range``),
    years and months when None. Each point carries its previous value and growth.
    """
    ind = snap.indicators.get(indicator_id)
    if ind is None:
        raise UnknownIndicatorError(
            f"未知指标“{indicator_id}” / unknown indicator {indicator_id!r}"
        )
    kinds = (freq,) if freq else SERIES_KINDS
    wanted = {k: str(v) for k, v in (dimensions or {}).items()}
    groups: dict[str, list[dict[str, Any]]] = {}
    for point in series_points(
        snap, ind, _by_kind(snap, snap.series(indicator_id, kinds)), lang
    ):
        dims = point["dimensions"]
        if all(k in dims and str(dims[k]) == v for k, v in wanted.items()):
            groups.setdefault(json.dumps(dims, sort_keys=True), []).append(point)
    return {
        "ok": True,
        "id": indicator_id,
        "lang": lang,
        "title": pick(lang, ind["title_zh"], ind["title_en"]),
        "unit": pick(lang, ind["unit"], ind["unit_en"]),
        "freq": list(kinds),
        "dimensions": dimensions or {},
        "generated_at": snap.generated_at,
        **_staleness(snap, lang),
        "html": href(f"/indicator/{quote(indicator_id)}"),
        "series": [
            {
                "dimensions": points[0]["dimensions"],
                "label": points[0]["label"],
                "points": points,
            }
            for points in groups.values()
        ],
    }


def parse_dimensions(text: str | None) -> dict[str, Any] | None:
    """Parse the ``dimensions`` query parameter: a JSON object such as ``{"round": 1}``."""
    if text is None or not text.strip():
        return None
    try:
        dims = json.loads(text)
    except ValueError:
        dims = None
    if not isinstance(dims, dict) or any(
        isinstance(v, dict | list) for v in dims.values()
    ):
        raise MalformedDimensionsError(
            f'维度参数应为 JSON 对象，如 {{"round": 1}}（收到 {text!r}） / dimensions must '
            f'be a JSON object such as {{"round": 1}} (got {text!r})'
        )
    return dims


def stale_notice(snap: Snapshot, lang: str) -> str | None:
    """Return the sentence saying which inputs changed since the last compute, or None."""
    notice = staleness_notice(snap.stale_inputs)
    return pick(lang, *notice) if notice else None


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
        **_staleness(snap, lang),
        "html": href(path, period=period),
        "api": href(api, period=period, lang=lang),
    }


def _staleness(snap: Snapshot, lang: str) -> dict[str, Any]:
    return {
        "stale_inputs": snap.stale_inputs,
        "stale_notice": stale_notice(snap, lang),
    }


def _headline_indicators(snap: Snapshot, domain: str) -> list[dict[str, Any]]:
    return [
        ind
        for ind in snap.indicators.values()
        if ind["domain"] == domain and not ind.get("yoy_of")
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
        "yoy": any(r["yoy"] for r in rows),
        "more_rows": max(0, len(rows) - _MAX_TABLE_ROWS),
        "chart": chart,
    }


def _facility_figures(
    snap: Snapshot, name: str, period: str | None, lang: str
) -> list[dict[str, Any]]:
    # The board's headline figures, flattened to one row each for the overview's table.
    if not period:
        return []
    return [
        {
            **{k: c[k] for k in c if k not in ("figures", "series", "yoy")},
            **{k: v for k, v in c["figures"][0].items() if k not in ("trend", "alt")},
        }
        for c in board_figures(snap, name, period, lang)
    ]


def _indicator_charts(
    snap: Snapshot, ind: dict[str, Any], period: str | None, lang: str
) -> list[dict[str, Any]]:
    if not period:
        return []
    charts = [
        dimension_chart(snap, ind, period, lang, pick(lang, "按维度", "By dimension")),
        series_chart(
            snap,
            ind,
            snap.periods_of("year"),
            lang,
            pick(lang, "历年变化", "Over the years"),
        ),
        month_chart(snap, ind, lang, pick(lang, "逐月变化", "Month by month")),
    ]
    if snap.kinds.get(period) == "range":
        charts.append(
            series_chart(
                snap,
                ind,
                same_kind_periods(snap, period),
                lang,
                pick(lang, "历年同期累计", "Same months of every year"),
            )
        )
    return [c for c in charts if c is not None]


def _rows_href(snap: Snapshot, batch_id: int, values: list[dict[str, Any]]) -> str:
    # The batch's rows behind the values citing it: the dimensions they share, where the
    # batch's form has a column of that name (the portal's row view filters on it).
    cited = [v["dimensions"] for v in values if batch_id in v["sources"]]
    form = snap.forms.get(snap.batches[batch_id]["dataset"])
    columns = {c["name"] for c in form["columns"]} if form else set()
    shared = {
        k: x
        for k, x in (cited[0] if cited else {}).items()
        if k in columns and all(d.get(k) == x for d in cited)
    }
    return href(f"/portal/batches/{batch_id}", **shared)


def _by_kind(snap: Snapshot, values: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Years first, then months, then ranges: each a run in time order (sort is stable).
    order = {"year": 0, "month": 1, "range": 2}
    return sorted(values, key=lambda v: order[snap.kinds[v["period"]]])


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
