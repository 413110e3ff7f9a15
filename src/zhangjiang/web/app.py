"""The web app: dashboard pages, their JSON twins under /api/v1/, static files.

It serves from the newest snapshot of the store (see ``zhangjiang.snapshot``), so a CLI
command holding the database never makes a page fail. Everything the pages load comes from
this app — plotly.js from the installed plotly package — so the dashboard works offline.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zhangjiang import __version__
from zhangjiang.config import Settings, load_settings
from zhangjiang.errors import StoreError
from zhangjiang.web import api, portal, portal_admin, portal_status, views
from zhangjiang.web.assets import CompressedStatic, asset_response
from zhangjiang.web.errors import install_error_handlers
from zhangjiang.web.site import Site

__all__ = ["PLOTLY_JS", "create_app"]

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
#: plotly.js as shipped inside the installed plotly package (no CDN).
PLOTLY_JS = Path(str(resources.files("plotly") / "package_data" / "plotly.min.js"))

# No request may leave the server's origin: scripts, styles, data and images are ours.
_SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        b"img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
        b"frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Return the ASGI app serving the store of ``settings.db``.

    Examples
    --------
    >>> from zhangjiang.config import Settings
    >>> app = create_app(Settings(db=Path("absent.duckdb")))
    >>> app.openapi_url
    '/api/v1/openapi.json'
    """
    site = Site(settings or load_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:  # read (or build) the snapshot before the first request
            site.snapshot()
        except StoreError as exc:
            log.warning("no snapshot yet: %s", exc)
        yield

    app = FastAPI(
        title="张江监测统计平台 API / Zhangjiang API",
        version=__version__,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # Swagger UI and ReDoc load scripts from a CDN: offline, we skip them
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.site = site
    install_error_handlers(app)
    app.include_router(api.router)
    app.include_router(views.router)
    app.include_router(portal.router)
    app.include_router(portal_admin.router)
    app.include_router(portal_status.router)
    app.add_api_route("/static/vendor/plotly.min.js", _plotly, include_in_schema=False)
    app.mount("/static", CompressedStatic(directory=STATIC_DIR), name="static")
    app.add_middleware(_SecurityHeaders)
    return app


def _plotly(request: Request) -> Response:
    return asset_response(PLOTLY_JS, "text/javascript", request)


class _SecurityHeaders:
    """Add the content security policy and related headers to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *_SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)
