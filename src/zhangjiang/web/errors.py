"""One error envelope for every failure: ``{"ok": false, "error", "errors", "status"}``.

API and download routes answer it as JSON; pages show the same envelope as an HTML page.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException

from zhangjiang.errors import (
    AccountError,
    PeriodError,
    ReleaseError,
    ReviewError,
    StoreBusyError,
    StoreError,
    UnknownDatasetError,
    UnknownIndicatorError,
    ZhangjiangError,
)
from zhangjiang.web.i18n import resolve_lang

__all__ = [
    "ERROR_KINDS",
    "MalformedDimensionsError",
    "UnknownPageError",
    "envelope",
    "install_error_handlers",
]

log = logging.getLogger(__name__)


class UnknownPageError(ZhangjiangError):
    """No area or facility is known under that name."""


class MalformedDimensionsError(ZhangjiangError):
    """The dimensions parameter is not a JSON object of dimension values."""


class MalformedQueryError(ZhangjiangError):
    """A query parameter names no choice the page offers."""


#: Each library error's HTTP status, its machine-readable type and the parameter at fault.
ERROR_KINDS: dict[type[ZhangjiangError], tuple[int, str, str | None]] = {
    UnknownIndicatorError: (404, "unknown-indicator", "path.indicator_id"),
    UnknownDatasetError: (404, "unknown-dataset", "path.name"),
    UnknownPageError: (404, "not-found", "path"),
    PeriodError: (400, "malformed-period", "query.period"),
    MalformedDimensionsError: (400, "malformed-dimensions", "query.dimensions"),
    MalformedQueryError: (400, "malformed-parameter", "query"),
    AccountError: (400, "invalid-account", None),
    ReviewError: (409, "review-conflict", "path.batch_id"),
    ReleaseError: (409, "release-conflict", "form.period"),
    StoreBusyError: (503, "store-busy", None),
    StoreError: (503, "store-unavailable", None),
}
#: Paths answered with JSON errors: the API and the file downloads.
_NOT_PAGES = ("/api/", "/batches/", "/forms/", "/report.", "/static/")
_HTTP_MESSAGES = {
    404: "未找到 / not found",
    403: "无权访问 / forbidden",
    405: "不支持的请求方法 / method not allowed",
}


def envelope(
    status: int, error: str, errors: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Return the error envelope every API error answers with."""
    return {"ok": False, "error": error, "errors": errors or [], "status": status}


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error raised while serving ``app`` with the envelope."""

    async def library_error(request: Request, exc: Exception) -> Response:
        status, kind, location = _kind(exc)
        return _respond(
            request,
            status,
            envelope(
                status,
                str(exc),
                [{"type": kind, "message": str(exc), "location": location}],
            ),
        )

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        message = _HTTP_MESSAGES.get(exc.status_code) or str(exc.detail)
        detail = exc.detail if isinstance(exc.detail, str) else message
        kind = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "-")
        return _respond(
            request,
            exc.status_code,
            envelope(
                exc.status_code,
                message,
                [{"type": kind, "message": detail, "location": "path"}],
            ),
            getattr(exc, "headers", None),
        )

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = [
            {
                "type": "invalid-parameter",
                "message": str(e.get("msg", "")),
                "location": ".".join(str(p) for p in e.get("loc", ())),
            }
            for e in exc.errors()
        ]
        return _respond(
            request,
            400,
            envelope(400, "请求参数无效 / invalid request parameters", errors),
        )

    async def unexpected_error(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error serving %s", request.url.path, exc_info=exc)
        return _respond(
            request,
            500,
            envelope(
                500,
                "服务器内部错误 / internal server error",
                [
                    {
                        "type": "internal-error",
                        "message": type(exc).__name__,
                        "location": None,
                    }
                ],
            ),
        )

    app.add_exception_handler(ZhangjiangError, library_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, unexpected_error)


def _kind(exc: Exception) -> tuple[int, str, str | None]:
    for cls in type(exc).__mro__:
        if cls in ERROR_KINDS:
            return ERROR_KINDS[cls]
    return 500, "error", None


def _respond(
    request: Request,
    status: int,
    body: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> Response:
    if _is_page(request):
        lang, _ = resolve_lang(request)
        site = request.app.state.site
        html = site.render_error(status, body, lang, request.url.path)
        return HTMLResponse(html, status_code=status, headers=headers)
    return JSONResponse(body, status_code=status, headers=headers)


def _is_page(request: Request) -> bool:
    path = request.url.path
    return request.method == "GET" and not path.startswith(_NOT_PAGES)
