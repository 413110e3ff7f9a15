"""Static assets sent compressed and cached: plotly.js (4.8 MB) and the site's CSS and JS.

Each file is gzipped once per process (keyed by its path and modification time) and sent
with ``Content-Encoding: gzip`` to browsers that accept it; every answer may be cached.
"""

from __future__ import annotations

import gzip
from functools import lru_cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

__all__ = ["CACHE_CONTROL", "CompressedStatic", "asset_response"]

#: Browsers keep assets a day; they are small in number and change with releases only.
CACHE_CONTROL = "public, max-age=86400"
_COMPRESSIBLE = (".js", ".css", ".svg", ".json", ".html")
_LEVEL = 9


def asset_response(path: Path, media_type: str, request: Request) -> Response:
    """Answer a static file, gzipped when the browser accepts it, with cache headers."""
    headers = {"Cache-Control": CACHE_CONTROL, "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("accept-encoding", ""):
        stat = path.stat()
        body = _gzipped(str(path), stat.st_mtime_ns, stat.st_size)
        headers["Content-Encoding"] = "gzip"
        return Response(body, media_type=media_type, headers=headers)
    return FileResponse(path, media_type=media_type, headers=headers)


class CompressedStatic(StaticFiles):
    """StaticFiles answering text assets gzipped and every file with cache headers."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        """Return the file at ``path``, compressed when it is text and accepted."""
        response = await super().get_response(path, scope)
        if not isinstance(response, FileResponse) or response.status_code != 200:
            return response
        file = Path(str(response.path))
        if file.suffix in _COMPRESSIBLE:
            return asset_response(file, response.media_type or "", Request(scope))
        response.headers["Cache-Control"] = CACHE_CONTROL
        return response


@lru_cache(maxsize=32)
def _gzipped(path: str, mtime_ns: int, size: int) -> bytes:
    # mtime and size are part of the key: a changed file is compressed afresh.
    del mtime_ns, size
    with open(path, "rb") as fh:
        return gzip.compress(fh.read(), _LEVEL, mtime=0)
