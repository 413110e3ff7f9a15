"""Phrasing: every figure style of the seed report, written and read back, and claims in text."""

from __future__ import annotations

import doctest
import re
from decimal import Decimal as D

import pytest

from tests.conftest import seed_text
from zhangjiang.errors import PhraseError, ZhangjiangError
from zhangjiang.phrasing import (
    Bounds,
    Style,
    claims,
    find_claims,
    numbers,
    parse,
    parsing,
    phrase,
    phrase_growth,
    writing,
)

# (value in base units, style, zh text, en text): every bold figure style of the seed,
# plus the forms the glossary names (80多个, 4.1%左右, 近90%).
WRITTEN = [
    pytest.param(73, Style(unit="个"), "73个", "73", id="count"),
    pytest.param(1943, Style(unit="家"), "1943家", "1,943", id="count-thousands"),
    pytest.param(D("1.56e11"), Style(scale="亿", unit="元"), "1560亿元", "156 billion yuan", id="yi-yuan"),
    pytest.param(D("5.03e10"), Style(scale="亿", unit="元"), "503亿元", "50.3 billion yuan", id="yi-yuan-2"),
    pytest.param(812, Style(qualifier="余", unit="个"), "800余个", "over 800", id="yu"),
    pytest.param(612, Style(qualifier="余", unit="家"), "600余家", "over 600", id="yu-jia"),
    pytest.param(923, Style(qualifier="余", unit="篇"), "900余篇", "over 900 papers", id="yu-pian"),
    pytest.param(836, Style(qualifier="余", unit="发次"), "800余发次", "over 800", id="yu-shots"),
    pytest.param(173, Style(qualifier="余", base=10, unit="项"), "170余项", "over 170", id="yu-base-10"),
    pytest.param(186, Style(qualifier="余", base=10, unit="篇"), "180余篇", "over 180 papers", id="yu-base-10-b"),
    pytest.param(80500, Style(qualifier="余", unit="小时"), "80000余小时", "over 80,000 hours", id="yu-hours"),
    pytest.param(84, Style(qualifier="多", unit="个"), "80多个", "over 80", id="duo"),
    pytest.param(D("53.7"), Style(qualifier="超过", percent=True, decimals=1), "超过50%", "over 50%", id="chaoguo-pct"),
    pytest.param(D("82.4"), Style(qualifier="超过", percent=True, decimals=1), "超过80%", "over 80%", id="chaoguo-pct-2"),
    pytest.param(D("5.321e10"), Style(scale="亿", qualifier="超", unit="元"), "超500亿元", "over 50 billion yuan", id="chao-yi"),
    pytest.param(D("32.8"), Style(percent=True, decimals=1), "32.8%", "32.8%", id="pct-1dp"),
    pytest.param(D("26.3"), Style(percent=True, decimals=1), "26.3%", "26.3%", id="pct-growth"),
    pytest.param(503000, Style(scale="万", qualifier="约", unit="人"), "约50万人", "about 500,000 people", id="yue-wan"),
    pytest.param(61000, Style(scale="万", qualifier="约", unit="人"), "约6万人", "about 60,000 people", id="yue-wan-2"),
    pytest.param(73000, Style(scale="万", qualifier="超", unit="人"), "超7万人", "over 70,000 people", id="chao-wan"),
    pytest.param(81234, Style(scale="万", qualifier="余", unit="人"), "8万余人", "over 80,000 people", id="wan-yu"),
    pytest.param(205000, Style(scale="万", qualifier="余", unit="人"), "20万余人", "over 200,000 people", id="wan-yu-2"),
    pytest.param(32954, Style(unit="小时"), "32954小时", "32,954 hours", id="hours"),
    pytest.param(4081, Style(unit="人次"), "4081人次", "4,081 person-visits", id="visits"),
    pytest.param(19202, Style(unit="人"), "19202人", "19,202 people", id="people"),
    pytest.param(D("47.0"), Style(percent=True, decimals=2), "47%", "47%", id="pct-trim"),
    pytest.param(D("84.15"), Style(percent=True, decimals=2), "84.15%", "84.15%", id="pct-2dp"),
    pytest.param(D("47.0"), Style(percent=True, decimals=2, trim=False), "47.00%", "47.00%", id="pct-no-trim"),
    pytest.param(100, Style(percent=True), "100%", "100%", id="pct-100"),
    pytest.param(D("85.3"), Style(qualifier="以上", percent=True, base=1), "85%以上", "at least 85%", id="yishang"),
    pytest.param(36924600, Style(scale="万", decimals=2, unit="核小时"), "3692.46万核小时", "36.92 million core-hours", id="wan-2dp"),
    pytest.param(190233300, Style(scale="万", decimals=2, unit="核小时"), "19023.33万核小时", "190.23 million core-hours", id="wan-2dp-b"),
    pytest.param(187480000, Style(scale="万", unit="核小时"), "18748万核小时", "187.48 million core-hours", id="wan-int"),
    pytest.param(350000, Style(scale="万", unit="小时"), "35万小时", "350,000 hours", id="wan-hours"),
    pytest.param(1745, Style(unit="家"), "1745家", "1,745", id="orgs"),
    pytest.param(11734, Style(qualifier="约", base=100, unit="人次"), "约11700人次", "about 11,700 person-visits", id="yue-base-100"),
    pytest.param(52, Style(qualifier="约", unit="次"), "约50次", "about 50", id="yue"),
    pytest.param(18, Style(qualifier="约", unit="次"), "约20次", "about 20", id="yue-up"),
    pytest.param(D("4.12"), Style(qualifier="左右", percent=True, base=D("0.1")), "4.1%左右", "about 4.1%", id="zuoyou"),
    pytest.param(88, Style(qualifier="近", percent=True), "近90%", "nearly 90%", id="jin"),
    pytest.param(D("1.2e6"), Style(qualifier="逾", scale="万", unit="元"), "逾100万元", "over 1 million yuan", id="yu-over"),
    pytest.param(20, Style(unit="微米"), "20微米", "20 μm", id="micron"),
    pytest.param(D("1e20"), Style(scientific=True, unit="W/cm²"), "10^{20} W/cm²", "10^{20} W/cm²", id="sci-power"),
    pytest.param(D("8e22"), Style(scientific=True, unit="W/cm²"), "8×10^{22} W/cm²", "8×10^{22} W/cm²", id="sci"),
    pytest.param(D("8.4e22"), Style(scientific=True, qualifier="约", unit="W/cm²"), "约8×10^{22} W/cm²", "about 8×10^{22} W/cm²", id="sci-yue"),
]  # fmt: skip


@pytest.mark.parametrize(("value", "style", "zh", "en"), WRITTEN)
def test_phrase_writes_seed_styles(value: D, style: Style, zh: str, en: str) -> None:
    written = phrase(value, style)
    assert written.text == zh
    assert phrase(value, style, lang="en").text == en
    assert parse(written.text).contains(value)


@pytest.mark.parametrize(("value", "style", "zh", "en"), WRITTEN)
def test_parse_reads_what_phrase_writes(
    value: D, style: Style, zh: str, en: str
) -> None:
    written = phrase(value, style)
    bounds = parse(zh)
    assert bounds.qualifier == written.qualifier
    assert bounds.unit == written.unit
    assert bounds.contains(value)


def test_phrase_parts() -> None:
    scaled = phrase(36924600, Style(scale="万", decimals=2, unit="核小时"))
    assert (scaled.number, scaled.qualifier, scaled.unit, scaled.exact) == (
        "3692.46万",
        None,
        "核小时",
        True,
    )
    rounded = phrase(36924612, Style(scale="万", decimals=2, unit="核小时"))
    assert (rounded.text, rounded.exact) == ("3692.46万核小时", False)
    over = phrase(D("5.321e10"), Style(scale="亿", qualifier="超", unit="元"))
    assert (over.number, over.qualifier, over.unit, over.exact) == (
        "500亿",
        "超",
        "元",
        False,
    )
    pct = phrase(D("85.3"), Style(qualifier="以上", percent=True, base=1))
    assert (pct.number, pct.unit) == ("85", "%")
    en = phrase(11734, Style(qualifier="约", base=100, unit="人次"), lang="en")
    assert (en.number, en.qualifier, en.unit) == ("11,700", "约", "person-visits")


@pytest.mark.parametrize(
    ("value", "style", "text"),
    [
        pytest.param(800, Style(qualifier="余", unit="个"), "800个", id="yu-on-round-value"),
        pytest.param(80000, Style(scale="万", qualifier="余", unit="人"), "8万人", id="wan-yu-round"),
        pytest.param(D("5e10"), Style(scale="亿", qualifier="超", unit="元"), "500亿元", id="chao-equal"),
        pytest.param(D("84.15"), Style(qualifier="近", percent=True, decimals=2), "84.15%", id="jin-too-far"),
        pytest.param(90, Style(qualifier="近", percent=True), "90%", id="jin-equal"),
        pytest.param(0, Style(qualifier="约", unit="个"), "0个", id="zero"),
        pytest.param(D("0.3"), Style(qualifier="余", unit="个"), "0个", id="below-one"),
    ],
)  # fmt: skip
def test_phrase_falls_back_to_exact_when_qualifier_would_be_false(
    value: D, style: Style, text: str
) -> None:
    written = phrase(value, style)
    assert (written.text, written.qualifier) == (text, None)
    assert parse(text).contains(value)


@pytest.mark.parametrize(
    ("pct", "lang", "decimals", "text"),
    [
        (D("26.3"), "zh", 1, "同比增长26.3%"),
        (D("-4.1"), "zh", 1, "同比下降4.1%"),
        (D("26.34"), "en", 1, "up 26.3% year on year"),
        (D("-4.06"), "en", 1, "down 4.1% year on year"),
        (D("12"), "zh", 1, "同比增长12.0%"),
        (D("0.04"), "zh", 1, "同比持平"),
        (0, "en", 1, "unchanged year on year"),
        (D("7.125"), "zh", 2, "同比增长7.13%"),
    ],
)
def test_phrase_growth(pct: D, lang: str, decimals: int, text: str) -> None:
    assert phrase_growth(pct, lang=lang, decimals=decimals) == text


# (text, low, high, low_inclusive, high_inclusive, qualifier, unit, number)
READ = [
    ("800余个", "800", "900", False, False, "余", "个", "800"),
    ("约11700人次", "11650", "11750", True, False, "约", "人次", "11700"),
    (
        "3692.46万核小时",
        "36924550",
        "36924650",
        True,
        False,
        None,
        "核小时",
        "36924600",
    ),
    ("35万小时", "345000", "355000", True, False, None, "小时", "350000"),
    ("80多个", "80", "90", False, False, "多", "个", "80"),
    ("4.1%左右", "4.05", "4.15", True, False, "左右", "%", "4.1"),
    ("超500亿元", "5e10", None, False, False, "超", "元", "5e10"),
    ("85%以上", "85", None, True, False, "以上", "%", "85"),
    ("8万余人", "80000", "90000", False, False, "余", "人", "80000"),
    ("20万余人", "200000", "300000", False, False, "余", "人", "200000"),
    ("约50万人", "450000", "550000", True, False, "约", "人", "500000"),
    ("超7万人", "70000", None, False, False, "超", "人", "70000"),
    (
        "18748万核小时",
        "187475000",
        "187485000",
        True,
        False,
        None,
        "核小时",
        "187480000",
    ),
    ("47%", "46.5", "47.5", True, False, None, "%", "47"),
    ("84.15%", "84.145", "84.155", True, False, None, "%", "84.15"),
    ("1745家", "1744.5", "1745.5", True, False, None, "家", "1745"),
    ("近90%", "85", "90", True, False, "近", "%", "90"),
    ("超过50%", "50", None, False, False, "超过", "%", "50"),
    ("逾100万元", "1e6", None, False, False, "逾", "元", "1e6"),
    ("1560亿元", "1.5595e11", "1.5605e11", True, False, None, "元", "1.56e11"),
    ("170余项", "170", "180", False, False, "余", "项", "170"),
    ("80000余小时", "80000", "90000", False, False, "余", "小时", "80000"),
    ("11700人次左右", "11650", "11750", True, False, "左右", "人次", "11700"),
    ("10^{20} W/cm²", "5e19", "1.5e20", True, False, None, "W/cm²", "1e20"),
    ("8×10^{22} W/cm²", "7.5e22", "8.5e22", True, False, None, "W/cm²", "8e22"),
    ("8x10^22 W/cm²", "7.5e22", "8.5e22", True, False, None, "W/cm²", "8e22"),
    ("10^{-3}", "5e-4", "1.5e-3", True, False, None, "", "1e-3"),
    ("10²⁰ W/cm²", "5e19", "1.5e20", True, False, None, "W/cm²", "1e20"),
    ("3千米", "2.5", "3.5", True, False, None, "千米", "3"),
    ("20微米", "19.5", "20.5", True, False, None, "微米", "20"),
    ("１,２３４家", "1233.5", "1234.5", True, False, None, "家", "1234"),
    ("１２３４５６７８", "12345677.5", "12345678.5", True, False, None, "", "12345678"),
    ("２３％", "22.5", "23.5", True, False, None, "%", "23"),
    ("**800**余个", "800", "900", False, False, "余", "个", "800"),
    ("不足10%", None, "10", False, False, "不足", "%", "10"),
    ("100人以下", None, "100", False, True, "以下", "人", "100"),
    ("1.2万亿元", "1.15e12", "1.25e12", True, False, None, "元", "1.2e12"),
]


@pytest.mark.parametrize(
    (
        "text",
        "low",
        "high",
        "low_inclusive",
        "high_inclusive",
        "qualifier",
        "unit",
        "number",
    ),
    [pytest.param(*row, id=row[0]) for row in READ],
)
def test_parse(
    text: str,
    low: str | None,
    high: str | None,
    low_inclusive: bool,
    high_inclusive: bool,
    qualifier: str | None,
    unit: str,
    number: str,
) -> None:
    expected = Bounds(
        low=None if low is None else D(low),
        high=None if high is None else D(high),
        low_inclusive=low_inclusive,
        high_inclusive=high_inclusive,
        qualifier=qualifier,
        unit=unit,
        number=D(number),
    )
    assert parse(text) == expected


def test_bounds_contains_respects_open_and_closed_ends() -> None:
    band = parse("800余个")
    assert [band.contains(v) for v in (800, D("800.01"), 899, 900)] == [
        False,
        True,
        True,
        False,
    ]
    about = parse("约11700人次")
    assert [about.contains(v) for v in (11649, 11650, 11749, 11750)] == [
        False,
        True,
        True,
        False,
    ]
    at_least = parse("85%以上")
    assert [at_least.contains(v) for v in (D("84.99"), 85, 100)] == [False, True, True]
    assert parse("超过50%").contains(50) is False
    assert parse("47%").contains(47.0) and parse("84.15%").contains(84.15)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abc",
        "约",
        "第2轮",
        "约800余个",
        "超过85%以上",
        "50%个",
        "1—10月",
        "8×10^{22}万",
        "3千万",
        "5百人",
        "-5",
    ],
)
def test_parse_rejects_non_phrases(text: str) -> None:
    with pytest.raises(PhraseError):
        parse(text)


def test_phrase_error_is_a_zhangjiang_error() -> None:
    assert issubclass(PhraseError, ZhangjiangError)
    assert PhraseError.__doc__ == "Text is not a quantitative phrase."


@pytest.mark.parametrize(
    "kwargs",
    [
        {"scale": "千"},
        {"decimals": -1},
        {"qualifier": "大概"},
        {"base": 50},
        {"base": 0},
        {"unit": "亿元"},
        {"percent": True, "scale": "万"},
        {"percent": True, "unit": "个"},
        {"percent": True, "qualifier": "余"},
        {"scientific": True, "qualifier": "多"},
        {"scientific": True, "scale": "亿"},
    ],
    ids=str,
)
def test_style_rejects_untruthful_or_ambiguous_combinations(
    kwargs: dict[str, object],
) -> None:
    with pytest.raises(ValueError):
        Style(**kwargs)  # type: ignore[arg-type]


def test_phrase_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        phrase(-1, Style())
    with pytest.raises(ValueError):
        phrase(float("nan"), Style())
    with pytest.raises(ValueError):
        phrase(1, Style(), lang="fr")
    with pytest.raises(TypeError):
        phrase(True, Style())


def test_english_large_values_switch_scale() -> None:
    billions = Style(scale="万", decimals=2, unit="核小时")
    assert phrase(D("999999999"), billions, lang="en").text == "1 billion core-hours"
    assert phrase(D("2.5e12"), Style(scale="亿", unit="元"), lang="en").text == (
        "2500 billion yuan"
    )


def test_float_values_are_read_by_their_repr() -> None:
    assert phrase(84.15, Style(percent=True, decimals=2)).exact
    assert phrase(0.1 + 0.2, Style(decimals=1)).text == "0.3"


# -- claims in running text ------------------------------------------------------------------


def test_find_claims_in_a_sentence() -> None:
    text = "累计新药管线800余个，其中1类新药占比超过50%"
    found = find_claims(text)
    assert [c.text for c in found] == ["800余个", "超过50%"]
    assert [text[c.start : c.end] for c in found] == ["800余个", "超过50%"]
    assert found[0].bounds == parse("800余个")


def test_find_claims_strips_bold_and_reports_original_spans() -> None:
    text = "累计新药管线**800**余个，分别为**47%**、约**50**万人，**3692.46万**核小时"
    found = find_claims(text)
    assert [c.text for c in found] == ["800余个", "47%", "约50万人", "3692.46万核小时"]
    assert [text[c.start : c.end] for c in found] == [
        "**800**余个",
        "**47%**",
        "约**50**万人",
        "**3692.46万**核小时",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "预计2023年投入运行",
        "2022年度",
        "1—10月，",
        "2021-2025年",
        "第2轮项目",
        "首轮项目",
        "其中1类新药",
        "入选第三批市级特色产业园区",
        "“四合一”基层人民检察院",
        "“十四五”规划",
        "8月，集中开工",
        "截至9月底",
        "1.2 增强张江综合性国家科学中心",
        "1. 概况",
        "（1）建设",
        "建设5G基站",
        "3D打印",
        "H100芯片",
        "GB/T 15835-2011",
        "近3年来",
        "10:30开会",
        "3号楼",
        "2期工程",
        "3千万",
        "1至10月",
        "COVID-19疫情",
        "No.1",
    ],
)
def test_find_claims_skips_dates_ordinals_and_names(text: str) -> None:
    assert find_claims(text) == []


@pytest.mark.parametrize(
    ("text", "claims"),
    [
        ("签约3家企业", ["3家"]),
        ("最近3次", ["3次"]),
        ("接近90%", ["接近90%"]),
        ("建设周期3年", ["3年"]),
        ("达到 10^{20} W/cm²", ["10^{20} W/cm²"]),
        ("共１,２３４家", ["１,２３４家"]),
        ("共计300", ["300"]),
        ("提高2.3个百分点", ["2.3个百分点"]),
        ("5颗卫星", ["5颗"]),
        ("5匹马", ["5"]),
        ("300", ["300"]),
        ("增长至50%", ["50%"]),
        ("下降-3%", ["3%"]),
    ],
)
def test_find_claims_edge_cases(text: str, claims: list[str]) -> None:
    assert [c.text for c in find_claims(text)] == claims


# Every claim of the seed, in order: the bold figures with their qualifiers and units, and
# the three unbolded measurements (20微米, 10^{20} W/cm², 8×10^{22} W/cm²).
SEED_CLAIMS = [
    "73个", "82个", "62个", "102个",
    "690家", "1943家", "15家", "87家", "38家", "181家", "31家", "162家", "28家",
    "1560亿元", "26.3%", "800余个", "超过50%", "2个", "3个", "503亿元", "313亿元", "190亿元",
    "600余家", "67家", "超500亿元", "32.8%", "304票", "234票", "9家", "7家",
    "约50万人", "超7万人", "约6万人", "8万余人", "20万余人", "5条", "14条",
    "32954小时", "233家", "800个", "1216项", "4081人次", "900余篇", "11篇",
    "47%", "84.15%", "3692.46万核小时", "19023.33万核小时", "1745家",
    "20微米", "10^{20} W/cm²", "800余发次", "170余项", "19202人", "超过80%", "100%", "85%以上",
    "180余篇", "15件", "80000余小时", "243家", "657个", "1042项", "约11700人次", "616篇",
    "12篇", "约50次", "约20次", "7个", "4900小时", "8×10^{22} W/cm²",
]  # fmt: skip

_BOLD = re.compile(r"\*\*(.+?)\*\*")


def test_find_claims_reads_every_claim_of_the_seed() -> None:
    lines = seed_text().splitlines()
    assert [c.text for line in lines for c in find_claims(line)] == SEED_CLAIMS


def test_find_claims_covers_every_bold_figure_of_the_seed() -> None:
    bold_count = 0
    for line in seed_text().splitlines():
        found = find_claims(line)
        for bold in _BOLD.finditer(line):
            bold_count += 1
            covering = [
                c for c in found if c.start <= bold.start() and bold.end() <= c.end
            ]
            assert len(covering) == 1, (line, bold.group(0))
            claim = covering[0]
            assert bold.group(1) in claim.text
            assert line[claim.start : claim.end].replace("**", "") == claim.text
            assert claim.bounds == parse(claim.text)
    assert bold_count == 68


def test_doctests() -> None:
    for module in (writing, parsing, claims, numbers):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, module.__name__
