"""Turn the report's Markdown into a self-contained HTML page or a Word document."""

from __future__ import annotations

import html
import re
from typing import Literal

from zhangjiang.report import pdf, word
from zhangjiang.report.render import Report, build_markdown
from zhangjiang.store import Store

__all__ = ["blocks", "render_report", "to_docx", "to_html", "to_pdf"]

Format = Literal["md", "html", "docx", "pdf"]
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_SUPERSCRIPT = re.compile(r"([⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+)")
_PLAIN_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
_CSS = """
body{font-family:"Noto Serif CJK SC","Noto Sans CJK SC","Source Han Serif SC","SimSun",serif;
max-width:52rem;margin:2rem auto;padding:0 1rem;line-height:1.8;color:#1a1a1a;background:#fff}
h1{font-size:1.6rem;border-bottom:2px solid #1f4e79;padding-bottom:.3rem}
h2{font-size:1.3rem;color:#1f4e79;margin-top:2rem}
sup{font-size:.7em}
h3{font-size:1.1rem;margin-top:1.4rem}
strong{color:#8b0000}
blockquote{background:#fff8e1;border-left:4px solid #e0a800;margin:1rem 0;padding:.5rem 1rem}
table{border-collapse:collapse;font-size:.9rem;width:100%;table-layout:auto}td{word-break:break-all}td,th{border:1px solid #999;padding:.2rem .5rem}
"""


def render_report(
    store: Store,
    period: str,
    fmt: Format = "md",
    lang: str = "zh",
    lineage: bool = False,
) -> tuple[str | bytes, Report]:
    """Render the report for ``period`` as md (str), html (str), docx or pdf (bytes).

    PDF is the Word document converted by LibreOffice (``report.pdf``); without it a
    ``MissingToolError`` names the package to install.
    """
    report = build_markdown(store, period, lang, lineage)
    if fmt == "md":
        return report.markdown, report
    if fmt == "html":
        return to_html(report), report
    if fmt == "pdf":
        return to_pdf(report), report
    return to_docx(report), report


def to_pdf(report: Report) -> bytes:
    """Return the report as PDF: its Word document converted by LibreOffice headless."""
    return pdf.docx_to_pdf(to_docx(report))


def blocks(markdown: str) -> list[tuple[str, str]]:
    """Split the report's Markdown into (kind, text): h1, h2, h3, li, p, note, table."""
    lines = markdown.splitlines()
    out: list[tuple[str, str]] = []
    for i, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            continue
        following = next((nxt.strip() for nxt in lines[i + 1 :] if nxt.strip()), "")
        if line.startswith("# "):
            out.append(("h1", line[2:]))
        elif line.startswith("### "):
            out.append(("h3", line[4:]))
        elif line.startswith("## ") or line.startswith(">> "):
            out.append(("h2", line[3:]))
        elif line.startswith("> "):
            out.append(("note", line[2:]))
        elif line.startswith("- "):
            out.append(("li", line[2:]))
        elif line.startswith("|"):
            out.append(("table", line))
        elif (
            len(line) <= 40
            and following.startswith("- ")
            and not line.endswith(("。", "."))
        ):
            out.append(("h3", line))
        else:
            out.append(("p", line))
    return out


def to_html(report: Report) -> str:
    """Return a self-contained HTML page (inline CSS, no external requests)."""
    lang = "zh-CN" if report.lang == "zh" else "en"
    body: list[str] = []
    in_list = False
    table: list[str] = []
    for kind, text in [*blocks(report.markdown), ("end", "")]:
        if kind != "li" and in_list:
            body.append("</ul>")
            in_list = False
        if kind != "table" and table:
            body.append(_html_table(table))
            table = []
        content = _html_inline(text)
        match kind:
            case "h1" | "h2" | "h3":
                body.append(f"<{kind}>{content}</{kind}>")
            case "li":
                if not in_list:
                    body.append("<ul>")
                    in_list = True
                body.append(f"<li>{content}</li>")
            case "note":
                body.append(f"<blockquote>{content}</blockquote>")
            case "table":
                table.append(text)
            case "p":
                body.append(f"<p>{content}</p>")
    title = (
        "1.2 增强张江综合性国家科学中心集中度显示度"
        if report.lang == "zh"
        else "1.2 Zhangjiang Comprehensive National Science Center"
    )
    return (
        f'<!doctype html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)} — {report.period}</title>\n<style>{_CSS}</style>\n</head>\n"
        f"<body>\n<main>\n" + "\n".join(body) + "\n</main>\n</body>\n</html>\n"
    )


def _html_inline(text: str) -> str:
    """Escape text; **bold** to <strong>, superscript digits to <sup>."""
    escaped = _BOLD.sub(r"<strong>\1</strong>", html.escape(text))
    return _SUPERSCRIPT.sub(
        lambda m: f"<sup>{m.group(1).translate(_PLAIN_DIGITS)}</sup>", escaped
    )


def _html_table(rows: list[str]) -> str:
    cells = [
        [c.strip() for c in r.strip("|").split("|")]
        for r in rows
        if not set(r) <= set("|-: ")
    ]
    head, *rest = cells
    out = [
        "<table>",
        "<tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in head) + "</tr>",
    ]
    out += [
        "<tr>" + "".join(f"<td>{_html_inline(c)}</td>" for c in r) + "</tr>"
        for r in rest
    ]
    return "\n".join([*out, "</table>"])


def to_docx(report: Report) -> bytes:
    """Return a Word document: GB/T 9704-2012 for Chinese, plain A4 serif for English."""
    return word.to_docx(report, blocks(report.markdown))
