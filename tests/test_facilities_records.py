"""Facility status, milestones, research ward and instrument logs on hand-made fixtures."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import table_counts
from zhangjiang.config import Settings
from zhangjiang.indicators import compute, load_builtin, read_values
from zhangjiang.ingest.service import ingest_paths
from zhangjiang.store import Store

Loader = Callable[[str, list[list[Any]]], None]


@pytest.fixture(autouse=True, scope="module")
def _no_snapshot() -> Iterator[None]:
    """Skip the web snapshot written after every ingest and compute: these tests read the store."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("zhangjiang.snapshot.write_snapshot", lambda store: store.path)
        yield


@pytest.fixture
def load(store: Store, settings: Settings, write_csv: Callable[..., Path]) -> Loader:
    """Return a function loading rows into a dataset, asserting that they load."""
    counter = iter(range(1000))

    def _load(dataset: str, rows: list[list[Any]]) -> None:
        path = write_csv(f"{dataset}_{next(counter)}.csv", rows)
        result = ingest_paths(store, dataset, [path], settings)[0]
        assert result.outcome == "loaded", [p.message_en for p in result.problems]

    return _load


def test_status_counts_take_the_latest_change_before_period_end(
    store: Store, load: Loader
) -> None:
    load(
        "facility-status",
        [
            ["设施编号", "生效日期", "状态"],
            ["ssrf2", "2016-11-30", "在建"],
            ["ssrf2", "2022-09-01", "试运行"],
            ["hard_xfel", "2018-04-27", "在建"],
            ["soft_xfel", "2014-12-30", "在建"],
            ["soft_xfel", "2023-06-01", "开放运行"],
        ],
    )
    now, then = _period(store, "2022"), _period(store, "2021")
    assert now["facility.count"] == {("在建",): 2, ("试运行",): 1}
    assert then["facility.count"] == {("在建",): 3}


def test_milestones_measured_values_and_beamlines(store: Store, load: Loader) -> None:
    load(
        "facilities",
        [
            ["设施编号", "设施名称", "英文名称", "设施类型", "光束线（站）数"],
            ["ssrf2", "上海光源线站工程（光源二期）", "SSRF phase II", "光源", 14],
            ["sulf", "上海超强超短激光实验装置", "SULF", "激光装置", ""],
        ],
    )
    load(
        "facility-milestones",
        [
            [
                "设施编号",
                "日期",
                "进展类型",
                "进展内容",
                "测量量",
                "测量值",
                "单位",
                "顺序",
            ],
            ["ssrf2", "2022-12-31", "光束线通光", "所有光束线均已通光", "", "", "", 1],
            ["ssrf2", "2022-12-31", "工艺测试", "完成工艺测试", "", "", "", 2],
            ["ssrf2", "2021-10-01", "设备安装", "示例（合成）", "", "", "", 1],
            [
                "sulf",
                "2022-05-31",
                "世界纪录",
                "8×10^{22} W/cm²",
                "聚焦光强",
                "80000000000000000000000",
                "W/cm²",
                1,
            ],
            [
                "shenguang2",
                "2022-09-30",
                "技术突破",
                "20微米小焦斑",
                "焦斑尺寸",
                "20",
                "微米",
                1,
            ],
        ],
    )
    now, then = _period(store, "2022"), _period(store, "2021")
    assert now["facility.milestones"] == {
        ("shenguang2",): 1,
        ("ssrf2",): 2,
        ("sulf",): 1,
    }
    assert then["facility.milestones"] == {("ssrf2",): 1}
    assert now["facility.beamlines"] == then["facility.beamlines"] == {("ssrf2",): 14}
    assert now["facility.focused_intensity"] == {("sulf",): 800}  # in 10^20 W/cm²
    assert now["facility.focal_spot"] == {("shenguang2",): 20}


def test_ward_figures(store: Store, load: Loader) -> None:
    load(
        "ward-studies",
        [
            ["设施编号", "研究编号", "启动日期", "入组病例数"],
            ["ward", "S1", "2021-05-01", 100],
            ["ward", "S2", "2022-03-01", 50],
            ["ward", "S3", "2023-01-10", 7],
        ],
    )
    load(
        "ward-beds",
        [
            ["设施编号", "月份", "实际开放床日数", "实际占用床日数"],
            ["ward", "2021-12", 310, 100],
            ["ward", "2022-01", 310, 250],
            ["ward", "2022-02", 280, 230],
        ],
    )
    load(
        "platform-operations",
        [
            [
                "设施编号",
                "平台名称",
                "月份",
                "计划运行机时",
                "实际运行机时",
                "对外开放机时",
            ],
            ["ward", "平台A", "2022-01", 100, 100, 90],
            ["ward", "平台B", "2022-01", 100, 80, 60],
        ],
    )
    load(
        "outputs",
        [
            ["设施编号", "成果编号", "成果类型", "申请方式", "申请日期"],
            ["ward", "O1", "专利", "申请", "2022-02-01"],
            ["ward", "O2", "新技术", "协助申请", "2022-08-01"],
            ["ward", "O3", "软件著作权", "申请", "2022-09-01"],
            ["ward", "O4", "专利", "申请", "2021-12-31"],
        ],
    )
    now, then = _period(store, "2022"), _period(store, "2021")
    assert now["facility.ward_studies"] == {("ward",): 2}  # S1, S2
    assert now["facility.ward_cases"] == {("ward",): 150}
    assert then["facility.ward_cases"] == {("ward",): 100}
    # (250 + 230) / (310 + 280): the December 2021 month is another year.
    assert now["facility.bed_utilization"] == {
        ("ward",): pytest.approx(100 * 480 / 590, abs=1e-5)
    }
    assert now["facility.platform_running_rate"] == {("ward",): 90}  # 180 / 200
    assert now["facility.platform_open_rate"] == {
        ("ward",): pytest.approx(100 * 150 / 180, abs=1e-5)
    }
    assert now["facility.patents"] == {("ward",): 2}  # not the software copyright
    (value,) = read_values(store, "2022", ids=["facility.bed_utilization"])
    assert value["reference_period"] == "2022年1—2月"


def test_instrument_logs(store: Store, load: Loader) -> None:
    load(
        "laser-shots",
        [
            ["设施编号", "日期", "能量级别", "发次"],
            ["shenguang2", "2021-03-01", "大能量", 10],
            ["shenguang2", "2022-05-01", "大能量", 7],
            ["shenguang2", "2022-05-01", "调试", 50],
            ["shenguang2", "2023-01-02", "大能量", 4],
        ],
    )
    load(
        "technical-services",
        [
            ["设施编号", "仪器名称", "服务日期", "服务次数"],
            ["liver_cancer", "小动物活体成像系统", "2022-01-05", 3],
            ["liver_cancer", "小动物活体成像系统", "2022-02-05", 2],
            ["liver_cancer", "X射线辐照仪", "2022-01-05", 1],
        ],
    )
    load(
        "platforms",
        [
            ["设施编号", "平台名称", "建成日期"],
            ["liver_cancer", "平台A", "2022-01-01"],
            ["liver_cancer", "平台B", "2023-01-01"],
            ["liver_cancer", "平台C", ""],
        ],
    )
    load(
        "equipment-hours",
        [
            ["设施编号", "平台名称", "月份", "运行时长"],
            ["liver_cancer", "平台A", "2022-01", "10.5"],
            ["liver_cancer", "平台A", "2022-02", 20],
        ],
    )
    now, then = _period(store, "2022"), _period(store, "2021")
    assert now["facility.laser_shots"] == {("shenguang2",): 17}  # 10 + 7
    assert then["facility.laser_shots"] == {("shenguang2",): 10}
    assert now["facility.technical_services"] == {
        ("liver_cancer", "X射线辐照仪"): 1,
        ("liver_cancer", "小动物活体成像系统"): 5,
    }
    assert now["facility.platforms"] == {("liver_cancer",): 1}
    assert now["facility.equipment_hours"] == {("liver_cancer",): 30.5}


@pytest.mark.parametrize(
    ("dataset", "rows", "kinds"),
    [
        pytest.param(
            "facility-status",
            [["设施编号", "生效日期", "状态"], ["ssrf", "2022-01-01", "已建成"]],
            ["value-not-allowed"],
            id="status",
        ),
        pytest.param(
            "laser-shots",
            [
                ["设施编号", "日期", "能量级别", "发次"],
                ["shenguang2", "2022-01-01", "大能量", -5],
            ],
            ["below-minimum"],
            id="negative-shots",
        ),
        pytest.param(
            "ward-beds",
            [
                ["设施编号", "月份", "实际开放床日数", "实际占用床日数"],
                ["ward", "2022-13", 1, 1],
            ],
            ["bad-date"],
            id="bad-month",
        ),
        pytest.param(
            "facility-milestones",
            [
                ["设施编号", "日期", "进展类型", "进展内容", "顺序"],
                ["ssrf2", "2022-01-01", "验收", "通过验收", 1],
                ["ssrf2", "2022-01-01", "验收", "重复一行", 1],
                ["ssrf2", "2022-02-01", "完工", "示例", 1],
                ["ssrf2", "2022-03-01", "验收", "", 1],
            ],
            ["duplicate-key", "required-missing", "value-not-allowed"],
            id="milestones",
        ),
    ],
)
def test_bad_rows_reject_the_file(
    store: Store,
    settings: Settings,
    write_csv: Callable[..., Path],
    dataset: str,
    rows: list[list[Any]],
    kinds: list[str],
) -> None:
    before = table_counts(store)
    result = ingest_paths(store, dataset, [write_csv("bad.csv", rows)], settings)[0]
    assert result.outcome == "rejected"
    assert sorted({p.kind.type for p in result.problems if p.is_error}) == kinds
    assert table_counts(store) == before


def _period(store: Store, period: str) -> dict[str, dict[tuple[Any, ...], float]]:
    """Compute every facility indicator for ``period`` once; return values by id and dimensions."""
    ids = [i for i in load_builtin() if i.startswith("facility.")]
    compute(store, period, ids=ids)
    out: dict[str, dict[tuple[Any, ...], float]] = {i: {} for i in ids}
    for v in read_values(store, period, ids=ids):
        out[v["id"]][tuple(v["dimensions"].values())] = float(v["value"])
    return out
