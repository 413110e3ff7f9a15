"""The science-city demo (issue #4): built through ingest, it gives the seed's 2022 figures."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest

from zhangjiang.config import Settings
from zhangjiang.demo import build_demo
from zhangjiang.indicators import compute, load_builtin, read_values
from zhangjiang.store import Store, open_store

YI = Decimal(10) ** 8


@pytest.fixture(scope="module")
def demo(
    tmp_path_factory,
) -> tuple[Store, dict[tuple[str, tuple], dict[str, Any]], list[Any]]:
    """Build the science-city demo once, compute its indicators for 2022."""
    tmp = tmp_path_factory.mktemp("science_city_demo")
    settings = Settings(db=tmp / "demo.duckdb", user="tester")
    store = open_store(settings.db)
    results = build_demo(store, settings, tmp / "files", only=["science_city"])
    ids = [
        i.id
        for i in load_builtin().values()
        if i.domain == "science_city" and not i.id.startswith("projects.")
    ]
    compute(store, "2022", ids=ids)
    rows = {}
    for r in read_values(store, "2022", ids):
        # Compare exactly whatever number type the engine returns.
        r["value"] = None if r["value"] is None else Decimal(str(r["value"]))
        rows[(r["id"], tuple(sorted(r["dimensions"].items())))] = r
    return store, rows, results


def shown(value: Decimal, places: str = "1") -> Decimal:
    """Round like the report does (half up) to the given step."""
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def test_every_demo_file_loads_and_one_is_excel(demo):
    _store, _rows, results = demo
    assert results and all(r.outcome == "loaded" for r in results), [
        (r.file, [p.message_en for p in r.problems])
        for r in results
        if r.outcome != "loaded"
    ]
    assert any(Path(r.file).suffix == ".xlsx" for r in results)
    assert {r.dataset for r in results} >= {
        "organizations",
        "industry-monthly",
        "events",
        "talent-survey",
    }


@pytest.mark.parametrize(
    ("indicator", "expected"),
    [
        pytest.param("enterprise.hightech_new", 690, id="hightech-new"),
        pytest.param("enterprise.hightech_valid", 1943, id="hightech-valid"),
        pytest.param("enterprise.listings_new", 15, id="listings-new"),
        pytest.param("enterprise.listings_total", 87, id="listings-total"),
        pytest.param("enterprise.listings_star", 38, id="listings-star"),
        pytest.param("enterprise.foreign_rd_centers", 181, id="foreign-rd"),
        pytest.param("enterprise.open_innovation_centers", 31, id="open-innovation"),
        pytest.param("finance.vc_institutions", 162, id="vc"),
        pytest.param("finance.banks", 28, id="banks"),
        pytest.param("bio.class1_approved", 2, id="class1-approved"),
        pytest.param("bio.devices_approved", 3, id="devices-approved"),
        pytest.param("investment.disclosed_companies", 67, id="deal-companies"),
        pytest.param("pilot.biomed_whitelist", 9, id="whitelist"),
        pytest.param("pilot.ic_bonded", 7, id="ic-bonded"),
    ],
)
def test_exact_counts(demo, indicator, expected):
    _store, rows, _results = demo
    assert rows[(indicator, ())]["value"] == expected


def test_amounts_and_percentages_as_the_seed_writes_them(demo):
    _store, rows, _results = demo

    def v(indicator: str, **dims: Any) -> Decimal:
        return rows[(indicator, tuple(sorted(dims.items())))]["value"]

    assert shown(v("industry.ic_revenue") / YI) == 1560  # 1560亿元
    assert shown(v("industry.ic_revenue_yoy"), "0.1") == Decimal("26.3")  # 26.3%
    assert shown(v("industry.bio_scale") / YI) == 503
    assert shown(v("industry.bio_manufacturing") / YI) == 313
    assert shown(v("industry.bio_services") / YI) == 190
    assert 800 < v("bio.pipeline") < 900  # 800余个
    assert v("bio.class1_share") > 50  # 超过50%
    assert 600 < v("industry.ai_enterprises") < 700  # 600余家
    assert v("investment.amount") > 500 * YI  # 超500亿元
    assert shown(v("investment.city_share"), "0.1") == Decimal("32.8")
    assert v("pilot.customs_tickets", kind="便捷通关") == 304
    assert v("pilot.customs_tickets", kind="保税仓库") == 234
    assert 495_000 <= v("talent.employees") < 505_000  # 约50万
    assert v("talent.masters_doctors") > 70_000  # 超7万
    assert 55_000 <= v("talent.by_industry", industry="集成电路") < 65_000  # 约6万
    assert 80_000 < v("talent.by_industry", industry="生物医药") < 90_000  # 8万余
    assert (
        200_000 < v("talent.by_industry", industry="人工智能和电子信息") < 210_000
    )  # 20万余


def test_reference_periods(demo):
    _store, rows, _results = demo
    for indicator in (
        "industry.ic_revenue",
        "industry.ic_revenue_yoy",
        "industry.bio_scale",
    ):
        assert rows[(indicator, ())]["reference_period"] == "2022年1—10月", indicator
        assert str(rows[(indicator, ())]["ref_end"]) == "2022-10-31"
    customs = rows[("pilot.customs_tickets", (("kind", "便捷通关"),))]
    assert customs["reference_period"] == "截至2022年9月底"
    assert str(customs["ref_end"]) == "2022-09-30"


def test_events_behind_the_narrative_lines(demo):
    store, rows, _results = demo
    counts = {
        dict(k[1])["group"]: r["value"]
        for k, r in rows.items()
        if k[0] == "events.count"
    }
    assert counts == {
        "lead": 2,
        "science_city": 1,
        "finance": 1,
        "industry": 1,
        "new_tracks": 3,
        "institutions": 3,
        "facilities": 1,
    }
    texts = [
        r["text_zh"]
        for r in store.query(
            'SELECT text_zh FROM events WHERE "date" >= DATE \'2022-01-01\' ORDER BY "group", "order"'
        )
    ]
    for line in (
        "编制完成张江科学城扩区提质行动方案",
        "8月，张江人工智能岛二期",
        "成立张江元宇宙创新发展联盟",
        "入选第三批市级特色产业园区",
        "知识产权“四合一”基层人民检察院",
        "试点启动空运研发材料查验快速通道",
        "上海股权托管交易中心、长三角资本市场服务基地",
        "新一批“十四五”国家重大科技基础设施规划正式项目和储备项目稳步推进",
    ):
        assert any(line in t for t in texts), line


def test_every_value_points_to_demo_batches(demo):
    store, rows, _results = demo
    notes = {
        b["id"]: (b["dataset"], b["note"])
        for b in store.query("SELECT id, dataset, note FROM batches")
    }
    catalogue = load_builtin()
    for (indicator, _dims), row in rows.items():
        assert row["sources"], indicator
        for batch in row["sources"]:
            dataset, note = notes[batch]
            assert "示例" in note, (indicator, batch)
            assert dataset in catalogue[indicator].inputs, (indicator, dataset)


def test_the_generator_is_deterministic(tmp_path):
    from zhangjiang.demo.science_city import generate

    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir(), second.mkdir()
    files = [f.path.name for f in generate(first, 1)]
    generate(second, 1)
    texts = [n for n in files if n.endswith(".csv")]
    assert len(texts) >= 10
    for name in texts:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    head = (
        (first / "organizations_synthetic.csv")
        .read_text(encoding="utf-8-sig")
        .splitlines()[1]
    )
    assert head.startswith("91310000DEMO00001X,示例企业0001（合成）")
