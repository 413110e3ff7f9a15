"""Science-city forms (issue #4): Excel templates, and files with bad rows rejected whole."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from tests.conftest import table_counts
from zhangjiang.config import Settings
from zhangjiang.forms import get_form
from zhangjiang.forms.template import write_template
from zhangjiang.ingest.service import ingest_paths, list_batches
from zhangjiang.store import Store, open_store

FORMS = [
    "organizations",
    "hightech-certificates",
    "listings",
    "recognitions",
    "industry-monthly",
    "drug-pipeline",
    "investment-deals",
    "city-investment-totals",
    "customs-operations",
    "pilot-enrolments",
    "talent-survey",
    "events",
]
CODE_A, CODE_B = "91310000TEST00001X", "91310000TEST00002X"


@pytest.mark.parametrize("name", FORMS)
def test_template_writes_both_headers_and_drop_downs(name, tmp_path):
    form = get_form(name)
    path = write_template(form, tmp_path / f"{name}.xlsx", rows=20)
    wb = openpyxl.load_workbook(path)
    data = wb.worksheets[0]
    zh = [f"{c.zh}（{c.unit}）" if c.unit else c.zh for c in form.columns]
    assert [cell.value for cell in data[1]] == zh
    assert [cell.value for cell in data[2]] == [
        c.en + (f" ({c.unit})" if c.unit else "") for c in form.columns
    ]
    with_lists = [c for c in form.columns if c.allowed]
    assert len(data.data_validations.dataValidation) == len(with_lists)
    notes = wb.worksheets[1]
    assert notes["A2"].value == f"报表代码 / form: {name}"
    assert (
        form.domain == "science_city"
        and form.notes_zh
        and len(form.notes_zh) == len(form.notes_en)
    )
    for col in form.columns:
        if col.type in ("integer", "decimal") and col.name not in ("order",):
            assert col.min == 0, f"{name}.{col.name} should reject negatives"


# Each case: header, rows (data start at line 2), and the (problem kind, line) expected.
BAD = {
    "organizations": (
        ["统一社会信用代码", "机构名称", "机构类型", "是否在区内注册"],
        [
            [CODE_A, "甲", "企业", "是"],
            [CODE_B, "乙", "公司", "是"],
            ["91310000TEST00003X", "丙", "企业", "也许"],
            [CODE_A, "甲二", "企业", "否"],
            ["91310000TEST00004X", "", "银行", "是"],
        ],
        {
            ("value-not-allowed", 3),
            ("bad-type", 4),
            ("duplicate-key", 5),
            ("required-missing", 6),
        },
    ),
    "hightech-certificates": (
        ["统一社会信用代码", "证书编号", "发证日期"],
        [
            [CODE_A, "GR1", "2022-13-01"],
            [CODE_B, "GR2", "2022-05-01"],
            [CODE_A, "GR2", "2022-06-01"],
        ],
        {("bad-date", 2), ("duplicate-key", 4)},
    ),
    "listings": (
        ["统一社会信用代码", "上市日期", "交易所", "板块"],
        [
            [CODE_A, "2022-01-05", "上海证券交易所", "主板块"],
            [CODE_B, "", "深圳证券交易所", "创业板"],
        ],
        {("value-not-allowed", 2), ("required-missing", 3)},
    ),
    "recognitions": (
        ["统一社会信用代码", "认定类型", "认定年份"],
        [[CODE_A, "研发中心", "2022"], [CODE_B, "外资研发中心", "二〇二二"]],
        {("value-not-allowed", 2), ("bad-type", 3)},
    ),
    "industry-monthly": (
        ["统一社会信用代码", "产业", "月份", "指标", "金额（万元）"],
        [
            [CODE_A, "集成电路", "2022-01", "销售收入", "-5"],
            [CODE_A, "集成电路", "2022-02", "利润", "5"],
            [CODE_A, "集成电路", "2022-13", "销售收入", "5"],
            [CODE_B, "集成电路", "2022-01", "销售收入", "1,200.5"],
        ],
        {("below-minimum", 2), ("value-not-allowed", 3), ("bad-date", 4)},
    ),
    "drug-pipeline": (
        ["管线编号", "产品名称", "企业名称", "产品类别", "注册分类", "研发阶段"],
        [
            ["P1", "示例药", "甲", "药品", "1", "临床前"],
            ["P2", "示例药2", "甲", "药品", "1类", ""],
        ],
        {("value-not-allowed", 2), ("required-missing", 3)},
    ),
    "investment-deals": (
        ["交易编号", "企业名称", "赛道", "投资金额（万元）", "交易日期", "是否已披露"],
        [
            ["D1", "甲", "数字经济", "100", "2022-03-01", "不详"],
            ["D2", "乙", "元宇宙", "-1", "2022-03-01", "是"],
            ["D3", "丙", "区块链", "1", "2022-03-01", "是"],
        ],
        {("bad-type", 2), ("below-minimum", 3), ("value-not-allowed", 4)},
    ),
    "city-investment-totals": (
        ["年份", "赛道", "全市投资总额（万元）"],
        [["2022", "全市", "100"], ["2022", "数字经济", "十亿"]],
        {("value-not-allowed", 2), ("bad-type", 3)},
    ),
    "customs-operations": (
        ["日期", "业务类型", "票数"],
        [
            ["2022-01-04", "便捷通关", "-3"],
            ["2022-01-05", "便捷通关", "1.5"],
            ["2022-01-06", "保税仓库", "2"],
            ["2022-01-06", "保税仓库", "1"],
        ],
        {("below-minimum", 2), ("bad-type", 3), ("duplicate-key", 5)},
    ),
    "pilot-enrolments": (
        ["企业名称", "统一社会信用代码", "试点项目", "入选日期"],
        [
            ["甲", CODE_A, "集成电路白名单", "2022-03-01"],
            ["乙", CODE_B, "集成电路设计全程保税", "2022/02/30"],
        ],
        {("value-not-allowed", 2), ("bad-date", 3)},
    ),
    "talent-survey": (
        ["年份", "统一社会信用代码", "所属产业", "从业人员", "硕士", "博士"],
        [
            ["2022", CODE_A, "集成电路", "-1", "0", "0"],
            ["2022", CODE_B, "金融", "10", "1", "0"],
        ],
        {("below-minimum", 2), ("value-not-allowed", 3)},
    ),
    "events": (
        ["事件编号", "日期", "事件类型", "分组", "顺序", "中文表述"],
        [
            ["E1", "2022-08-01", "集中开工", "industry", "0", "集中开工"],
            ["E2", "2022-09-01", "联盟成立", "misc", "1", "成立联盟"],
            ["E3", "2022-09-02", "联盟成立", "new_tracks", "2", ""],
        ],
        {("below-minimum", 2), ("value-not-allowed", 3), ("required-missing", 4)},
    ),
}


@pytest.fixture(scope="module")
def empty(tmp_path_factory) -> tuple[Store, Settings]:
    """Return one store for the rejection tests: a rejected file leaves it empty."""
    settings = Settings(
        db=tmp_path_factory.mktemp("forms") / "forms.duckdb", user="tester"
    )
    return open_store(settings.db), settings


def test_every_form_has_a_bad_rows_case():
    assert sorted(BAD) == sorted(FORMS)


@pytest.mark.parametrize("name", FORMS)
def test_bad_rows_reject_the_whole_file(name, empty, write_csv):
    store, settings = empty
    header, rows, expected = BAD[name]
    before = table_counts(store)
    path = write_csv(f"{name}.csv", [header, *rows])
    (result,) = ingest_paths(store, name, [path], settings)
    assert result.outcome == "rejected"
    assert {(p.kind.type, p.row) for p in result.problems if p.is_error} == expected
    assert table_counts(store) == before
    assert list_batches(store, name) == []


def test_rows_outside_the_given_period_are_rejected(empty, write_csv):
    store, settings = empty
    path = write_csv(
        "customs.csv",
        [
            ["日期", "业务类型", "票数"],
            ["2022-09-30", "便捷通关", "3"],
            ["2021-12-31", "保税仓库", "1"],
        ],
    )
    (result,) = ingest_paths(
        store, "customs-operations", [path], settings, period="2022"
    )
    assert result.outcome == "rejected"
    assert [(p.kind.type, p.row) for p in result.problems] == [("outside-period", 3)]
    assert list_batches(store, "customs-operations") == []


def test_a_filled_template_loads(store, settings, tmp_path: Path):
    form = get_form("city-investment-totals")
    path = write_template(form, tmp_path / "city.xlsx", rows=5)
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    for r, row in enumerate([(2022, "全部", 1000), (2022, "数字经济", 600.5)], start=3):
        for c, value in enumerate(row, start=1):
            ws.cell(r, c, value)
    wb.save(path)
    (result,) = ingest_paths(store, "city-investment-totals", [path], settings)
    assert result.outcome == "loaded", [p.message_en for p in result.problems]
    assert result.rows == 2
    assert store.query(
        "SELECT year, track, amount FROM city_investment_totals ORDER BY track"
    ) == [
        {"year": 2022, "track": "全部", "amount": 1000},
        {"year": 2022, "track": "数字经济", "amount": pytest.approx(600.5)},
    ]
