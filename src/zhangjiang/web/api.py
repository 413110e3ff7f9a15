"""The JSON API under /api/v1/: each page's JSON twin, lists, and indicator exports."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from zhangjiang.errors import UnknownIndicatorError
from zhangjiang.exports import EXPORT_FORMATS, export_values
from zhangjiang.web import explorer, pages, schemas
from zhangjiang.web.calls import STALE_HEADER, Call, begin
from zhangjiang.web.site import dump_json

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["api"])

PeriodQuery = Annotated[
    str | None,
    Query(
        description="报告期：年 2022、月 2022-10 或年初至今 2022-01/2022-10；默认为最新年份 / "
        "period: a year (2022), a month (2022-10) or a year to date (2022-01/2022-10); "
        "default: the latest year with values"
    ),
]
DimensionsQuery = Annotated[
    str | None,
    Query(
        description='维度取值，JSON 对象，如 {"round": 1}；默认为全部 / dimension values as '
        'a JSON object, e.g. {"round": 1}; default: every dimension combination',
        examples=['{"round": 1}'],
    ),
]
FreqQuery = Annotated[
    Literal["year", "month", "range"] | None,
    Query(
        description="频度：year 年、month 月、range 年初至今；默认为年和月 / kind of "
        "period: year, month or range (year to date); default: years and months"
    ),
]
LangQuery = Annotated[
    Literal["zh", "en"] | None,
    Query(description="语言 / language (default: cookie, else zh)"),
]
_STALE = {
    STALE_HEADER: {
        "description": "上次计算后有变化的批次 / batches changed since the last compute "
        "(ids, comma-separated); absent when the values are current",
        "schema": {"type": "string"},
    }
}
_ERRORS: dict[int | str, dict[str, Any]] = {
    200: {"headers": _STALE},
    400: {"model": schemas.ErrorEnvelope, "description": "Malformed parameter"},
    404: {
        "model": schemas.ErrorEnvelope,
        "description": "Unknown indicator, area or facility",
    },
    503: {
        "model": schemas.ErrorEnvelope,
        "description": "No snapshot and the database is busy",
    },
}


@router.get("/overview", response_model=schemas.OverviewPage, responses=_ERRORS)
async def overview(
    request: Request, period: PeriodQuery = None, lang: LangQuery = None
) -> Response:
    """总览 / The overview page's data: headline cards, facility board, milestones."""
    c = await begin(request, period)
    return await c.json(
        ("overview", c.period), lambda: pages.overview_page(c.snap, c.period, c.lang)
    )


@router.get("/areas/{domain}", response_model=schemas.AreaPage, responses=_ERRORS)
async def area(
    request: Request, domain: str, period: PeriodQuery = None, lang: LangQuery = None
) -> Response:
    """领域 / An area's indicators with their values."""
    c = await begin(request, period)
    return await c.json(
        ("area", domain, c.period),
        lambda: pages.area_page(c.snap, domain, c.period, c.lang),
    )


@router.get(
    "/facilities/{facility}", response_model=schemas.FacilityPage, responses=_ERRORS
)
async def facility(
    request: Request, facility: str, period: PeriodQuery = None, lang: LangQuery = None
) -> Response:
    """设施 / A facility's status and values."""
    c = await begin(request, period)
    return await c.json(
        ("facility", facility, c.period),
        lambda: pages.facility_page(c.snap, facility, c.period, c.lang),
    )


@router.get("/indicators", response_model=schemas.IndicatorList, responses=_ERRORS)
async def indicators(
    request: Request, period: PeriodQuery = None, lang: LangQuery = None
) -> Response:
    """指标目录 / Every indicator with its values for the period."""
    c = await begin(request, period)
    return await c.json(
        ("indicators", c.period), lambda: pages.indicator_list(c.snap, c.period, c.lang)
    )


def _export(fmt: str) -> Any:
    media_type, _ = EXPORT_FORMATS[fmt]

    async def export(
        request: Request, indicator_id: str, period: PeriodQuery = None
    ) -> Response:
        c = await begin(request, period)
        if indicator_id not in c.snap.indicators:
            raise UnknownIndicatorError(
                f"未知指标“{indicator_id}” / unknown indicator {indicator_id!r}"
            )
        # Without ?period= the export holds every period (the time series).
        values = (
            c.snap.values(indicator_id, c.period)
            if period
            else c.snap.series(indicator_id)
        )
        body = await c.cached(
            ("export", fmt, indicator_id, period and c.period),
            lambda: export_values(values, fmt),
        )
        name = f"{indicator_id}-{c.period}.{fmt}" if period else f"{indicator_id}.{fmt}"
        return c.download(body, name, media_type)

    export.__doc__ = (
        f"导出 {fmt} / Export an indicator's values as {fmt.upper()}: every period "
        "(years, months, years to date) unless ?period= names one; with the previous "
        "year's comparable value and the year-on-year change."
    )
    return export


# Longest suffix first: "x.sdmx.csv" must not reach the ".csv" route as indicator "x.sdmx".
for _fmt in sorted(EXPORT_FORMATS, key=len, reverse=True):
    router.add_api_route(
        f"/indicators/{{indicator_id}}.{_fmt}",
        _export(_fmt),
        methods=["GET"],
        responses={
            **_ERRORS,
            200: {
                "content": {EXPORT_FORMATS[_fmt][0].split(";")[0]: {}},
                "headers": _STALE,
            },
        },
        name=f"export_{_fmt.replace('.', '_')}",
        response_class=Response,
    )


@router.get(
    "/indicators/{indicator_id}",
    response_model=schemas.IndicatorPage,
    responses=_ERRORS,
)
async def indicator(
    request: Request,
    indicator_id: str,
    period: PeriodQuery = None,
    lang: LangQuery = None,
) -> Response:
    """指标 / An indicator: definition, values, series over time, lineage to batches."""
    c = await begin(request, period)
    return await c.json(
        ("indicator", indicator_id, c.period),
        lambda: pages.indicator_page(
            c.snap, indicator_id, c.period, c.lang, c.site.public_downloads
        ),
    )


@router.get(
    "/indicators/{indicator_id}/series",
    response_model=schemas.IndicatorSeries,
    responses=_ERRORS,
)
async def indicator_series(
    request: Request,
    indicator_id: str,
    dimensions: DimensionsQuery = None,
    freq: FreqQuery = None,
    lang: LangQuery = None,
) -> Response:
    """时间序列 / An indicator's values over time, one series per dimension combination.

    Years and months (for monthly indicators) by default, ``freq`` keeps one kind;
    ``dimensions`` keeps the combinations with these values. Each point has its
    ``previous`` (the comparable value a year earlier), ``change`` and ``yoy``.
    """
    c = await begin(request)
    dims = pages.parse_dimensions(dimensions)
    return await c.json(
        ("series", indicator_id, json.dumps(dims, sort_keys=True), freq),
        lambda: pages.indicator_series(c.snap, indicator_id, dims, freq, c.lang),
    )


_ExploreQueries = {
    "indicator": Query(None, description="指标 / indicator id"),
    "group_by": Query(None, description="分组维度 / dimension to group by"),
    "start": Query(None, description="起始报告期 / first period (2020, 2022-01)"),
    "end": Query(None, description="截止报告期 / last period"),
    "freq": Query(None, description="year 年度或 month 月度 / yearly or monthly"),
}


@router.get("/explore", response_model=schemas.ExplorePage, responses=_ERRORS)
async def explore(
    request: Request,
    indicator: str | None = _ExploreQueries["indicator"],
    group_by: str | None = _ExploreQueries["group_by"],
    start: str | None = _ExploreQueries["start"],
    end: str | None = _ExploreQueries["end"],
    freq: str | None = _ExploreQueries["freq"],
    lang: LangQuery = None,
) -> Response:
    """数据浏览 / An indicator grouped by a dimension over a span of years or months."""
    c = await begin(request)
    key = ("explore", indicator, group_by, start, end, freq)
    return await c.json(
        key,
        lambda: explorer.explore(c.snap, indicator, group_by, start, end, freq, c.lang),
    )


@router.get(
    "/explore.csv",
    responses={**_ERRORS, 200: {"content": {"text/csv": {}}, "headers": _STALE}},
    response_class=Response,
)
async def explore_csv(
    request: Request,
    indicator: str | None = _ExploreQueries["indicator"],
    group_by: str | None = _ExploreQueries["group_by"],
    start: str | None = _ExploreQueries["start"],
    end: str | None = _ExploreQueries["end"],
    freq: str | None = _ExploreQueries["freq"],
    lang: LangQuery = None,
) -> Response:
    """数据浏览 CSV / The explorer's table as CSV: period, group, value."""
    c = await begin(request)
    key = ("explore", indicator, group_by, start, end, freq, c.lang)
    page = await run_in_threadpool(  # built off the event loop, as c.json builds
        c.site.page,
        c.snap,
        key,
        lambda: explorer.explore(c.snap, indicator, group_by, start, end, freq, c.lang),
    )
    body = await c.cached(("explore.csv", *key), lambda: explorer.explore_csv(page))
    name = f"{page['indicator']['id']}-{page['query']['freq']}.csv"
    return c.download(body, name, "text/csv; charset=utf-8")


@router.get("/report", response_model=schemas.ReportPage, responses=_ERRORS)
async def report(
    request: Request, period: PeriodQuery = None, lang: LangQuery = None
) -> Response:
    """报告 / The generated report as markdown, or why it is not available."""
    c = await begin(request, period)
    return await c.json_uncached(
        lambda: pages.report(c.snap, c.site.reports, c.period, c.lang)
    )


@router.get("/data", response_model=schemas.DataPage, responses=_ERRORS)
async def data(request: Request, lang: LangQuery = None) -> Response:
    """数据报送 / Forms with their templates, and batches."""
    c = await begin(request)
    return await c.json(
        ("data",), lambda: pages.data_page(c.snap, c.lang, c.site.public_downloads)
    )


def _data(c: Call) -> dict[str, Any]:
    # The lists are parts of the data page's dict, not a second reading of the snapshot.
    return c.site.page(
        c.snap,
        ("data", c.lang),
        lambda: pages.data_page(c.snap, c.lang, c.site.public_downloads),
    )


@router.get("/batches", response_model=schemas.BatchList, responses=_ERRORS)
async def batches(request: Request, lang: LangQuery = None) -> Response:
    """批次 / Every batch with its status, newest first."""
    c = await begin(request)

    def build() -> bytes:
        rows = _data(c)["batches"]
        return dump_json({"ok": True, "count": len(rows), "batches": rows})

    return Response(
        await c.cached(("batches", c.lang), build), media_type="application/json"
    )


@router.get("/forms", response_model=schemas.FormList, responses=_ERRORS)
async def forms(request: Request, lang: LangQuery = None) -> Response:
    """报表 / Every declared form with its Excel template."""
    c = await begin(request)

    def build() -> bytes:
        rows = _data(c)["forms"]
        return dump_json({"ok": True, "count": len(rows), "forms": rows})

    return Response(
        await c.cached(("forms", c.lang), build), media_type="application/json"
    )
