"""The generated report on the web: rendered by ``zhangjiang.report`` when it is installed."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from zhangjiang.errors import ZhangjiangError
from zhangjiang.store import Store
from zhangjiang.web.figures import href

__all__ = ["REPORT_FORMATS", "render_report", "report_page"]

#: Downloadable formats of the report and their media types.
REPORT_FORMATS: dict[str, str] = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def render_report(store: Store, period: str, fmt: str, lang: str) -> bytes | None:
    """Return the report as bytes, or None when ``zhangjiang.report`` is not installed."""
    try:
        module = importlib.import_module("zhangjiang.report")
    except ModuleNotFoundError as exc:
        if exc.name not in ("zhangjiang.report", "zhangjiang"):
            raise
        return None
    render = getattr(module, "render_report", None)
    if render is None:
        return None
    out = render(store, period, fmt, lang)
    if isinstance(out, Path):
        return out.read_bytes()
    return out.encode("utf-8") if isinstance(out, str) else bytes(out)


def report_page(store: Store, period: str | None, lang: str) -> dict[str, Any]:
    """Return the report page: the report as markdown and HTML, or why it is not available."""
    markdown: str | None = None
    problem = None
    if period:
        try:
            body = render_report(store, period, "md", lang)
        except ZhangjiangError as exc:
            body, problem = None, str(exc)
        markdown = body.decode("utf-8") if body is not None else None
    return {
        "available": markdown is not None,
        "problem": problem,
        "markdown": markdown,
        "content_html": _to_html(markdown) if markdown else None,
        "downloads": {
            fmt: href(f"/report.{fmt}", period=period, lang=lang) for fmt in REPORT_FORMATS
        }
        if markdown is not None
        else {},
    }


def _to_html(markdown: str) -> str:
    # Raw HTML in the markdown is escaped (html=False): the report quotes ingested names.
    from markdown_it import MarkdownIt

    return str(MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown))
