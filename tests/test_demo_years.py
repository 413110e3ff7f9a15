"""The demo covers 2020, 2021 and 2022, with monthly forms sent as the units send them."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from tests.test_web_snapshot import copy_store
from zhangjiang.demo import DemoFile
from zhangjiang.demo.facilities import SERVICE
from zhangjiang.demo.hpc import SYSTEMS
from zhangjiang.demo.science_city import TARGETS
from zhangjiang.demo.science_city_industry import IC_GROWTH_2021_PCT
from zhangjiang.forms import FORMS, get_form
from zhangjiang.indicators import compute, read_values
from zhangjiang.store import Store

pytestmark = pytest.mark.slow

YEARS = ("2020", "2021", "2022")
# Periodic forms without a declared period column, and the column that dates a row.
DATED = {
    "hpc-jobs": "end_time",
    "user-sessions": "start_time",
    "laser-shots": "shot_date",
}
# Monthly forms and the reporter expected every month from its first to the latest.
MONTHLY = {
    "industry-monthly": ("credit_code", "month"),
    "ward-beds": ("facility", "month"),
    "platform-operations": ("facility", "month"),
    "equipment-hours": ("facility", "month"),
    "hpc-jobs": ("system", "date_trunc('month', end_time)"),
}
# Series compared year on year: full-year figures that should grow a little each year.
GROWING = [
    ("talent.employees", ()),
    ("talent.masters_doctors", ()),
    ("investment.amount", ()),
    ("facility.beam_hours", ("ssrf",)),
    ("facility.beam_hours", ("protein",)),
    ("facility.user_visits", ("ssrf",)),
    ("facility.institutions", ("protein",)),
    ("facility.papers", ("ssrf",)),
    ("facility.papers", ("ward",)),
    ("hpc.core_hours", ("魔方II",)),
    ("hpc.core_hours", ("魔方III",)),
    ("hpc.jobs_total", ()),
    ("hpc.users_total", ()),
    ("hpc.user_organizations", ()),
]

Values = dict[str, dict[tuple[Any, ...], Decimal]]
Demo = tuple[Store, Values, Path]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, demo_store: Store) -> Demo:
    """Copy the session's demo store, compute every year; return the values and files."""
    folder = tmp_path_factory.mktemp("demo_years")
    store = copy_store(demo_store, folder)
    values: Values = {}
    with store.session():  # one open database for the whole compute
        for year in YEARS:
            compute(store, year)
            values[year] = {
                (v["id"], *v["dimensions"].values()): Decimal(str(v["value"]))
                for v in read_values(store, year)
                if v["value"] is not None
            }
    return store, values, demo_store.path.parent / "files"


@pytest.mark.parametrize(
    "dataset",
    [
        pytest.param(f.name, id=f.name)
        for f in FORMS.values()
        if f.period_column or f.name in DATED
    ],
)
def test_every_periodic_form_has_rows_in_each_year(demo: Demo, dataset: str) -> None:
    store, _values, _files = demo
    form = get_form(dataset)
    column = DATED.get(dataset) or form.period_column
    assert column is not None
    kind = form.column(column).type
    year = f'"{column}"' if kind in ("year", "integer") else f'year("{column}")'
    rows = store.query(
        f"SELECT {year} AS y, count(*) AS n FROM {form.view} GROUP BY y ORDER BY y"
    )
    counts = {str(r["y"]): r["n"] for r in rows}
    assert all(counts.get(y, 0) > 0 for y in YEARS), counts


@pytest.mark.parametrize(
    ("dataset", "reporter", "month"),
    [pytest.param(d, *spec, id=d) for d, spec in MONTHLY.items()],
)
def test_monthly_reporters_send_every_month_to_the_latest(
    demo: Demo, dataset: str, reporter: str, month: str
) -> None:
    # A reporter of a year is expected from its first month through the year's latest
    # month in the data: no one leaves mid-year, and no month is missing in between.
    store, _values, _files = demo
    view = get_form(dataset).view
    gaps = store.query(
        f"""
        WITH cells AS (
            SELECT DISTINCT {reporter} AS who, CAST({month} AS DATE) AS m FROM {view}
        ),
        years AS (SELECT year(m) AS y, month(max(m)) AS latest FROM cells GROUP BY y)
        SELECT who, y, count(*) AS months, latest - month(min(m)) + 1 AS expected
        FROM cells JOIN years ON year(m) = y
        GROUP BY who, y, latest
        HAVING count(*) <> latest - month(min(m)) + 1
        """
    )
    assert gaps == [], gaps[:5]


def test_monthly_files_are_one_a_month_in_order(demo: Demo) -> None:
    store, _values, _files = demo
    batches = store.query(
        "SELECT dataset, scope, period FROM batches "
        "WHERE dataset IN ('industry-monthly', 'hpc-jobs') ORDER BY id"
    )
    industry = [b["period"] for b in batches if b["dataset"] == "industry-monthly"]
    assert industry == sorted(industry)
    assert len(industry) == 12 + 12 + TARGETS.latest_month == len(set(industry))
    for target in SYSTEMS:
        months = [b["period"] for b in batches if b["scope"] == target.name]
        assert months == sorted(months) and len(set(months)) == 36, target.name


def test_industry_grows_on_a_comparable_basis(demo: Demo) -> None:
    store, values, _files = demo
    yoy = {y: values[y].get(("industry.ic_revenue_yoy",)) for y in YEARS}
    assert yoy["2020"] is None  # no 2019 to compare with
    assert yoy["2022"].quantize(Decimal("0.1")) == TARGETS.ic_growth_pct
    assert yoy["2021"].quantize(Decimal("0.1")) == IC_GROWTH_2021_PCT
    revenue = {y: values[y][("industry.ic_revenue",)] for y in YEARS}
    assert revenue["2022"] == TARGETS.ic_revenue_yi * 10**8
    assert 5 <= 100 * (revenue["2021"] / revenue["2020"] - 1) <= 40
    # 2022 runs January to October: compare it with the same months of 2021.
    same = store.query(
        "SELECT year(month) AS y, sum(amount) AS total FROM industry_monthly "
        "WHERE industry = '集成电路' AND month(month) <= ? GROUP BY y",
        [TARGETS.latest_month],
    )
    totals = {str(r["y"]): r["total"] for r in same}
    assert 5 <= 100 * (totals["2022"] / totals["2021"] - 1) <= 40
    assert all(5 <= yoy[y] <= 40 for y in ("2021", "2022"))


def test_hpc_core_hours_for_every_system_and_year(demo: Demo) -> None:
    _store, values, _files = demo
    for year in YEARS:
        for target in SYSTEMS:
            hours = values[year][("hpc.core_hours", target.name)]
            use = values[year][("hpc.cpu_utilization", target.name)]
            assert hours > 0 and 20 < use < 100, (year, target.name)
    for target in SYSTEMS:
        assert values["2022"][("hpc.core_hours", target.name)] == target.core_hours
        for year, utilization in target.earlier:
            use = values[str(year)][("hpc.cpu_utilization", target.name)]
            assert use.quantize(Decimal("0.01")) == round(Decimal(100 * utilization), 2)


def test_facility_service_reproduces_every_year(demo: Demo) -> None:
    _store, values, _files = demo
    for facility, targets in SERVICE.items():
        for year, target in targets.items():
            got = values[str(year)]
            assert got[("facility.beam_hours", facility)] == target.hours
            assert got[("facility.projects", facility)] == target.projects
            assert got[("facility.institutions", facility)] == target.institutions
            assert got[("facility.user_visits", facility)] == target.visits


@pytest.mark.parametrize(
    ("indicator", "dims"),
    [pytest.param(i, d, id="-".join((i, *d))) for i, d in GROWING],
)
def test_series_grow_plausibly(
    demo: Demo, indicator: str, dims: tuple[str, ...]
) -> None:
    _store, values, _files = demo
    series = [values[y].get((indicator, *dims)) for y in YEARS]
    assert None not in series, series
    for before, after in pairwise(series):
        assert 0 < before < after <= before * Decimal("1.6"), series


def test_job_logs_are_the_same_every_run(demo: Demo, tmp_path: Path) -> None:
    from zhangjiang.demo.hpc import generate

    _store, _values, files = demo
    logs: list[DemoFile] = [f for f in generate(tmp_path, 1) if f.dataset == "hpc-jobs"]
    assert len(logs) == 2 * 36
    for log in logs:
        built = files / "hpc" / log.path.name
        assert built.read_bytes() == log.path.read_bytes(), log.path.name


def test_every_stored_value_names_its_source_batches(demo: Demo) -> None:
    store, _values, _files = demo
    batches = {r["id"] for r in store.query("SELECT id FROM batches")}
    values = read_values(store)
    assert len(values) > 1000, "every period of the demo is computed"
    nameless = sorted({v["id"] for v in values if not v["sources"]})
    assert not nameless, f"values without source batches: {nameless}"
    unknown = {s for v in values for s in v["sources"]} - batches
    assert not unknown, unknown
