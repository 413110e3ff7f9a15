"""The progress report: section 1.2 rendered from data, and the fact-checker of drafts."""

from zhangjiang.report.outputs import render_report
from zhangjiang.report.render import Report, build_markdown

__all__ = ["Report", "build_markdown", "render_report"]
