"""Science-city indicators (issue #4) on small hand-made files; expected values by hand."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from zhangjiang.config import Settings
from zhangjiang.indicators import compute, load_builtin, read_values
from zhangjiang.ingest.service import ingest_paths
from zhangjiang.store import Store, open_store

A, B, C, D, E = (f"91310000TEST0000{n}X" for n in "ABCDE")
V1, V2, K1, K2 = (
    "91310000TESTVC001X",
    "91310000TESTVC002X",
    "91310000TESTBK001X",
    "91310000TESTBK002X",
)


def load(
    store: Store, settings: Settings, folder: Path, dataset: str, rows: list[list[Any]]
) -> int:
    """Ingest one CSV of ``rows`` (header first) and return its batch id."""
    path = folder / f"{dataset}.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    (result,) = ingest_paths(store, dataset, [path], settings)
    assert result.outcome == "loaded", [p.message_en for p in result.problems]
    assert result.batch_id is not None
    return result.batch_id


def values(
    store, period: str, ids: list[str]
) -> dict[tuple[str, tuple], dict[str, Any]]:
    """Compute ``ids`` for ``period`` and return the stored rows keyed by (id, dimensions)."""
    compute(store, period, ids=ids)
    return {
        (r["id"], tuple(sorted(r["dimensions"].items()))): r
        for r in read_values(store, period, ids)
    }


def value(rows: dict, indicator: str, **dims: Any) -> Decimal | None:
    """Return the value of ``indicator`` for ``dims`` from ``values``' result."""
    return rows[(indicator, tuple(sorted(dims.items())))]["value"]


@pytest.fixture(scope="module")
def fixture_store(tmp_path_factory) -> tuple[Store, dict[str, int]]:
    """Load every hand-made file into one store; return it with each dataset's batch id."""
    folder = tmp_path_factory.mktemp("science_city")
    settings = Settings(db=folder / "fixture.duckdb", user="tester")
    store = open_store(settings.db)
    files = [
        ("organizations", ORGS),
        ("hightech-certificates", CERTIFICATES),
        ("listings", LISTINGS),
        ("recognitions", RECOGNITIONS),
        ("industry-monthly", MONTHLY),
        ("drug-pipeline", PIPELINE),
        ("investment-deals", DEALS),
        ("city-investment-totals", CITY),
        ("customs-operations", CUSTOMS),
        ("pilot-enrolments", ENROLMENTS),
        ("talent-survey", TALENT),
        ("events", EVENTS),
    ]
    return store, {
        name: load(store, settings, folder, name, rows) for name, rows in files
    }


# --- Organisations and their records ------------------------------------------------------

ORGS = [
    [
        "统一社会信用代码",
        "机构名称",
        "机构类型",
        "产业标签",
        "是否在区内注册",
        "区内注册日期",
    ],
    [A, "甲（测试）", "企业", "集成电路;人工智能", "是", ""],
    [B, "乙（测试）", "企业", "生物医药;人工智能芯片", "是", "2010-05-01"],
    [C, "丙（测试）", "企业", "电子信息； 人工智能", "是", ""],
    [D, "丁（区外）", "企业", "人工智能", "否", ""],
    [E, "戊（2023年迁入）", "企业", "人工智能", "是", "2023-02-01"],
    [V1, "创投一", "创投机构", "", "是", ""],
    [V2, "创投二（区外）", "创投机构", "", "否", ""],
    [K1, "银行一", "银行", "", "是", "2001-01-01"],
    [K2, "银行二", "银行", "", "是", "2022-06-01"],
]
CERTIFICATES = [
    ["统一社会信用代码", "证书编号", "发证日期"],
    [
        A,
        "GR-A-2019",
        "2019-12-31",
    ],  # valid through 2022-12-30: not valid at the end of 2022
    [
        B,
        "GR-B-2020",
        "2020-01-01",
    ],  # valid through 2022-12-31: valid at the end of 2022
    [C, "GR-C-2018", "2018-06-01"],  # expired 2021-06-01
    [C, "GR-C-2022", "2022-03-01"],  # re-certified in 2022: new and valid
    [D, "GR-D-2022", "2022-05-05"],  # outside the area
    [E, "GR-E-2022", "2022-05-05"],  # registered in the area only in 2023
]
LISTINGS = [
    ["统一社会信用代码", "上市日期", "交易所", "板块", "退市日期"],
    [A, "2019-08-01", "上海证券交易所", "科创板", ""],
    [
        A,
        "2022-06-01",
        "香港联合交易所",
        "主板",
        "",
    ],  # second listing: A is not new in 2022
    [B, "2022-04-01", "深圳证券交易所", "创业板", ""],
    [C, "2015-01-01", "上海证券交易所", "主板", "2021-06-30"],  # delisted
    [D, "2022-01-05", "上海证券交易所", "科创板", ""],  # outside the area
    [E, "2022-07-01", "上海证券交易所", "科创板", ""],  # not yet registered in the area
]
RECOGNITIONS = [
    ["统一社会信用代码", "认定类型", "认定年份"],
    [A, "外资研发中心", "2021"],
    [B, "外资研发中心", "2022"],
    [C, "外资研发中心", "2023"],
    [D, "外资研发中心", "2020"],
    [A, "大企业开放式创新中心", "2022"],
]
ENTERPRISE_IDS = [
    "enterprise.hightech_new",
    "enterprise.hightech_valid",
    "enterprise.listings_new",
    "enterprise.listings_total",
    "enterprise.listings_star",
    "enterprise.foreign_rd_centers",
    "enterprise.open_innovation_centers",
    "finance.vc_institutions",
    "finance.banks",
    "industry.ai_enterprises",
]


def test_enterprise_counts_2022(fixture_store):
    store, batches = fixture_store
    rows = values(store, "2022", ENTERPRISE_IDS)
    # New in 2022: C (re-certified); D is outside, E registered in 2023.
    assert value(rows, "enterprise.hightech_new") == 1
    # Valid on 2022-12-31: B (2020-01-01) and C (2022); not A (2019-12-31 expired on 12-31).
    assert value(rows, "enterprise.hightech_valid") == 2
    # First listed in 2022: B only (A's Hong Kong listing is a second listing).
    assert value(rows, "enterprise.listings_new") == 1
    # Listed at the end of 2022: A and B (C delisted in 2021), once each; STAR: A.
    assert value(rows, "enterprise.listings_total") == 2
    assert value(rows, "enterprise.listings_star") == 1
    # Foreign R&D centers recognised by 2022 in the area: A (2021), B (2022); not C (2023), D.
    assert value(rows, "enterprise.foreign_rd_centers") == 2
    assert value(rows, "enterprise.open_innovation_centers") == 1
    # V1 (V2 is outside); K1 and K2 (registered in June 2022).
    assert value(rows, "finance.vc_institutions") == 1
    assert value(rows, "finance.banks") == 2
    # Tag 人工智能: A, C ("电子信息； 人工智能" with a full-width ; and a space); not B's
    # 人工智能芯片, not D (outside), not E (registered in 2023).
    assert value(rows, "industry.ai_enterprises") == 2
    assert rows[("enterprise.hightech_valid", ())]["sources"] == sorted(
        [batches["organizations"], batches["hightech-certificates"]]
    )
    assert rows[("finance.banks", ())]["sources"] == [batches["organizations"]]
    assert rows[("enterprise.hightech_valid", ())]["reference_period"].startswith(
        "截至2022年"
    )


def test_enterprise_counts_2021(fixture_store):
    store, _batches = fixture_store
    rows = values(store, "2021", ENTERPRISE_IDS)
    assert value(rows, "enterprise.hightech_new") == 0
    # Valid on 2021-12-31: A (2019-12-31 + 3 years > 2021-12-31) and B; C's 2018 certificate expired.
    assert value(rows, "enterprise.hightech_valid") == 2
    # Listed at the end of 2021: A only (C delisted 2021-06-30).
    assert value(rows, "enterprise.listings_total") == 1
    assert value(rows, "enterprise.foreign_rd_centers") == 1
    assert value(rows, "finance.banks") == 1  # K2 came in 2022


# --- Industry statistics and the drug pipeline -------------------------------------------

MONTHLY = [
    ["统一社会信用代码", "产业", "月份", "指标", "金额（万元）"],
    ["IC-X", "集成电路", "2021-01", "销售收入", "100"],
    ["IC-X", "集成电路", "2021-02", "销售收入", "100"],
    [
        "IC-X",
        "集成电路",
        "2021-03",
        "销售收入",
        "50",
    ],  # after the latest 2022 month: not compared
    [
        "IC-Y",
        "集成电路",
        "2021-01",
        "销售收入",
        "200",
    ],  # reports only in 2021: not comparable
    # A unit that has reported is expected every later month of the year: a month
    # without its form is incomplete, so units with nothing to report send zero.
    ["IC-Y", "集成电路", "2021-02", "销售收入", "0"],
    ["IC-Y", "集成电路", "2021-03", "销售收入", "0"],
    ["IC-X", "集成电路", "2022-01", "销售收入", "120"],
    ["IC-X", "集成电路", "2022-02", "销售收入", "130"],
    [
        "IC-Z",
        "集成电路",
        "2022-01",
        "销售收入",
        "50",
    ],  # reports only in 2022: not comparable
    ["IC-Z", "集成电路", "2022-02", "销售收入", "0"],
    ["IC-X", "集成电路", "2022-01", "制造业产值", "999"],  # another metric
    ["BIO-1", "生物医药", "2021-12", "制造业产值", "5"],
    ["BIO-1", "生物医药", "2022-01", "制造业产值", "10.5"],
    ["BIO-1", "生物医药", "2022-02", "制造业产值", "20"],
    ["BIO-2", "生物医药", "2022-02", "服务业营收", "7.25"],
]
PIPELINE = [
    [
        "管线编号",
        "产品名称",
        "企业名称",
        "产品类别",
        "注册分类",
        "研发阶段",
        "进入管线日期",
        "获批上市日期",
    ],
    ["P1", "药一", "甲", "药品", "1类", "临床II期", "2020-01-01", ""],
    ["P2", "药二", "甲", "药品", "1类", "已上市", "2015-01-01", "2022-05-01"],
    ["P3", "药三", "乙", "药品", "2类", "已上市", "2016-01-01", "2022-06-01"],
    ["P4", "药四", "乙", "药品", "1类", "临床前", "2023-02-01", ""],  # enters in 2023
    [
        "P5",
        "药五",
        "丙",
        "药品",
        "3类",
        "终止",
        "",
        "",
    ],  # terminated, date unknown: counted
    ["D1", "器械一", "丙", "创新医疗器械", "", "已上市", "2019-01-01", "2022-03-01"],
    ["D2", "器械二", "丙", "创新医疗器械", "", "已上市", "2019-01-01", "2021-12-31"],
]


def test_industry_year_to_date_and_comparable_growth(fixture_store):
    store, batches = fixture_store
    ids = [
        "industry.ic_revenue",
        "industry.ic_revenue_yoy",
        "industry.bio_scale",
        "industry.bio_manufacturing",
        "industry.bio_services",
    ]
    rows = values(store, "2022", ids)
    # Latest 2022 month is February: IC revenue 120 + 130 + 50 = 300 万元 = 3,000,000 yuan.
    assert value(rows, "industry.ic_revenue") == 3_000_000
    # Comparable: X only. Jan–Feb 2022 = 250, Jan–Feb 2021 = 200: (250 / 200 - 1) x 100 = 25.
    # (All enterprises would give 300 / 400 - 1 = -25 %.)
    assert value(rows, "industry.ic_revenue_yoy") == 25
    # Biomedicine 2022: manufacturing 10.5 + 20 = 30.5 万元, services 7.25 万元.
    assert value(rows, "industry.bio_manufacturing") == 305_000
    assert value(rows, "industry.bio_services") == 72_500
    assert value(rows, "industry.bio_scale") == 377_500
    ic = rows[("industry.ic_revenue", ())]
    assert str(ic["ref_end"]) == "2022-02-28"
    assert ic["reference_period"] == "2022年1—2月"
    assert ic["sources"] == [batches["industry-monthly"]]


def test_growth_is_a_gap_without_a_previous_year(fixture_store):
    store, _batches = fixture_store
    rows = values(store, "2021", ["industry.ic_revenue", "industry.ic_revenue_yoy"])
    # 2021 runs to March: 100 + 100 + 50 + 200 = 450 万元; there is no 2020 to compare with.
    assert value(rows, "industry.ic_revenue") == 4_500_000
    assert rows[("industry.ic_revenue", ())]["reference_period"] == "2021年1—3月"
    assert ("industry.ic_revenue_yoy", ()) not in rows
    assert set(rows) == {("industry.ic_revenue", ())}


def test_no_data_is_a_gap_not_zero(store):
    ids = [i.id for i in _catalogue()]
    assert compute(store, "2022", ids=ids) == []
    assert read_values(store, "2022", ids) == []


def test_drug_pipeline(fixture_store):
    store, _batches = fixture_store
    ids = [
        "bio.pipeline",
        "bio.class1_share",
        "bio.class1_approved",
        "bio.devices_approved",
    ]
    rows = values(store, "2022", ids)
    # Drugs in the pipeline by the end of 2022: P1, P2, P3, P5 (P4 enters in 2023).
    assert value(rows, "bio.pipeline") == 4
    # Class 1 among them: P1, P2 -> 2 / 4 = 50 %.
    assert value(rows, "bio.class1_share") == 50
    # Approved in 2022: class 1 P2 (P3 is class 2); devices D1 (D2 in 2021).
    assert value(rows, "bio.class1_approved") == 1
    assert value(rows, "bio.devices_approved") == 1


# --- Investment, pilots, talent and events ------------------------------------------------

DEALS = [
    [
        "交易编号",
        "企业名称",
        "统一社会信用代码",
        "赛道",
        "投资金额（万元）",
        "交易日期",
        "是否已披露",
    ],
    ["D1", "企业一", "CO-1", "数字经济", "100", "2022-03-01", "是"],
    ["D2", "企业一", "CO-1", "元宇宙", "50", "2022-05-01", "是"],  # same company
    [
        "D3",
        "企业二",
        "",
        "绿色低碳",
        "30.5",
        "2022-07-01",
        "是",
    ],  # no code: counted by name
    ["D4", "企业三", "CO-3", "数字经济", "1000", "2022-08-01", "否"],  # not disclosed
    ["D5", "企业四", "CO-4", "其他", "200", "2022-09-01", "是"],  # not a new track
    ["D6", "企业五", "CO-5", "数字经济", "80", "2021-12-31", "是"],  # 2021
]
CITY = [
    ["年份", "赛道", "全市投资总额（万元）"],
    ["2022", "全部", "722"],
    ["2022", "数字经济", "400"],
    ["2022", "绿色低碳", "300"],
    ["2021", "数字经济", "100"],
    ["2021", "元宇宙", "60"],
]
CUSTOMS = [
    ["日期", "业务类型", "票数"],
    ["2021-12-31", "便捷通关", "5"],
    ["2022-01-04", "便捷通关", "3"],
    ["2022-01-04", "保税仓库", "2"],
    ["2022-09-29", "便捷通关", "4"],
    ["2022-09-30", "保税仓库", "0"],
]
ENROLMENTS = [
    ["企业名称", "统一社会信用代码", "试点项目", "入选日期"],
    ["甲", A, "生物医药特殊物品白名单", "2021-05-01"],
    ["乙", B, "生物医药特殊物品白名单", "2022-03-01"],
    ["丙", C, "生物医药特殊物品白名单", "2023-01-05"],
    ["甲", A, "集成电路设计全程保税", "2022-01-01"],
]
TALENT = [
    ["年份", "统一社会信用代码", "所属产业", "从业人员", "硕士", "博士"],
    ["2022", "T1", "集成电路", "100", "10", "2"],
    ["2022", "T2", "人工智能", "50", "5", ""],
    ["2022", "T3", "电子信息", "70", "7", "3"],
    ["2022", "T4", "生物医药", "30", "", ""],
    ["2022", "T5", "其他", "20", "0", "0"],
    ["2021", "T1", "集成电路", "90", "9", "1"],
]
EVENTS = [
    ["事件编号", "日期", "日期精度", "事件类型", "分组", "顺序", "中文表述"],
    ["E1", "2022-08-01", "月", "集中开工", "industry", "1", "8月，三个项目集中开工"],
    ["E2", "2022-12-31", "年", "联盟成立", "new_tracks", "1", "成立联盟"],
    ["E3", "2022-12-31", "年", "园区入选", "new_tracks", "2", "基地入选特色产业园区"],
    ["E4", "2021-05-01", "日", "其他", "lead", "1", "上年事件"],
]


def test_investment_in_the_new_tracks(fixture_store):
    store, batches = fixture_store
    deals, city = batches["investment-deals"], batches["city-investment-totals"]
    ids = [
        "investment.disclosed_companies",
        "investment.amount",
        "investment.city_share",
    ]
    rows = values(store, "2022", ids)
    # Disclosed new-track deals of 2022: D1, D2 (企业一), D3 (企业二) -> 2 companies.
    assert value(rows, "investment.disclosed_companies") == 2
    # 100 + 50 + 30.5 = 180.5 万元.
    assert value(rows, "investment.amount") == 1_805_000
    # 180.5 / 722 (the 全部 row) = 25 %.
    assert value(rows, "investment.city_share") == 25
    assert rows[("investment.city_share", ())]["sources"] == [deals, city]
    # 2021 has no 全部 row: the tracks add up to 160; D6 80 / 160 = 50 %.
    assert value(values(store, "2021", ids), "investment.city_share") == 50


def test_customs_tickets_as_of_the_latest_day(fixture_store):
    store, _batches = fixture_store
    rows = values(store, "2022", ["pilot.customs_tickets"])
    clearance = rows[("pilot.customs_tickets", (("kind", "便捷通关"),))]
    bonded = rows[("pilot.customs_tickets", (("kind", "保税仓库"),))]
    assert clearance["value"] == 3 + 4 and bonded["value"] == 2 + 0
    assert bonded["reference_period"] == "截至2022年9月底"
    assert clearance["reference_period"] == "截至2022年9月29日"


def test_pilot_enrolments(fixture_store):
    store, _batches = fixture_store
    ids = ["pilot.biomed_whitelist", "pilot.ic_bonded"]
    rows = values(store, "2022", ids)
    assert value(rows, "pilot.biomed_whitelist") == 2  # A, B; C joins in 2023
    assert value(rows, "pilot.ic_bonded") == 1
    assert value(values(store, "2021", ids), "pilot.biomed_whitelist") == 1


def test_talent_survey(fixture_store):
    store, _batches = fixture_store
    rows = values(
        store,
        "2022",
        ["talent.employees", "talent.masters_doctors", "talent.by_industry"],
    )
    assert value(rows, "talent.employees") == 100 + 50 + 70 + 30 + 20
    assert value(rows, "talent.masters_doctors") == 10 + 2 + 5 + 7 + 3
    assert value(rows, "talent.by_industry", industry="集成电路") == 100
    assert value(rows, "talent.by_industry", industry="人工智能和电子信息") == 50 + 70
    assert value(rows, "talent.by_industry", industry="生物医药") == 30
    assert value(rows, "talent.by_industry", industry="其他") == 20


def test_events_are_counted_by_group(fixture_store):
    store, batches = fixture_store
    rows = values(store, "2022", ["events.count"])
    assert {k[1]: r["value"] for k, r in rows.items()} == {
        (("group", "industry"),): 1,
        (("group", "new_tracks"),): 2,
    }
    assert all(r["sources"] == [batches["events"]] for r in rows.values())


def _catalogue() -> list:
    expected = {
        *ENTERPRISE_IDS,
        "industry.ic_revenue",
        "industry.ic_revenue_yoy",
        "industry.bio_scale",
        "industry.bio_manufacturing",
        "industry.bio_services",
        "bio.pipeline",
        "bio.class1_share",
        "bio.class1_approved",
        "bio.devices_approved",
        "investment.disclosed_companies",
        "investment.amount",
        "investment.city_share",
        "pilot.customs_tickets",
        "pilot.biomed_whitelist",
        "pilot.ic_bonded",
        "talent.employees",
        "talent.masters_doctors",
        "talent.by_industry",
        "events.count",
    }
    catalogue = load_builtin()
    assert expected <= set(catalogue)
    return [catalogue[i] for i in sorted(expected)]


def test_every_science_city_indicator_is_documented():
    mine = _catalogue()
    assert len(mine) == 29
    for ind in mine:
        assert (
            ind.title_zh
            and ind.title_en
            and ind.unit
            and ind.description_zh
            and ind.description_en
        ), ind.id
        assert ind.inputs and ind.period_rule in (
            "year",
            "ytd",
            "asof",
            "cumulative",
        ), ind.id
        assert ind.style and (ind.keywords or ind.id == "events.count"), ind.id


def test_cli_indicators_json_gives_the_hand_checked_values(fixture_store):
    """The CLI contract over the same fixture: `compute` then `indicators --format json`."""
    import json

    from typer.testing import CliRunner

    from zhangjiang.cli import app

    store, batches = fixture_store
    runner = CliRunner()
    db = str(store.path)
    assert (
        runner.invoke(app, ["--db", db, "compute", "--period", "2022"]).exit_code == 0
    )
    res = runner.invoke(
        app, ["--db", db, "indicators", "--period", "2022", "--format", "json"]
    )
    assert res.exit_code == 0, res.output
    got = {
        (r["id"], json.dumps(r["dimensions"], sort_keys=True)): r
        for r in json.loads(res.stdout)
    }
    # Same arithmetic as above: comparable growth 250 / 200 - 1 = 25 %; certificates valid on
    # 2022-12-31: B (issued 2020-01-01) and C (2022), not A (issued 2019-12-31).
    assert got[("industry.ic_revenue_yoy", "{}")]["value"] == 25
    assert got[("industry.ic_revenue_yoy", "{}")]["reference_period"] == "2022年1—2月"
    assert got[("enterprise.hightech_valid", "{}")]["value"] == 2
    assert got[("enterprise.hightech_valid", "{}")]["sources"] == sorted(
        [batches["organizations"], batches["hightech-certificates"]]
    )
