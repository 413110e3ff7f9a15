"""The report: section 1.2 from the demo store, gaps, Word output, and the fact-checker."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import seed_text
from tests.test_seed_figures import seed_bold_figures
from zhangjiang.cli import app
from zhangjiang.config import Settings
from zhangjiang.demo import build_demo
from zhangjiang.indicators import compute
from zhangjiang.phrasing import find_claims
from zhangjiang.report import render_report
from zhangjiang.report.check import check_text
from zhangjiang.store import open_store

FACILITIES_HEADING = "## 世界级重大科技基础设施加速集聚"


def _bold_figures_by_section(markdown: str) -> tuple[list[str], list[str]]:
    first, second, current = [], [], None
    for line in markdown.splitlines():
        if line.startswith((">> ", "## ")) and not line.startswith("## 数据"):
            heading = "## " + line[3:].strip()
            current = second if heading == FACILITIES_HEADING else first
            continue
        if current is None or line.startswith("## 数据"):
            current = None
            continue
        current.extend(
            s.text for s in find_claims(line) if "**" in line[s.start : s.end]
        )
    return first, second


def test_report_carries_every_bold_figure_of_the_seed_in_its_section(demo_store):
    markdown, report = render_report(demo_store, "2022", "md", "zh")
    assert isinstance(markdown, str)
    seed_first, seed_second = _bold_figures_by_section(seed_text())
    assert len(seed_first) + len(seed_second) == len(seed_bold_figures()) == 68
    ours_first, ours_second = _bold_figures_by_section(markdown)
    missing = (Counter(seed_first) - Counter(ours_first)) + (
        Counter(seed_second) - Counter(ours_second)
    )
    assert not missing, f"missing or misplaced: {dict(missing)}; gaps: {report.gaps}"
    assert report.gaps == []
    assert "合成示例数据" in markdown


def test_fact_check_of_the_seed_verifies_every_figure(demo_store):
    result = check_text(demo_store, seed_text(), "2022")
    assert result["summary"]["contradicted"] == 0, [
        c for c in result["claims"] if c["verdict"] == "contradicted"
    ]
    not_verified = [c for c in result["claims"] if c["verdict"] != "verified"]
    assert not_verified == []
    assert len(result["claims"]) >= 68


def test_five_changed_figures_are_exactly_the_five_contradicted(demo_store, tmp_path):
    seed = seed_text()
    changes = {
        "**690**家": "**695**家",
        "**1560**亿元": "**1460**亿元",
        "**4081**人次": "**4181**人次",
        "**84.15%**": "**74.15%**",
        "**19202**人": "**19302**人",
    }
    for old, new in changes.items():
        assert seed.count(old) == 1
        seed = seed.replace(old, new)
    draft = tmp_path / "draft.md"
    draft.write_text(seed, encoding="utf-8")
    res = CliRunner().invoke(
        app,
        [
            "--db",
            str(demo_store.path),
            "check",
            str(draft),
            "--period",
            "2022",
            "--format",
            "json",
        ],
    )
    assert res.exit_code == 1, res.output
    result = json.loads(res.stdout)
    contradicted = sorted(
        c["text"] for c in result["claims"] if c["verdict"] == "contradicted"
    )
    assert contradicted == sorted(
        ["695家", "1460亿元", "4181人次", "74.15%", "19302人"]
    )
    assert set(result["claims"][0]) >= {
        "text",
        "low",
        "high",
        "qualifier",
        "unit",
        "indicator",
        "dimensions",
        "verdict",
        "actual",
    }


def test_claims_in_other_wordings_parse_and_match(demo_store):
    text = "上海光源一期全年为用户提供实验机时35万小时；超算中心提供18748万核小时；新药管线80多个；同比增长4.1%左右"
    result = check_text(demo_store, text, "2022")
    assert [c["text"] for c in result["claims"]] == [
        "35万小时",
        "18748万核小时",
        "80多个",
        "4.1%左右",
    ]
    assert all(c["low"] is not None for c in result["claims"])


def test_report_with_half_the_data_missing_lists_gaps_and_prints_no_wrong_number(
    tmp_path,
):
    settings = Settings(db=tmp_path / "half.duckdb", user="t")
    st = open_store(settings.db)
    build_demo(st, settings, tmp_path / "files", only=["projects", "facilities"])
    compute(st, "2022")
    markdown, report = render_report(st, "2022", "md", "zh")
    assert report.gaps, "the science-city figures should be listed as gaps"
    assert "## 数据缺口" in markdown
    gap_ids = {g.indicator for g in report.gaps}
    assert "enterprise.hightech_new" in gap_ids and "talent.employees" in gap_ids
    body = markdown.split("## 数据缺口")[0]
    assert "高新技术企业" not in body
    # Narrative slots without a stored fact are gaps too (the science-city events).
    assert any(g.kind == "fact" for g in report.gaps)
    assert "- 叙述 events（group=science_city）" in markdown
    # Every figure printed is verified against the data it came from.
    result = check_text(st, body, "2022")
    assert result["summary"]["contradicted"] == 0
    assert "**73**个" in body


def test_strict_mode_fails_on_gaps(tmp_path):
    db = tmp_path / "empty.duckdb"
    res = CliRunner().invoke(
        app, ["--db", str(db), "report", "--period", "2022", "--strict"]
    )
    assert res.exit_code == 1


def test_english_edition_uses_english_numbers(demo_store):
    markdown, _report = render_report(demo_store, "2022", "md", "en")
    assert "million core-hours" in markdown.replace("**", "")
    assert "synthetic demo data" in markdown
    assert not re.search(
        r"[\u4e00-\u9fff]{6,}", markdown.split("## ")[0].replace("魔方", "")
    )


def test_html_is_self_contained(demo_store):
    page, _ = render_report(demo_store, "2022", "html", "zh")
    assert isinstance(page, str) and page.startswith("<!doctype html>")
    assert "<strong>73</strong>" in page
    assert "http://" not in page and "https://" not in page


@pytest.mark.slow
def test_docx_renders_to_pdf_with_chinese_text(demo_store, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None or shutil.which("pdftoppm") is None:
        pytest.skip("LibreOffice or poppler-utils absent (.ci/run installs them)")
    content, _ = render_report(demo_store, "2022", "docx", "zh")
    docx = tmp_path / "report.docx"
    docx.write_bytes(content)  # type: ignore[arg-type]
    subprocess.run(
        [
            soffice,
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(docx),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = tmp_path / "report.pdf"
    assert pdf.exists()
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    flat = text.replace("\n", "")
    assert "增强张江综合性国家科学中心集中度显示度" in flat and "73" in flat
    fonts = subprocess.run(
        ["pdffonts", str(pdf)], check=True, capture_output=True, text=True
    ).stdout
    assert "CJK" in fonts
    out = Path("out/report")
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            str(pdf),
            str(out / "page"),
        ],
        check=True,
    )
    assert any(out.glob("page*.png"))


@pytest.mark.parametrize("occurrence", [0, 1])
def test_a_wrong_period_contradicts_its_line_and_nothing_else(demo_store, occurrence):
    seed = seed_text()
    assert seed.count("1—10月") == 2
    at = [m.start() for m in re.finditer("1—10月", seed)][occurrence]
    draft = seed[:at] + "1—9月" + seed[at + len("1—10月") :]
    changed_line = draft[draft.rfind("\n", 0, at) + 1 : draft.find("\n", at)]
    result = check_text(demo_store, draft, "2022")
    contradicted = [c for c in result["claims"] if c["verdict"] == "contradicted"]
    assert contradicted
    assert all(c["context"] == changed_line.strip()[:120] for c in contradicted)
    # Figures after "1—9月" on that line are judged against January to September.
    plain = changed_line.replace("**", "")
    after = [c for c in contradicted if plain.find(c["text"]) > plain.find("1—9月")]
    assert after and all(c["period"] == "2022年1—9月" for c in after)
    assert all(c["period_claimed"] == "1—9月" for c in after)
    others = [c for c in result["claims"] if c["context"] != changed_line.strip()[:120]]
    assert all(c["verdict"] == "verified" for c in others)


def test_a_period_without_such_a_value_is_named_in_the_contradiction(demo_store):
    seed = seed_text().replace("截至9月底", "截至8月底")
    result = check_text(demo_store, seed, "2022")
    contradicted = [c for c in result["claims"] if c["verdict"] == "contradicted"]
    assert sorted(c["text"] for c in contradicted) == ["234票", "304票"]
    assert all("截至8月底" in c["reason"] for c in contradicted)


def test_a_year_to_date_figure_is_true_of_its_months_not_of_the_year(demo_store):
    true_then = check_text(demo_store, "1—9月，集成电路产业销售收入1373亿元", "2022")
    assert [c["verdict"] for c in true_then["claims"]] == ["verified"]
    whole_year = check_text(demo_store, "全年集成电路产业销售收入1560亿元", "2022")
    assert [c["verdict"] for c in whole_year["claims"]] == ["contradicted"]


def test_a_period_with_no_data_says_so(demo_store):
    result = check_text(demo_store, seed_text(), "2019")
    assert result["has_data"] is False
    assert "2019" in result["notice"] and "没有任何数据" in result["notice"]
    ok = check_text(demo_store, seed_text(), "2022")
    assert ok["has_data"] is True and "notice" not in ok


def test_section_numbers_dates_and_list_numbers_are_not_claims():
    for line in (
        "一、1.2 张江科学城",
        "1.2增强张江",
        "（三）截至2022年11月15日",
        "1. 概况",
        "(2) 第3轮",
    ):
        assert find_claims(line) == [], line
