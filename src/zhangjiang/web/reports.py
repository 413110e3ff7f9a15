"""The generated report on the web, rendered by ``zhangjiang.report`` when it is installed.

The report module reads the database, which a CLI command may be holding. So each
rendering is kept with the snapshot version it was made for; while the database is busy the
last good rendering is shown (marked stale), and a failure is never kept.
"""

from __future__ import annotations

import html
import importlib
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zhangjiang.errors import StoreBusyError, ZhangjiangError
from zhangjiang.store import Store
from zhangjiang.web.urls import href, indicator_href

__all__ = [
    "REPORT_FORMATS",
    "Rendered",
    "Reports",
    "link_figures",
    "render_report",
    "report_content",
]

#: Downloadable formats of the report and their media types.
REPORT_FORMATS: dict[str, str] = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def render_report(store: Store, period: str, fmt: str, lang: str) -> bytes | None:
    """Return the report as bytes, or None when ``zhangjiang.report`` is not installed."""
    return _render(store, period, fmt, lang)[0]


Figures = tuple[tuple[str, str], ...]


def _render(
    store: Store, period: str, fmt: str, lang: str
) -> tuple[bytes | None, Figures]:
    # The document, and the figures it used in order: (indicator id, text as written).
    try:
        module = importlib.import_module("zhangjiang.report")
    except ModuleNotFoundError as exc:
        if exc.name not in ("zhangjiang.report", "zhangjiang"):
            raise
        return None, ()
    render = getattr(module, "render_report", None)
    if render is None:
        return None, ()
    out = render(store, period, fmt, lang)
    figures: Figures = ()
    if isinstance(out, tuple):  # (document, Report): the document is what we serve
        figures = tuple(
            (str(u.get("id") or u.get("indicator_id")), str(u.get("text", "")))
            for u in getattr(out[1], "used", [])
            if u.get("id") or u.get("indicator_id")
        )
        out = out[0]
    return _bytes(out), figures


def link_figures(
    content: str, figures: Figures | list[tuple[str, str]], period: str
) -> str:
    """Make each bold figure of the report's HTML a link to its indicator's page.

    Bold figures and the figures the report used come in the same order; a bold text is
    matched to the next used figure whose text holds it.

    Examples
    --------
    >>> link_figures("<p><strong>73</strong>个</p>", [("projects.count", "73个")], "2022")
    '<p><a class="figure-link" href="/indicator/projects.count?period=2022"><strong>73</strong></a>个</p>'
    """
    position = 0

    def link(match: re.Match[str]) -> str:
        nonlocal position
        bold = html.unescape(match.group(1))
        for i in range(position, len(figures)):
            if bold and bold in figures[i][1]:
                position = i + 1
                target = html.escape(indicator_href(figures[i][0], period))
                return f'<a class="figure-link" href="{target}">{match.group(0)}</a>'
        return match.group(0)

    return _STRONG.sub(link, content)


_STRONG = re.compile(r"<strong>(.*?)</strong>", re.DOTALL)


def _bytes(out: Any) -> bytes:
    if isinstance(out, Path):
        return out.read_bytes()
    return out.encode("utf-8") if isinstance(out, str) else bytes(out)


@dataclass(frozen=True)
class Rendered:
    """A report document, or why there is none; ``stale`` when it predates the snapshot."""

    body: bytes | None
    problem: str | None = None
    stale: bool = False
    figures: Figures = ()


class Reports:
    """Renderings of the report per (period, format, language), one per snapshot version."""

    def __init__(self, store: Store) -> None:
        """Render the report of ``store``."""
        self.store = store
        self._done: dict[tuple[str, str, str], tuple[str, bytes, Figures]] = {}
        self._lock = threading.Lock()

    def get(self, version: str, period: str, fmt: str, lang: str) -> Rendered:
        """Return the report for the snapshot ``version``, rendering it if needed."""
        key = (period, fmt, lang)
        with self._lock:  # one rendering at a time: each reads the whole store
            old = self._done.get(key)
            if old is not None and old[0] == version:
                return Rendered(old[1], figures=old[2])
            try:
                body, figures = _render(self.store, period, fmt, lang)
            except StoreBusyError as exc:
                return (
                    Rendered(old[1], str(exc), stale=True, figures=old[2])
                    if old
                    else Rendered(None, str(exc))
                )
            except ZhangjiangError as exc:
                return Rendered(None, str(exc))
            if body is not None:
                self._done[key] = (version, body, figures)
            return Rendered(body, figures=figures)


def report_content(
    reports: Reports, version: str, period: str | None, lang: str
) -> dict[str, Any]:
    """Return the report for the page: markdown and HTML, or why it is not available."""
    markdown = content = problem = None
    stale = False
    if period:
        md = reports.get(version, period, "md", lang)
        page = reports.get(version, period, "html", lang) if md.body is not None else md
        problem, stale = md.problem or page.problem, md.stale or page.stale
        markdown = md.body.decode("utf-8") if md.body is not None else None
        content = _content(page.body.decode("utf-8")) if page.body is not None else None
        if content is not None:
            content = link_figures(content, md.figures, period)
    return {
        "available": markdown is not None,
        "stale": stale,
        "problem": problem,
        "markdown": markdown,
        "content_html": content,
        "downloads": {
            fmt: href(f"/report.{fmt}", period=period, lang=lang)
            for fmt in REPORT_FORMATS
        }
        if markdown is not None
        else {},
    }


def _content(document: str) -> str:
    # The report's own HTML page (text escaped by zhangjiang.report): keep what is inside
    # <main> (or <body>) to show within the dashboard's layout.
    for tag in ("main", "body"):
        match = re.search(
            rf"<{tag}[^>]*>(.*)</{tag}>", document, re.DOTALL | re.IGNORECASE
        )
        if match:
            return match.group(1).strip()
    return document
