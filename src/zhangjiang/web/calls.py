"""What routes share: the state of one request and the responses built from page dicts.

Routes are coroutines: a page already rendered for the current snapshot is answered on
the event loop (a stat and a dict lookup); anything that reads files or builds a page runs
in the thread pool, so a slow build never stalls the other requests.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import FileResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from zhangjiang.portal.accounts import Account
from zhangjiang.portal.auth import visitor
from zhangjiang.snapshot import Snapshot
from zhangjiang.store import Store
from zhangjiang.web.i18n import LANG_COOKIE, resolve_lang
from zhangjiang.web.site import Site, dump_json, html_key, json_key

__all__ = ["STALE_HEADER", "Call", "attachment", "begin"]

#: Response header naming the batches changed since the last compute (ids, comma-separated).
STALE_HEADER = "X-Stale-Inputs"

_ONE_YEAR = 365 * 24 * 3600
_GZIP_LEVEL = 6
T = TypeVar("T")


@dataclass(frozen=True)
class Call:
    """One request's snapshot (as its visitor may see it), period, language and path."""

    site: Site
    snap: Snapshot
    period: str | None
    lang: str
    remember_lang: bool
    path: str
    gzip: bool
    user: Account | None = None

    async def html(
        self, key: tuple[Any, ...], build: Callable[[], dict[str, Any]], template: str
    ) -> Response:
        """Answer the page rendered from the dict ``build`` returns."""
        key = (*key, self.lang)
        return await self._answer(
            html_key(key, template, self.path),
            lambda: self.site.html_body(
                self.snap, key, build, template, self.path, self.lang
            ),
            "text/html; charset=utf-8",
        )

    async def json(
        self, key: tuple[Any, ...], build: Callable[[], dict[str, Any]]
    ) -> Response:
        """Answer the page's JSON twin: the same dict, serialised."""
        key = (*key, self.lang)
        return await self._answer(
            json_key(key),
            lambda: self.site.json_body(self.snap, key, build),
            "application/json",
        )

    async def html_uncached(
        self, build: Callable[[], dict[str, Any]], template: str
    ) -> Response:
        """Answer a page that is built for every request (its parts keep their own cache)."""
        page = await run_in_threadpool(build)
        body = self.site.render(self.snap, page, template, self.path, self.lang)
        return self._finish(Response(body, media_type="text/html; charset=utf-8"))

    async def json_uncached(self, build: Callable[[], dict[str, Any]]) -> Response:
        """Answer the JSON twin of a page that is built for every request."""
        body = dump_json(await run_in_threadpool(build))
        return self._finish(Response(body, media_type="application/json"))

    async def cached(self, key: tuple[Any, ...], make: Callable[[], T]) -> T:
        """Return ``make()`` computed once per snapshot, off the event loop."""
        value = self.site.lookup(self.snap, key)
        if value is None:
            value = await run_in_threadpool(self.site.cached, self.snap, key, make)
        return value  # type: ignore[no-any-return]

    async def _answer(
        self, key: tuple[Any, ...], produce: Callable[[], bytes], media_type: str
    ) -> Response:
        # Bodies are kept per snapshot, also gzipped: a cached page costs a lookup, and
        # a browser receives a fifth of the bytes.
        headers = {"Vary": "Accept-Encoding"}

        def gzipped() -> bytes:
            return gzip.compress(produce(), _GZIP_LEVEL)

        make = produce
        if self.gzip:
            key, make = ("gzip", *key), gzipped
            headers["Content-Encoding"] = "gzip"
        body = self.site.lookup(self.snap, key)
        if body is None:
            body = await run_in_threadpool(self.site.cached, self.snap, key, make)
        return self._finish(Response(body, media_type=media_type, headers=headers))

    def download(self, body: bytes, filename: str, media_type: str) -> Response:
        """Answer ``body`` as a download named ``filename``."""
        return self._finish(attachment(body, filename, media_type))

    def _finish(self, response: Response) -> Response:
        if self.remember_lang:
            response.set_cookie(
                LANG_COOKIE, self.lang, max_age=_ONE_YEAR, samesite="lax"
            )
        if self.snap.stale_inputs:
            # Values predate these input changes: say so to clients reading headers only.
            response.headers[STALE_HEADER] = ", ".join(
                str(s["batch_id"]) for s in self.snap.stale_inputs
            )
        return response


async def begin(request: Request, period: str | None = None) -> Call:
    """Return the state of ``request``: its visitor's snapshot, period, language.

    Statisticians see the working values; everyone else the released figures.
    """
    site: Site = request.app.state.site
    who = await visitor(request, site.state if site.has_state() else None)
    base = site.source.fresh() or await run_in_threadpool(site.snapshot)
    audience = "staff" if who.role == "statistician" else "public"
    snap = site.view(base, audience)
    lang, remember = resolve_lang(request)
    gzip_ok = "gzip" in request.headers.get("accept-encoding", "")
    return Call(
        site,
        snap,
        site.period(snap, period),
        lang,
        remember,
        request.url.path,
        gzip_ok,
        who.user,
    )


def attachment(body: bytes, filename: str, media_type: str) -> Response:
    """Answer ``body`` as a download named ``filename`` (UTF-8 names kept)."""
    ascii_name = (
        filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    )
    disposition = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    )
    return Response(
        body, media_type=media_type, headers={"Content-Disposition": disposition}
    )


def original_file(store: Store, sha256: str, filename: str) -> Response | None:
    """Answer an archived file as a download of its original bytes; None if missing.

    A file archived zstd-compressed is decompressed as it is sent.
    """
    path = store.archived(sha256)
    if path is None:
        return None
    media = "application/octet-stream"
    if path == store.archive_path(sha256):
        return FileResponse(path, filename=filename, media_type=media)
    response = attachment(b"", filename, media)
    return StreamingResponse(
        store.read_archived(sha256),
        media_type=media,
        headers={"Content-Disposition": response.headers["Content-Disposition"]},
    )
