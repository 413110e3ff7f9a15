"""Data review before release (issue #15, item 6): rules, stable ids, explanations, refusal."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.portal_support import PASSWORD, client_as, csrf_of
from zhangjiang.cli import app
from zhangjiang.config import Settings
from zhangjiang.indicators import compute
from zhangjiang.ingest.service import ingest_paths
from zhangjiang.portal import audit
from zhangjiang.portal.accounts import add_user
from zhangjiang.portal.releases import release_period
from zhangjiang.portal.state import open_state
from zhangjiang.quality import (
    RULES,
    UnexplainedWarningsError,
    UnknownWarningError,
    explain,
    review,
)
from zhangjiang.store import Store, open_store

HEADER = ["统一社会信用代码", "产业", "月份", "指标", "金额（万元）"]
IC_A, IC_B, BIO = "91310000QUALITYA0X", "91310000QUALITYB0X", "91310000QUALITYC0X"
#: The indicators over industry-monthly (computing only these keeps the tests quick).
IDS = [
    "industry.ic_revenue",
    "industry.ic_revenue_yoy",
    "industry.bio_scale",
    "industry.bio_manufacturing",
    "industry.bio_services",
]


def month_rows(year: int, bad_november: bool = False) -> list[list[Any]]:
    """Return a year of industry-monthly rows: two IC enterprises, one biomedicine one.

    2023 grows about 10% on 2022, so a clean pair of years raises no warning.
    ``bad_november`` makes IC_A's November 100 times too large (万元 typed as 元).
    """
    grow = 10 if year == 2023 else 0
    rows = []
    for m in range(1, 13):
        month = f"{year}-{m:02d}"
        ic_a = 100 + grow + m
        if bad_november and m == 11:
            ic_a *= 100
        rows += [
            [IC_A, "集成电路", month, "销售收入", ic_a],
            [IC_B, "集成电路", month, "销售收入", 200 + 2 * grow],
            [BIO, "生物医药", month, "制造业产值", 50 + grow // 2],
            [BIO, "生物医药", month, "服务业营收", 20 + grow // 5],
        ]
    return rows


def load(store: Store, settings: Settings, folder: Path, name: str, rows: list) -> int:
    """Ingest one industry-monthly CSV and return its batch id."""
    path = folder / name
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    (result,) = ingest_paths(store, "industry-monthly", [path], settings)
    assert result.outcome == "loaded", [p.message_en for p in result.problems]
    assert result.batch_id is not None
    return result.batch_id


def build(folder: Path, bad_november: bool) -> Path:
    """Load 2022 and 2023 into a new store, compute it and return the database file."""
    settings = Settings(db=folder / "q.duckdb", user="审核员")
    store = open_store(settings.db)
    load(store, settings, folder, "2022.csv", month_rows(2022))
    load(store, settings, folder, "2023.csv", month_rows(2023, bad_november))
    compute(store, ids=IDS)
    return settings.db


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Return the database files of both stores, built once for the module."""
    return {
        "bad": build(tmp_path_factory.mktemp("bad"), bad_november=True),
        "clean": build(tmp_path_factory.mktemp("clean"), bad_november=False),
    }


def copy_of(db: Path, folder: Path) -> tuple[Store, Settings]:
    """Return a private copy of a built store (tests change it)."""
    for path in db.parent.glob(db.name + "*"):
        if path.is_file():
            shutil.copy(path, folder / path.name)
    settings = Settings(db=folder / db.name, user="审核员")
    return open_store(settings.db), settings


@pytest.fixture
def world(built: dict[str, Path], tmp_path: Path) -> tuple[Store, Settings]:
    """Return settings and a store of 2022 and 2023 whose November 2023 is 100x too large."""
    return copy_of(built["bad"], tmp_path)


@pytest.fixture
def clean(built: dict[str, Path], tmp_path: Path) -> tuple[Store, Settings]:
    """Return settings and a store of two plausible years."""
    return copy_of(built["clean"], tmp_path)


def cli(settings: Settings, *args: str) -> Any:
    """Run the CLI on the store of ``settings``."""
    return CliRunner().invoke(
        app, ["--db", str(settings.db), "--user", settings.user, *args]
    )


def quality_json(settings: Settings, period: str | None = "2023") -> list[dict]:
    """Return the output of ``quality [--period P] --format json``."""
    res = cli(
        settings,
        "quality",
        *(["--period", period] if period else []),
        "--format",
        "json",
    )
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def blocking(warnings: list[dict]) -> list[dict]:
    """Return the blocking warnings without an explanation."""
    return [w for w in warnings if w["blocking"] and w["explanation"] is None]


def test_every_rule_is_declared_in_chinese_and_english():
    assert set(RULES) == {
        "yoy-swing",
        "out-of-range",
        "missing-month",
        "missing-reporter",
        "totals-disagree",
    }
    for rule in RULES.values():
        assert rule.title_zh and rule.title_en and rule.template_zh and rule.template_en
    assert not RULES["missing-reporter"].blocking and RULES["yoy-swing"].blocking


def test_a_clean_data_set_has_no_blocking_warning_and_releases(clean):
    store, settings = clean
    assert blocking(quality_json(settings, None)) == []
    made = release_period(store, "2023", "stat", "")
    assert made["version"] == 1


def test_the_100x_november_blocks_the_release_until_explained(world):
    store, settings = world
    found = quality_json(settings)
    fields = {
        "id",
        "rule",
        "indicator",
        "dimensions",
        "period",
        "message_zh",
        "message_en",
        "blocking",
        "explanation",
    }
    assert found and all(fields <= set(w) for w in found)
    spike = [
        w
        for w in found
        if w["rule"] == "out-of-range"
        and w["indicator"] == "industry.ic_revenue"
        and w["period"] == "2023-11"
    ]
    assert len(spike) == 1 and spike[0]["blocking"] is True
    assert spike[0]["explanation"] is None
    assert (
        "2023年11月" in spike[0]["message_zh"]
        and "November 2023" in spike[0]["message_en"]
    )
    swings = {w["period"] for w in found if w["rule"] == "yoy-swing"}
    assert {"2023-11", "2023-01/2023-11", "2023"} <= swings
    # Nothing else in the data is suspicious: every blocking warning is about IC revenue.
    assert {w["indicator"] for w in blocking(found)} == {"industry.ic_revenue"}
    assert all(w["period"].startswith("2023") for w in found)
    assert quality_json(settings, "2022") == []

    with pytest.raises(UnexplainedWarningsError) as refused:
        release_period(store, "2023", "stat", "")
    message = str(refused.value)
    zh, en = refused.value.zh_en
    for w in blocking(found):
        assert w["id"] in zh and w["id"] in en
    assert "审核说明" in zh and "explanation" in en
    assert spike[0]["message_zh"] in message and spike[0]["message_en"] in message
    assert store.query("SELECT count(*) AS n FROM releases")[0]["n"] == 0

    for w in blocking(found):
        res = cli(
            settings,
            "quality",
            "explain",
            w["id"],
            "--text",
            "企业将元误填为万元，已核实",
        )
        assert res.exit_code == 0, res.output
        assert "已记录审核说明" in res.output and "explanation recorded" in res.output
    after = quality_json(settings)
    assert blocking(after) == []
    explained = next(w for w in after if w["id"] == spike[0]["id"])
    assert explained["explanation"]["text"] == "企业将元误填为万元，已核实"
    assert explained["explanation"]["by"] == "审核员" and explained["explanation"]["at"]

    made = release_period(store, "2023", "stat", "")
    assert made["version"] == 1
    entries = audit.read(open_state(settings.db))
    logged = {e["target"]: e for e in entries if e["action"] == "quality-explain"}
    assert spike[0]["id"] in logged
    assert logged[spike[0]["id"]]["detail"]["text"] == "企业将元误填为万元，已核实"
    assert logged[spike[0]["id"]]["actor"] == "cli:审核员"


def test_the_year_scope_covers_its_months_and_ranges_only(world):
    _, settings = world
    month = quality_json(settings, "2023-11")
    assert month and {w["period"] for w in month} == {"2023-11"}
    everything = quality_json(settings, None)
    assert {w["id"] for w in everything} == {w["id"] for w in quality_json(settings)}


def test_ids_are_stable_across_recompute_and_change_with_the_value(world, tmp_path):
    store, settings = world
    first = review(store, "2023")
    spike = next(w for w in first if w.rule == "out-of-range")
    explain(store, spike.id, "已核实", "审核员")
    compute(store, "2023", ids=IDS)
    again = review(store, "2023")
    assert [w.id for w in again] == [w.id for w in first]
    kept = next(w for w in again if w.id == spike.id)
    assert kept.explanation is not None and kept.explanation["text"] == "已核实"
    # A corrected November replaces the cell: the figure is plausible again.
    fixed = [r for r in month_rows(2023) if r[0] == IC_A and r[2] == "2023-11"]
    load(store, settings, tmp_path, "fix.csv", fixed)
    compute(store, "2023", ids=IDS)
    assert [w for w in review(store, "2023") if w.blocking] == []
    # A different wrong value is a new finding: the old explanation does not cover it.
    wrong = [[*fixed[0][:4], fixed[0][4] * 50]]
    load(store, settings, tmp_path, "wrong.csv", wrong)
    compute(store, "2023", ids=IDS)
    now_ = next(w for w in review(store, "2023") if w.rule == "out-of-range")
    assert now_.id != spike.id and now_.explanation is None


def test_totals_disagree_when_the_parts_do_not_add_up(clean):
    store, settings = clean
    assert not [w for w in review(store) if w.rule == "totals-disagree"]
    with store.connect() as con:  # a total computed from another source than its parts
        con.execute(
            "UPDATE indicator_values SET value = value * 1.01 "
            "WHERE indicator_id = 'industry.bio_scale' AND period = '2023'"
        )
    found = [w for w in quality_json(settings) if w["rule"] == "totals-disagree"]
    assert [(w["indicator"], w["period"], w["blocking"]) for w in found] == [
        ("industry.bio_scale", "2023", True)
    ]
    assert "生物医药制造业产值" in found[0]["message_zh"]
    assert "1.0%" in found[0]["message_en"]
    with pytest.raises(UnexplainedWarningsError):
        release_period(store, "2023", "stat", "")


def test_a_missing_reporter_is_named_and_does_not_block(tmp_path):
    settings = Settings(db=tmp_path / "m.duckdb", user="审核员")
    store = open_store(settings.db)
    load(store, settings, tmp_path, "2022.csv", month_rows(2022))
    rows = [r for r in month_rows(2023) if not (r[0] == IC_B and r[2] == "2023-05")]
    load(store, settings, tmp_path, "2023.csv", rows)
    compute(store, ids=IDS)
    missing = [w for w in quality_json(settings) if w["rule"] == "missing-reporter"]
    assert [(w["form"], w["period"], w["dimensions"]) for w in missing] == [
        ("industry-monthly", "2023-05", {"reporter": IC_B})
    ]
    assert IC_B in missing[0]["message_zh"] and "May 2023" in missing[0]["message_en"]
    assert missing[0]["blocking"] is False
    assert not blocking(quality_json(settings))
    release_period(store, "2023", "stat", "")


def test_explaining_an_unknown_id_is_a_usage_error(world):
    store, settings = world
    res = cli(settings, "quality", "explain", "q-000000000000", "--text", "说明")
    assert res.exit_code == 2, res.output
    assert (
        "q-000000000000" in res.output
        and "no current data-quality warning" in res.output
    )
    with pytest.raises(UnknownWarningError):
        explain(store, "q-000000000000", "说明", "x")
    assert store.query("SELECT count(*) AS n FROM quality_explanations")[0]["n"] == 0


def test_the_table_has_chinese_and_english_headers(world):
    _, settings = world
    res = cli(settings, "quality", "--period", "2023")
    assert res.exit_code == 0, res.output
    assert "编号" in res.output and "规则" in res.output  # headers wrap at 80 columns
    for w in quality_json(settings):
        assert w["id"] in res.output
    assert "共 4 条警告，阻断性 4 条，其中 4 条尚无审核说明" in res.output
    assert "4 warning(s), 4 blocking, 4 of them unexplained" in res.output


def test_the_portal_release_page_explains_and_releases(world):
    from zhangjiang.snapshot import write_snapshot
    from zhangjiang.web.app import create_app

    store, settings = world
    add_user(open_state(settings.db), "stat1", "statistician", PASSWORD)
    write_snapshot(store)
    open_ = [w.id for w in review(store, "2023") if w.blocking]
    with client_as(create_app(settings), "stat1") as stat:
        page = stat.get("/portal/releases?period=2023").text
        assert all(w in page for w in open_) and "quality-explain-" in page
        token = csrf_of(stat)
        refused = stat.post(
            "/portal/releases",
            data={"csrf_token": token, "period": "2023"},
            follow_redirects=False,
        )
        assert refused.status_code == 409
        assert open_[0] in refused.json()["error"]
        listed = stat.get("/api/v1/portal/quality?period=2023").json()
        assert {w["id"] for w in listed["warnings"] if w["blocking"]} == set(open_)
        for warning_id in open_:
            done = stat.post(
                "/portal/quality/explain",
                data={
                    "csrf_token": token,
                    "warning_id": warning_id,
                    "text": "已与企业核实",
                    "period": "2023",
                },
                follow_redirects=False,
            )
            assert done.status_code == 303, done.text
        empty = stat.post(
            "/portal/quality/explain",
            data={"csrf_token": token, "warning_id": open_[0], "text": " "},
        )
        assert empty.status_code == 400
        assert "已与企业核实" in stat.get("/portal/releases?period=2023").text
        released = stat.post(
            "/portal/releases",
            data={"csrf_token": token, "period": "2023"},
            follow_redirects=False,
        )
        assert released.status_code == 303, released.text
    entries = audit.read(open_state(settings.db))
    portal = [e for e in entries if e["action"] == "quality-explain"]
    assert {e["target"] for e in portal} == set(open_)
    assert all(e["actor"] == "stat1" for e in portal)
