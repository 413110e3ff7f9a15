"""The facilities demo reproduces every figure of the seed section, phrased as the seed does."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlglot

from zhangjiang.config import Settings
from zhangjiang.demo import build_demo
from zhangjiang.forms import get_form
from zhangjiang.indicators import INDICATORS, compute, load_builtin, read_values
from zhangjiang.indicators.facilities import FACILITIES, FACILITY_STYLES, style_for
from zhangjiang.phrasing.model import Style
from zhangjiang.phrasing.writing import phrase
from zhangjiang.store import open_store

# (indicator, dimensions, exact value, the seed's words); None: only the phrase is checked.
SEED_2022: list[tuple[str, tuple[str, ...], Any, str]] = [
    ("facility.beam_hours", ("ssrf",), 32954, "32954小时"),
    ("facility.institutions", ("ssrf",), 233, "233家"),
    ("facility.teams", ("ssrf",), 800, "800个"),
    ("facility.projects", ("ssrf",), 1216, "1216项"),
    ("facility.user_visits", ("ssrf",), 4081, "4081人次"),
    ("facility.papers", ("ssrf",), None, "900余篇"),
    ("facility.papers_cns", ("ssrf",), 11, "11篇"),
    ("facility.beam_hours", ("protein",), None, "80000余小时"),
    ("facility.institutions", ("protein",), 243, "243家"),
    ("facility.teams", ("protein",), 657, "657个"),
    ("facility.projects", ("protein",), 1042, "1042项"),
    ("facility.user_visits", ("protein",), None, "约11700人次"),
    ("facility.papers", ("protein",), 616, "616篇"),
    ("facility.papers_cns", ("protein",), 12, "12篇"),
    ("facility.ward_studies", ("ward",), None, "170余项"),
    ("facility.ward_cases", ("ward",), 19202, "19202人"),
    ("facility.bed_utilization", ("ward",), None, "超过80%"),
    ("facility.platform_running_rate", ("ward",), 100, "100%"),
    ("facility.platform_open_rate", ("ward",), None, "85%以上"),
    ("facility.papers_sci", ("ward",), None, "180余篇"),
    ("facility.patents", ("ward",), 15, "15件"),
    ("facility.laser_shots", ("shenguang2",), None, "800余发次"),
    (
        "facility.technical_services",
        ("liver_cancer", "小动物活体成像系统"),
        None,
        "约50次",
    ),
    ("facility.technical_services", ("liver_cancer", "X射线辐照仪"), None, "约20次"),
    ("facility.platforms", ("liver_cancer",), 7, "7个"),
    ("facility.equipment_hours", ("liver_cancer",), 4900, "4900小时"),
    ("facility.beamlines", ("hard_xfel",), 5, "5条"),
    ("facility.beamlines", ("ssrf2",), 14, "14条"),
    ("facility.focal_spot", ("shenguang2",), 20, "20微米"),
]
# Milestones in 2022: the seed's facility lines that carry no computed figure.
NARRATIVE = {
    "hard_xfel": 1,
    "ssrf2": 1,
    "soft_xfel": 2,
    "seafloor": 4,
    "gas_turbine": 1,
    "shenguang2": 2,
    "sulf": 2,
    "live_cell": 1,
}


@pytest.fixture(autouse=True, scope="module")
def _no_snapshot() -> Iterator[None]:
    """Skip the web snapshot written after every ingest and compute: these tests read the store."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("zhangjiang.snapshot.write_snapshot", lambda store: store.path)
        yield


@pytest.fixture(scope="module")
def demo(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, dict[tuple[Any, ...], dict[str, Any]]]:
    """Build the facilities demo once; return 2021, 2022 and 2023 values by id and dimensions."""
    tmp = tmp_path_factory.mktemp("facilities_demo")
    settings = Settings(db=tmp / "demo.duckdb", user="tester")
    store = open_store(settings.db)
    results = build_demo(store, settings, tmp / "files", only=["facilities"])
    assert all(r.outcome == "loaded" for r in results), [
        r.message_en for r in results if r.outcome != "loaded"
    ]
    ids = [i for i in load_builtin() if i.startswith("facility.")]
    out: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {}
    for period in ("2021", "2022", "2023"):
        compute(store, period, ids=ids)
        out[period] = {
            (v["id"], *v["dimensions"].values()): v
            for v in read_values(store, period, ids=ids)
        }
    return out


@pytest.mark.parametrize(
    ("indicator", "dims", "exact", "words"),
    [pytest.param(*case, id=f"{case[0]}-{'-'.join(case[1])}") for case in SEED_2022],
)
def test_demo_reproduces_seed_figure(
    demo: dict[str, dict[tuple[Any, ...], dict[str, Any]]],
    indicator: str,
    dims: tuple[str, ...],
    exact: Any,
    words: str,
) -> None:
    value = demo["2022"][(indicator, *dims)]
    if exact is not None:
        assert Decimal(value["value"]) == exact
    style = Style(**style_for(INDICATORS[indicator], value["dimensions"]))
    assert phrase(Decimal(value["value"]), style).text == words


def test_demo_other_values(
    demo: dict[str, dict[tuple[Any, ...], dict[str, Any]]],
) -> None:
    now = {k: Decimal(v["value"]) for k, v in demo["2022"].items()}
    assert now[("facility.papers_sci", "ward")] == 184
    assert now[("facility.papers", "ssrf")] == 927
    assert now[("facility.beam_hours", "protein")] == 81236
    assert now[("facility.user_visits", "protein")] == 11692
    assert (
        now[("facility.focused_intensity", "sulf")] == 800
    )  # 8×10^22 W/cm² in 10^20 W/cm²
    assert now[("facility.focused_intensity", "shenguang2")] == 1  # 10^20 W/cm²
    assert {
        k[1]: int(v) for k, v in now.items() if k[0] == "facility.milestones"
    } == NARRATIVE
    assert sum(v for k, v in now.items() if k[0] == "facility.count") == len(FACILITIES)


def test_demo_sessions_crossing_new_year(
    demo: dict[str, dict[tuple[Any, ...], dict[str, Any]]],
) -> None:
    # The 2021 targets include 4 h of the session crossing into 2022; 6 h spill into 2023.
    from zhangjiang.demo.facilities import SERVICE

    hours = {
        p: {
            k[1]: Decimal(v["value"])
            for k, v in demo[p].items()
            if k[0] == "facility.beam_hours"
        }
        for p in ("2021", "2022", "2023")
    }
    assert hours["2021"] == {f: SERVICE[f][2021].hours for f in ("ssrf", "protein")}
    assert hours["2023"] == {"ssrf": 6, "protein": 6}
    ssrf = SERVICE["ssrf"][2021]
    assert demo["2021"][("facility.projects", "ssrf")]["value"] == ssrf.projects
    assert demo["2021"][("facility.institutions", "ssrf")]["value"] == ssrf.institutions


def test_facility_indicators_are_declared_completely() -> None:
    load_builtin()
    facility = [ind for ind in INDICATORS.values() if ind.domain == "facilities"]
    assert len(facility) >= 20
    for ind in facility:
        assert (
            ind.title_zh and ind.title_en and ind.description_zh and ind.description_en
        ), ind.id
        assert ind.keywords, ind.id
        assert ind.period_rule in ("year", "ytd", "asof", "cumulative"), ind.id
        assert ind.id == "facility.count" or ind.dimensions[0] == "facility", ind.id
        Style(**ind.style)
        for name in ind.inputs:
            get_form(name)
        sqlglot.transpile(ind.sql.replace("$", ":"), read="duckdb", write="spark")
    for (ind_id, fid), style in FACILITY_STYLES.items():
        assert ind_id in INDICATORS and fid in FACILITIES
        Style(**style)


def test_demo_files_are_labelled_synthetic(tmp_path: Path) -> None:
    from zhangjiang.demo.facilities import generate

    files = generate(tmp_path)
    visits = next(
        f.path for f in files if f.path.name == "user_visits_ssrf_2022.csv"
    ).read_text(encoding="utf-8")
    assert "DEMO-U00001" in visits and "（合成）" in visits
    papers = next(
        f
        for f in files
        if f.dataset == "publications"
        and f.options == {"facility": "ssrf", "period": "2022"}
    )
    assert "10.5555/demo.ssrf.2022.0001" in papers.path.read_text(encoding="utf-8")
