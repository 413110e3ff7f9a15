"""The report as documents: Word per GB/T 9704-2012, plain English Word, PDF, Markdown."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile

import pytest
from typer.testing import CliRunner

from zhangjiang.cli import app
from zhangjiang.errors import MissingToolError
from zhangjiang.report import render_report
from zhangjiang.report.outputs import to_pdf
from zhangjiang.report.render import build_markdown
from zhangjiang.report.word import PAGE

_EMU_PER_MM = 36000
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _docx(store, lang: str):
    from docx import Document

    content, _ = render_report(store, "2022", "docx", lang, True)
    assert isinstance(content, bytes)
    return Document(io.BytesIO(content)), content


def test_chinese_word_document_follows_gbt_9704(demo_store) -> None:
    from docx.enum.style import WD_STYLE_TYPE

    doc, content = _docx(demo_store, "zh")
    section = doc.sections[0]
    mm = {
        name: round(getattr(section, name) / _EMU_PER_MM)
        for name in (
            "page_width",
            "page_height",
            "top_margin",
            "bottom_margin",
            "left_margin",
            "right_margin",
        )
    }
    assert mm == {
        "page_width": 210,
        "page_height": 297,
        "top_margin": 37,
        "bottom_margin": 35,
        "left_margin": 28,
        "right_margin": 26,
    }
    styles = doc.styles
    assert _east_asia(styles["Normal"]) == "仿宋_GB2312"
    assert styles["Normal"].font.size.pt == 16  # 三号
    assert _east_asia(styles["Heading 1"]) == "黑体"
    assert _east_asia(styles["Heading 2"]) == "楷体_GB2312"
    assert styles["Normal"].paragraph_format.line_spacing.pt == pytest.approx(28.95)
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        fonts = z.read("word/fontTable.xml").decode("utf-8")
        document = z.read("word/document.xml").decode("utf-8")
        footers = "".join(
            z.read(n).decode("utf-8") for n in z.namelist() if "footer" in n
        )
    assert re.search(r'w:name="仿宋_GB2312".*?<w:altName w:val="仿宋"', fonts, re.S)
    assert re.search(r'w:name="楷体_GB2312".*?<w:altName w:val="楷体"', fonts, re.S)
    assert "PAGE" in footers and "— " in footers and " —" in footers
    colours = set(re.findall(r'w:color w:val="([0-9A-Fa-f]{6})"', document))
    colours |= {
        str(style.font.color.rgb)
        for style in doc.styles
        if style.type in (WD_STYLE_TYPE.PARAGRAPH, WD_STYLE_TYPE.CHARACTER)
        and style.font.color.rgb is not None
    }
    assert colours <= {"000000"}, colours
    assert "10^{" not in document and '<w:vertAlign w:val="superscript"/>' in document
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert "张江科学城标杆地位持续提升" in headings and "上海光源一期" in headings
    for table in doc.tables:
        width = sum(c.width for c in table.columns) / _EMU_PER_MM
        assert width <= PAGE["zh"].text_width + 1


def test_english_word_document_styles_every_heading(demo_store) -> None:
    doc, _ = _docx(demo_store, "en")
    markdown, _ = render_report(demo_store, "2022", "md", "en", True)
    assert isinstance(markdown, str)
    wanted = [
        line.lstrip("#").strip()
        for line in markdown.splitlines()
        if line.startswith(("## ", "### "))
    ]
    styled = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert styled == wanted and len(styled) >= 19
    section = doc.sections[0]
    assert round(section.page_width / _EMU_PER_MM) == 210
    assert doc.styles["Normal"].font.name == "Times New Roman"
    text = "\n".join(p.text for p in doc.paragraphs)
    text += "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert not _CJK.search(text), _CJK.findall(text)[:10]


def test_markdown_has_real_headings_superscripts_and_no_repeated_units(
    demo_store,
) -> None:
    zh = build_markdown(demo_store, "2022", "zh").markdown
    en = build_markdown(demo_store, "2022", "en", lineage=True).markdown
    for text in (zh, en):
        assert "10^{" not in text and "10²⁰ W/cm²" in text
        assert ">>" not in text
    assert "## 张江科学城标杆地位持续提升" in zh and "### 上海光源一期" in zh
    assert (
        "\n## 世界级重大科技基础设施加速集聚\n\n加快推进在沪国家重大科技基础设施建设"
        in zh
    )
    seed_style = build_markdown(demo_store, "2022", "zh", seed_headings=True).markdown
    assert ">> 张江科学城标杆地位持续提升" in seed_style and "### " not in seed_style
    # "banks: **28** banks": a noun before the figure repeated after it.
    repeated = re.findall(r"(\w+)s?: (?:\w+ )?\*\*[\d,.]+\*\* \1", en)
    assert repeated == []
    assert not _CJK.search(en)
    html, _ = render_report(demo_store, "2022", "html", "zh")
    assert "10<sup>20</sup>" in html


def test_lineage_names_files_and_periods(demo_store) -> None:
    zh = build_markdown(demo_store, "2022", "zh", lineage=True).markdown
    lineage = zh.split("## 数据来源")[1]
    assert "projects_2022_synthetic.csv" in lineage
    assert "| 数字 | 指标 | 参考期 | 来源批次（文件，期间） |" in lineage
    assert max(len(line) for line in lineage.splitlines()) < 400


def test_pdf_without_libreoffice_names_the_package(
    demo_store, monkeypatch, tmp_path
) -> None:
    monkeypatch.setenv("ZHANGJIANG_SOFFICE", str(tmp_path / "no-soffice"))
    report = build_markdown(demo_store, "2022", "zh")
    with pytest.raises(MissingToolError, match="libreoffice-writer-nogui"):
        to_pdf(report)
    res = CliRunner().invoke(
        app,
        ["--db", str(demo_store.path), "report", "--period", "2022", "--format", "pdf",
         "-o", str(tmp_path / "r.pdf")],
    )  # fmt: skip
    assert res.exit_code != 0
    assert "libreoffice-writer-nogui" in res.output and "安装" in res.output


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pdf_renders_a4_pages_with_page_numbers(demo_store, tmp_path, lang) -> None:
    if shutil.which("soffice") is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice or poppler-utils absent (.ci/run installs them)")
    out = tmp_path / f"report-{lang}.pdf"
    res = CliRunner().invoke(
        app,
        ["--db", str(demo_store.path), "report", "--period", "2022", "--format", "pdf",
         "--lang", lang, "-o", str(out)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout
    assert "(A4)" in info
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True
    ).stdout
    assert re.search(r"—\s*1\s*—", text) and re.search(r"—\s*2\s*—", text)


def _east_asia(style) -> str:
    from docx.oxml.ns import qn

    fonts = style.element.rPr.find(qn("w:rFonts"))
    return str(fonts.get(qn("w:eastAsia")))
