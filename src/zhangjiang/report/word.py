"""Write the report as a Word document: GB/T 9704-2012 for Chinese, a plain A4 style for English.

GB/T 9704-2012 (党政机关公文格式) sets an A4 page with a 156 mm x 225 mm type area, top
margin 37 mm and binding (left) margin 28 mm, so the bottom margin is 35 mm and the right
26 mm; the body in 3号 (16 pt) 仿宋, 22 lines of 28 characters; the first heading level in
黑体, the second in 楷体; page numbers in 4号 (14 pt) half-width 宋体 digits with an em dash
either side ("— 1 —"), odd pages at the right and even pages at the left, one character in.
All text is black. Word on a Chinese Windows PC has 仿宋_GB2312 / 楷体_GB2312 (older) or
仿宋 / 楷体 (newer): each font is declared with its alternative in the font table.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from zhangjiang.report.render import Report

__all__ = ["PAGE", "to_docx"]

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_SUPERSCRIPT = re.compile(r"([⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+)")
_PLAIN_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")


@dataclass(frozen=True)
class PageSetup:
    """Page size and margins in millimetres."""

    width: float
    height: float
    top: float
    bottom: float
    left: float
    right: float

    @property
    def text_width(self) -> float:
        """Return the width of the type area in millimetres."""
        return self.width - self.left - self.right


#: GB/T 9704-2012 §5.2.1: A4, type area 156 x 225 mm, top 37 mm, binding edge 28 mm.
PAGE = {
    "zh": PageSetup(210, 297, top=37, bottom=35, left=28, right=26),
    "en": PageSetup(210, 297, top=25.4, bottom=25.4, left=25.4, right=25.4),
}

# Font name -> (alternative name, charset, family) written to the font table.
_FONTS = {
    "仿宋_GB2312": ("仿宋", "86", "modern"),
    "楷体_GB2312": ("楷体", "86", "modern"),
    "方正小标宋简体": ("宋体", "86", "script"),
    "黑体": ("SimHei", "86", "modern"),
    "宋体": ("SimSun", "86", "auto"),
}


@dataclass(frozen=True)
class _Look:
    """One paragraph style: fonts, size (pt), bold, alignment, first-line indent."""

    east_asia: str
    latin: str
    size: float
    bold: bool = False
    center: bool = False
    indent: bool = False
    before: float = 0
    after: float = 0


_LOOKS: dict[str, dict[str, _Look]] = {
    "zh": {
        # 标题: 2号小标宋, centred; levels: 黑体, 楷体, 仿宋 bold; body 仿宋 3号.
        "Title": _Look("方正小标宋简体", "Times New Roman", 22, center=True, after=16),
        "Heading 1": _Look("黑体", "Times New Roman", 16, indent=True),
        "Heading 2": _Look("楷体_GB2312", "Times New Roman", 16, indent=True),
        "Heading 3": _Look("仿宋_GB2312", "Times New Roman", 16, bold=True, indent=True),
        "Normal": _Look("仿宋_GB2312", "Times New Roman", 16, indent=True),
        "Table": _Look("仿宋_GB2312", "Times New Roman", 10.5),
    },
    "en": {
        "Title": _Look("Times New Roman", "Times New Roman", 16, bold=True, after=12),
        "Heading 1": _Look("Times New Roman", "Times New Roman", 14, bold=True, before=12, after=6),
        "Heading 2": _Look("Times New Roman", "Times New Roman", 12, bold=True, before=10, after=4),
        "Heading 3": _Look("Times New Roman", "Times New Roman", 12, bold=True, before=8, after=2),
        "Normal": _Look("Times New Roman", "Times New Roman", 12, after=6),
        "Table": _Look("Times New Roman", "Times New Roman", 9),
    },
}  # fmt: skip

# GB/T 9704: 22 lines in the 225 mm type area (28.95 pt, as Word users set it).
_LINE_PITCH = {"zh": 28.95, "en": None}
_HEADING_STYLE = {"h1": "Title", "h2": "Heading 1", "h3": "Heading 2"}


def to_docx(report: Report, blocks: Iterable[tuple[str, str]]) -> bytes:
    """Return the report's blocks (see ``outputs.blocks``) as a Word document."""
    from docx import Document

    lang = "zh" if report.lang == "zh" else "en"
    doc = Document()
    _page(doc, PAGE[lang])
    _styles(doc, lang)
    _font_table(doc)
    _page_numbers(doc, lang)
    doc.core_properties.title = (
        "1.2 增强张江综合性国家科学中心集中度显示度"
        if lang == "zh"
        else "1.2 Zhangjiang Comprehensive National Science Center"
    )
    doc.core_properties.language = "zh-CN" if lang == "zh" else "en"
    table_rows: list[str] = []
    for kind, text in [*blocks, ("end", "")]:
        if kind != "table" and table_rows:
            _table(doc, table_rows, lang)
            table_rows = []
        if kind in _HEADING_STYLE:
            _runs(doc.add_paragraph(style=_HEADING_STYLE[kind]), text, lang)
        elif kind == "li":
            # Chinese official documents have no bullets: an item is an indented paragraph.
            style = "Normal" if lang == "zh" else "List Bullet"
            _runs(doc.add_paragraph(style=style), text, lang)
        elif kind in ("p", "note"):
            _runs(doc.add_paragraph(style="Normal"), text, lang)
        elif kind == "table":
            table_rows.append(text)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _runs(paragraph: Any, text: str, lang: str) -> None:
    """Add ``text`` with **bold** figures and superscript powers of ten, all black."""
    from docx.shared import RGBColor

    for i, piece in enumerate(_BOLD.split(text)):
        for j, part in enumerate(_SUPERSCRIPT.split(piece)):
            if not part:
                continue
            run = paragraph.add_run(part.translate(_PLAIN_DIGITS) if j % 2 else part)
            run.font.superscript = bool(j % 2)
            run.bold = True if i % 2 == 1 else None
            run.font.color.rgb = RGBColor(0, 0, 0)


def _page(doc: Any, page: PageSetup) -> None:
    from docx.shared import Mm

    for section in doc.sections:
        section.page_width, section.page_height = Mm(page.width), Mm(page.height)
        section.top_margin, section.bottom_margin = Mm(page.top), Mm(page.bottom)
        section.left_margin, section.right_margin = Mm(page.left), Mm(page.right)
        section.footer_distance = Mm(28 if page.bottom >= 35 else 12.7)


def _styles(doc: Any, lang: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Pt

    pitch = _LINE_PITCH[lang]
    for name, look in _LOOKS[lang].items():
        style = doc.styles[name] if name != "Table" else _table_style(doc)
        _fonts(style.element, look.east_asia, look.latin)
        font = style.font
        font.size = Pt(look.size)
        font.bold = look.bold
        font.italic = False
        _black(style.element)
        fmt = style.paragraph_format
        fmt.space_before, fmt.space_after = Pt(look.before), Pt(look.after)
        if pitch is not None and name not in ("Title", "Table"):
            fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            fmt.line_spacing = Pt(pitch)
        if look.center:
            fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif name == "Table":
            # Narrow cells read best ragged-right, single-spaced and not indented.
            fmt.alignment = WD_ALIGN_PARAGRAPH.LEFT
            fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
            fmt.first_line_indent = Pt(0)
        elif lang == "zh":
            fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        if look.indent:
            fmt.first_line_indent = Pt(look.size * 2)  # two characters
    from docx.enum.style import WD_STYLE_TYPE

    # Every style black (Word's built-in headings, titles and quotes are blue) and in
    # the declared fonts: the template's theme fonts are Japanese (ＭＳ 明朝).
    body = _LOOKS[lang]["Normal"]
    _declare_default_fonts(doc, body.east_asia, body.latin)
    for style in doc.styles:
        if style.type in (WD_STYLE_TYPE.PARAGRAPH, WD_STYLE_TYPE.CHARACTER):
            _black(style.element)
            if style.name not in _LOOKS[lang]:
                _fonts(style.element, body.east_asia, body.latin)
            if style.name in ("Title", "Heading 1", "Heading 2", "Heading 3"):
                _no_border(style.element)
    for name in ("List Bullet", "Footer"):
        look = _LOOKS[lang]["Normal"]
        _fonts(doc.styles[name].element, look.east_asia, look.latin)
        _black(doc.styles[name].element)


def _table_style(doc: Any) -> Any:
    from docx.enum.style import WD_STYLE_TYPE

    styles = doc.styles
    if "Table Text" in [s.name for s in styles]:
        return styles["Table Text"]
    style = styles.add_style("Table Text", WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = styles["Normal"]
    return style


def _fonts(element: Any, east_asia: str, latin: str) -> None:
    """Set explicit fonts on a style, dropping theme fonts that would override them."""
    _fonts_on(element.get_or_add_rPr(), east_asia, latin)


def _fonts_on(rpr: Any, east_asia: str, latin: str) -> None:
    """Set the fonts of a run-properties element (rPr)."""
    from docx.oxml.ns import qn

    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:hint"), "eastAsia")


def _black(element: Any) -> None:
    from docx.oxml.ns import qn

    rpr = element.get_or_add_rPr()
    for color in rpr.findall(qn("w:color")):
        rpr.remove(color)
    color = rpr.makeelement(qn("w:color"), {qn("w:val"): "000000"})
    rpr.append(color)


def _declare_default_fonts(doc: Any, east_asia: str, latin: str) -> None:
    """Set the document's default fonts (docDefaults), replacing the theme's."""
    from docx.oxml.ns import qn

    defaults = doc.styles.element.find(qn("w:docDefaults"))
    if defaults is None:
        return
    rpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
    if rpr is not None:
        _fonts_on(rpr, east_asia, latin)


def _no_border(element: Any) -> None:
    """Remove a paragraph border (Word's Title style underlines the title)."""
    from docx.oxml.ns import qn

    ppr = element.find(qn("w:pPr"))
    if ppr is not None:
        for border in ppr.findall(qn("w:pBdr")):
            ppr.remove(border)


def _font_table(doc: Any) -> None:
    """Declare the CJK fonts with their alternatives, so Word substitutes the right ones."""
    from lxml import etree

    part = next(
        p for p in doc.part.package.iter_parts() if p.partname == "/word/fontTable.xml"
    )
    root = etree.fromstring(part.blob)
    ns = root.nsmap["w"]
    w = f"{{{ns}}}"
    known = {f.get(f"{w}name") for f in root.findall(f"{w}font")}
    for name, (alt, charset, family) in _FONTS.items():
        if name in known:
            continue
        font = etree.SubElement(root, f"{w}font", {f"{w}name": name})
        etree.SubElement(font, f"{w}altName", {f"{w}val": alt})
        etree.SubElement(font, f"{w}charset", {f"{w}val": charset})
        etree.SubElement(font, f"{w}family", {f"{w}val": family})
        etree.SubElement(
            font,
            f"{w}pitch",
            {f"{w}val": "fixed" if family == "modern" else "variable"},
        )
    part._blob = etree.tostring(
        root, xml_declaration=True, encoding="UTF-8", standalone=True
    )


def _page_numbers(doc: Any, lang: str) -> None:
    """Write "— N —" page numbers: odd pages right, even pages left (GB/T 9704 §7.5)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    section = doc.sections[0]
    if lang == "zh":
        doc.settings.odd_and_even_pages_header_footer = True
        footers = [
            (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
            (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
        ]
    else:
        footers = [(section.footer, WD_ALIGN_PARAGRAPH.CENTER)]
    for footer, align in footers:
        para = footer.paragraphs[0]
        para.alignment = align
        fmt = para.paragraph_format
        fmt.left_indent = Pt(14) if align == WD_ALIGN_PARAGRAPH.LEFT else None
        fmt.right_indent = Pt(14) if align == WD_ALIGN_PARAGRAPH.RIGHT else None
        fmt.first_line_indent = Pt(0)
        for piece in ("— ", None, " —"):
            run = para.add_run(piece) if piece else _page_field(para)
            run.font.size = Pt(14)
            run.font.name = "宋体" if lang == "zh" else "Times New Roman"
            _fonts(
                run._element,
                "宋体" if lang == "zh" else "Times New Roman",
                "宋体" if lang == "zh" else "Times New Roman",
            )


def _page_field(paragraph: Any) -> Any:
    """Add a PAGE field run to ``paragraph`` and return it."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = " PAGE "
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    number = OxmlElement("w:t")
    number.text = "1"
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, code, separate, number, end):
        run._element.append(element)
    return run


def _table(doc: Any, rows: list[str], lang: str) -> None:
    """Add a Markdown table sized to the type area, columns weighted by their text."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    cells = [
        [c.strip() for c in r.strip("|").split("|")]
        for r in rows
        if not set(r) <= set("|-: ")
    ]
    width = PAGE[lang].text_width
    ncols = len(cells[0])
    # Weight each column by its longest cell (CJK counts double), within limits.
    weights = [
        min(max(max(_display_width(row[c]) for row in cells if c < len(row)), 6), 40)
        for c in range(ncols)
    ]
    total = sum(weights)
    table = doc.add_table(rows=len(cells), cols=ncols)
    table.style = "Table Grid"
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl_pr.append(layout)
    tbl_w = tbl_pr.find(qn("w:tblW"))
    if tbl_w is None:
        tbl_w = OxmlElement("w:tblW")
        tbl_pr.append(tbl_w)
    tbl_w.set(qn("w:type"), "dxa")
    tbl_w.set(qn("w:w"), str(int(width / 25.4 * 1440)))
    for c, column in enumerate(table.columns):
        column.width = Mm(width * weights[c] / total)
    for r, row in enumerate(cells):
        for c, value in enumerate(row[:ncols]):
            cell = table.cell(r, c)
            cell.width = Mm(width * weights[c] / total)
            para = cell.paragraphs[0]
            para.style = "Table Text"
            para.paragraph_format.first_line_indent = Pt(0)
            _runs(para, value, lang)
            if r == 0:
                for run in para.runs:
                    run.bold = True


def _display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
