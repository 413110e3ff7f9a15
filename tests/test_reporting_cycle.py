"""The reporting cycle: cells per (period x reporter), completeness labels, every period, year on year."""

from __future__ import annotations

import csv
import itertools
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from zhangjiang.config import Settings
from zhangjiang.indicators import compute, read_values
from zhangjiang.ingest.service import ingest_paths, validate_path
from zhangjiang.report import render_report
from zhangjiang.report.check import check_text
from zhangjiang.staleness import stale_inputs
from zhangjiang.store import Store, open_store

HEADER = ["统一社会信用代码", "企业名称", "产业", "月份", "指标", "金额"]
FIRMS = ("91310000CYCLE0001X", "91310000CYCLE0002X", "91310000CYCLE0003X")


def monthly_rows(year: int, months: range, scale: int = 1) -> list[list[Any]]:
    """IC sales revenue (万元) of three firms; firm i earns (100 + 10 i + month) x scale."""
    return [
        [
            code,
            f"示例企业{i}（合成）",
            "集成电路",
            f"{year}-{m:02d}",
            "销售收入",
            (100 + 10 * i + m) * scale,
        ]
        for m in months
        for i, code in enumerate(FIRMS)
    ]


def expected_wan(year: int, months: range, scale: int = 1) -> int:
    return sum((100 + 10 * i + m) * scale for m in months for i in range(len(FIRMS)))


def write(folder: Path, name: str, rows: list[list[Any]]) -> Path:
    path = folder / name
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    return path


def load(store: Store, settings: Settings, path: Path, **options: Any):
    (result,) = ingest_paths(
        store, "industry-monthly", [path], settings, snapshot=False, **options
    )
    assert result.outcome in ("loaded", "duplicate"), [
        p.message_en for p in result.problems
    ]
    return result


def ic(store: Store, period: str) -> dict[str, Any] | None:
    rows = [r for r in read_values(store, period, ["industry.ic_revenue"])]
    return rows[0] if rows else None


def test_a_november_december_file_adds_to_january_october(store, settings, tmp_path):
    load(store, settings, write(tmp_path, "2021.csv", monthly_rows(2021, range(1, 13))))
    first = load(
        store,
        settings,
        write(tmp_path, "jan-oct.csv", monthly_rows(2022, range(1, 11), 2)),
    )
    compute(store)
    jan_oct = ic(store, "2022")
    assert jan_oct["reference_period"] == "2022年1—10月"
    assert Decimal(str(jan_oct["value"])) == expected_wan(2022, range(1, 11), 2) * 10000

    plan = validate_path(
        "industry-monthly",
        write(tmp_path, "nov-dec.csv", monthly_rows(2022, range(11, 13), 3)),
        settings,
        store=store,
    ).plan
    assert plan is not None and len(plan.added) == 6 and not plan.replaced
    second = load(store, settings, tmp_path / "nov-dec.csv")
    assert second.superseded == [] and second.plan.replaced == []
    batches = {
        b["id"]: b["status"] for b in store.query("SELECT id, status FROM batches")
    }
    assert batches[first.batch_id] == "loaded"
    assert [s["batch_id"] for s in stale_inputs(store)] == [second.batch_id]
    stale_report, _ = render_report(store, "2022", fmt="md")
    assert "上次计算后输入数据有变化" in stale_report and "nov-dec.csv" in stale_report

    compute(store)
    assert stale_inputs(store) == []
    year = ic(store, "2022")
    total = expected_wan(2022, range(1, 11), 2) + expected_wan(2022, range(11, 13), 3)
    assert Decimal(str(year["value"])) == total * 10000
    assert year["reference_period"] == "2022年"
    assert year["sources"] == sorted([first.batch_id, second.batch_id])
    assert year["previous"] == expected_wan(2021, range(1, 13)) * 10000
    assert year["yoy"] is not None and year["yoy"] > 0
    # The year-to-date value as of October is kept and addressable.
    kept = ic(store, "2022-01/2022-10")
    assert Decimal(str(kept["value"])) == expected_wan(2022, range(1, 11), 2) * 10000
    assert kept["reference_period"] == "2022年1—10月"
    # Months are values of their own, with their year-on-year change.
    november = ic(store, "2022-11")
    assert (
        Decimal(str(november["value"])) == expected_wan(2022, range(11, 12), 3) * 10000
    )
    assert november["reference_period"] == "2022年11月"
    assert november["previous"] == expected_wan(2021, range(11, 12)) * 10000

    report, _ = render_report(store, "2022", fmt="md")
    line = next(x for x in report.splitlines() if "集成电路产业" in x)
    assert "全年" in line and "，，" not in line and "同比增长" in line, line

    # A draft that names January-October is judged against that window, not the year.
    jan_oct_yi = round(expected_wan(2022, range(1, 11), 2) / 10000, 2)
    yoy_oct = kept["yoy"]
    draft = f"集成电路产业1—10月实现销售收入{jan_oct_yi}亿元，同比增长{yoy_oct:.1f}%。"
    claims = check_text(store, draft, "2022")["claims"]
    assert {c["verdict"] for c in claims} == {"verified"}, claims
    wrong = draft.replace(
        f"{jan_oct_yi}亿元", f"{round(Decimal(year['value']) / 10**8, 2)}亿元"
    )
    verdicts = [c["verdict"] for c in check_text(store, wrong, "2022")["claims"]]
    assert "contradicted" in verdicts


def test_a_corrected_month_replaces_exactly_that_month(store, settings, tmp_path):
    first = load(
        store, settings, write(tmp_path, "a.csv", monthly_rows(2022, range(1, 11)))
    )
    rows = [r for r in monthly_rows(2022, range(10, 11)) if r[0] == FIRMS[0]]
    rows[0][5] = 999
    fix = load(store, settings, write(tmp_path, "oct-fix.csv", rows))
    assert [(c, b) for c, b in fix.plan.replaced] == [
        (("2022-10", FIRMS[0]), first.batch_id)
    ]
    assert len(fix.plan.added) == 0
    compute(store, "2022")
    expected = expected_wan(2022, range(1, 11)) - (100 + 10) + 999
    assert Decimal(str(ic(store, "2022")["value"])) == expected * 10000
    # The same content again changes nothing, even under another file name.
    again = load(
        store, settings, write(tmp_path, "oct-fix-copy.csv", list(reversed(rows)))
    )
    assert again.outcome == "duplicate" and again.batch_id == fix.batch_id
    assert store.query("SELECT count(*) AS n FROM batches")[0]["n"] == 2


def test_a_missing_october_falls_back_to_september(store, settings, tmp_path):
    rows = [
        r
        for r in monthly_rows(2022, range(1, 11))
        if not (r[0] == FIRMS[1] and r[3] == "2022-10")
    ]
    load(store, settings, write(tmp_path, "holey.csv", rows))
    compute(store, "2022")
    value = ic(store, "2022")
    assert value["reference_period"] == "2022年1—9月"
    assert Decimal(str(value["value"])) == expected_wan(2022, range(1, 10)) * 10000
    assert ic(store, "2022-10") is None  # an incomplete month has no value
    assert ic(store, "2022-01/2022-10") is None


def test_a_hole_in_the_middle_never_yields_a_complete_looking_label(
    store, settings, tmp_path
):
    rows = [
        r
        for r in monthly_rows(2022, range(1, 11))
        if not (r[0] == FIRMS[2] and r[3] == "2022-05")
    ]
    load(store, settings, write(tmp_path, "hole.csv", rows))
    compute(store, "2022")
    assert ic(store, "2022")["reference_period"] == "2022年1—4月"


def test_compute_without_a_period_computes_every_year_and_month(
    store, settings, tmp_path
):
    for year in (2020, 2021, 2022):
        load(
            store,
            settings,
            write(
                tmp_path, f"{year}.csv", monthly_rows(year, range(1, 13), year - 2018)
            ),
        )
    compute(store)
    periods = {r["period"] for r in read_values(store, None, ["industry.ic_revenue"])}
    assert {"2020", "2021", "2022", "2020-01", "2022-12", "2022-01/2022-06"} <= periods
    growth = {
        r["period"]: r["value"]
        for r in read_values(store, None, ["industry.ic_revenue_yoy"])
    }
    assert "2020" not in growth  # no 2019 to compare with
    assert growth["2022"] == Decimal("33.333333")  # scale 4 against scale 3
    for r in read_values(store, None, ["industry.ic_revenue"]):
        if r["yoy"] is not None:
            exact = 100 * (Decimal(r["value"]) / Decimal(r["previous"]) - 1)
            assert abs(Decimal(r["yoy"]) - exact) < Decimal("0.000001")


def test_a_year_without_data_is_a_gap_not_zero(store, settings, tmp_path):
    load(store, settings, write(tmp_path, "2022.csv", monthly_rows(2022, range(1, 13))))
    compute(store, "2021")
    assert (
        read_values(store, "2021", ["industry.ic_revenue", "hpc.cpu_utilization"]) == []
    )
    report, _ = render_report(store, "2021", fmt="md")
    assert "数据缺口" in report


@hyp_settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    cuts=st.lists(st.integers(min_value=1, max_value=35), max_size=4),
    seed=st.integers(0, 10**6),
)
def test_any_split_of_a_year_gives_the_figure_of_one_file(tmp_path_factory, cuts, seed):
    """Rows of a year split into files at random points and loaded in random order."""
    folder = tmp_path_factory.mktemp("split")
    rows = monthly_rows(2022, range(1, 13))
    random.Random(seed).shuffle(rows)
    bounds = sorted({0, len(rows), *cuts})
    parts = [rows[a:b] for a, b in itertools.pairwise(bounds) if rows[a:b]]
    random.Random(seed + 1).shuffle(parts)
    settings = Settings(db=folder / "split.duckdb", user="tester")
    store = open_store(settings.db)
    for i, part in enumerate(parts):
        load(store, settings, write(folder, f"part{i}.csv", part))
    compute(store, "2022", ids=["industry.ic_revenue"])
    assert (
        Decimal(str(ic(store, "2022")["value"]))
        == expected_wan(2022, range(1, 13)) * 10000
    )
    assert ic(store, "2022")["reference_period"] == "2022年"
