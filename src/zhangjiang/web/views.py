"""The dashboard's pages and file downloads; each page renders its JSON twin's dict."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from zhangjiang.forms import get_form
from zhangjiang.forms.registry import files_for_staff_only
from zhangjiang.forms.template import write_template
from zhangjiang.web import explorer, pages
from zhangjiang.web.calls import attachment, begin, original_file
from zhangjiang.web.reports import REPORT_FORMATS

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/")
async def overview(request: Request, period: str | None = None) -> Response:
    """Show the overview."""
    c = await begin(request, period)
    return await c.html(
        ("overview", c.period),
        lambda: pages.overview_page(c.snap, c.period, c.lang),
        "overview.html.j2",
    )


@router.get("/area/{domain}")
async def area(request: Request, domain: str, period: str | None = None) -> Response:
    """Show an area's indicators."""
    c = await begin(request, period)
    return await c.html(
        ("area", domain, c.period),
        lambda: pages.area_page(c.snap, domain, c.period, c.lang),
        "area.html.j2",
    )


@router.get("/facility/{facility}")
async def facility(
    request: Request, facility: str, period: str | None = None
) -> Response:
    """Show a facility."""
    c = await begin(request, period)
    return await c.html(
        ("facility", facility, c.period),
        lambda: pages.facility_page(c.snap, facility, c.period, c.lang),
        "facility.html.j2",
    )


@router.get("/indicators")
async def indicators(request: Request, period: str | None = None) -> Response:
    """Show the indicator catalogue."""
    c = await begin(request, period)
    return await c.html(
        ("indicators", c.period),
        lambda: pages.indicator_list(c.snap, c.period, c.lang),
        "indicators.html.j2",
    )


@router.get("/indicator/{indicator_id}")
async def indicator(
    request: Request, indicator_id: str, period: str | None = None
) -> Response:
    """Show an indicator with its definition and lineage."""
    c = await begin(request, period)
    return await c.html(
        ("indicator", indicator_id, c.period),
        lambda: pages.indicator_page(
            c.snap, indicator_id, c.period, c.lang, c.site.public_downloads
        ),
        "indicator.html.j2",
    )


@router.get("/explore")
async def explore(
    request: Request,
    indicator: str | None = None,
    group_by: str | None = None,
    start: str | None = None,
    end: str | None = None,
    freq: str | None = None,
) -> Response:
    """Show the usage explorer."""
    c = await begin(request)
    return await c.html(
        ("explore", indicator, group_by, start, end, freq),
        lambda: explorer.explore(c.snap, indicator, group_by, start, end, freq, c.lang),
        "explore.html.j2",
    )


@router.get("/report")
async def report(request: Request, period: str | None = None) -> Response:
    """Show the generated report."""
    c = await begin(request, period)
    return await c.html_uncached(
        lambda: pages.report(c.snap, c.site.reports, c.period, c.lang), "report.html.j2"
    )


@router.get("/data")
async def data(request: Request) -> Response:
    """Show the forms and batches."""
    c = await begin(request)
    return await c.html(
        ("data",),
        lambda: pages.data_page(c.snap, c.lang, c.site.public_downloads),
        "data.html.j2",
    )


@router.get("/report.{fmt}")
async def report_file(
    request: Request, fmt: str, period: str | None = None
) -> Response:
    """Download the report as md, docx or html."""
    if fmt not in REPORT_FORMATS:
        raise HTTPException(
            404,
            f"未知格式 {fmt}；可用 / unknown format; known: {', '.join(REPORT_FORMATS)}",
        )
    c = await begin(request, period)
    if c.period is None:
        raise HTTPException(404, "尚无已计算的报告期 / no period has been computed yet")
    if not c.snap.may_report(c.period):
        raise HTTPException(
            404,
            "本报告期的报告尚未发布 / the report of this period is not released yet",
        )
    rendered = await run_in_threadpool(
        c.site.reports.get, c.snap.version, c.period, fmt, c.lang
    )
    if rendered.body is None:
        if rendered.problem:
            raise HTTPException(503, rendered.problem)
        raise HTTPException(404, "报告功能尚不可用 / the report is not available yet")
    return attachment(
        rendered.body,
        f"zhangjiang-report-{c.period}-{c.lang}.{fmt}",
        REPORT_FORMATS[fmt],
    )


@router.get("/batches/{batch_id}/file")
async def batch_file(request: Request, batch_id: int) -> Response:
    """Download the archived original file of a batch."""
    c = await begin(request)
    staff = c.user is not None and c.user.role == "statistician"
    if not staff and not c.site.public_downloads:
        raise HTTPException(
            403, "原始文件仅供工作人员下载 / original files are for staff only"
        )
    batch = c.snap.batches.get(batch_id)  # the public sees released batches only
    if batch is None:
        raise HTTPException(404, f"未知批次 {batch_id} / unknown batch {batch_id}")
    if not staff and files_for_staff_only(batch["dataset"]):
        raise HTTPException(
            403,
            "该文件含个人信息，仅供工作人员下载 / the file holds personal data: "
            "for staff only",
        )
    response = original_file(c.site.store, batch["sha256"], batch["file"])
    if response is None:
        raise HTTPException(
            404,
            f"批次 {batch_id} 的原始文件不在存档中 / batch {batch_id}: original not archived",
        )
    return response


@router.get("/forms/{name}/template.xlsx")
async def form_template(request: Request, name: str) -> Response:
    """Download a form's Excel template."""
    c = await begin(request)
    form = get_form(name)
    body = await c.cached(("template", name), lambda: _template_bytes(name))
    return attachment(
        body,
        f"{form.name}-template.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _template_bytes(name: str) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_template(get_form(name), Path(tmp) / "template.xlsx")
        return path.read_bytes()
