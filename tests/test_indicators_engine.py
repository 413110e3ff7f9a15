"""The indicator engine: reference periods, stored values, recomputation, catalogue, CLI contract."""

from __future__ import annotations

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from zhangjiang.cli import app
from zhangjiang.indicators import compute, load_builtin, read_values
from zhangjiang.indicators.engine import evaluate
from zhangjiang.ingest.service import ingest_paths
from zhangjiang.periods import PERIOD_RULES, parse_period, reference_label
from zhangjiang.phrasing import Style

HEADER = [
    "项目编号",
    "项目名称",
    "简称",
    "轮次",
    "项目类别",
    "实际开工日期",
    "实际完工日期",
]
ROWS = [
    ["P1", "硬X射线自由电子激光装置", "硬线项目", 1, "科学设施", "2018-04-27", ""],
    ["P2", "示例二", "", 1, "产业项目", "2019-03-01", "2021-06-30"],
    [
        "P3",
        "示例三",
        "",
        2,
        "产业项目",
        "2022-03-01",
        "2022-12-31",
    ],  # completes on the last day
    ["P4", "示例四", "", 2, "产业项目", "2023-01-05", ""],  # starts after 2022
]


@pytest.mark.parametrize(
    ("rule", "ref_end", "zh", "en"),
    [
        pytest.param("year", None, "2022年", "2022", id="year"),
        pytest.param(
            "ytd",
            date(2022, 10, 31),
            "2022年1—10月",
            "January–October 2022",
            id="ytd-october",
        ),
        pytest.param("ytd", date(2022, 12, 31), "2022年", "2022", id="ytd-full-year"),
        pytest.param(
            "asof",
            date(2022, 9, 30),
            "截至2022年9月底",
            "as of the end of September 2022",
            id="asof-month-end",
        ),
        pytest.param(
            "asof",
            date(2022, 9, 15),
            "截至2022年9月15日",
            "as of 2022-09-15",
            id="asof-day",
        ),
        pytest.param(
            "cumulative",
            None,
            "截至2022年底累计",
            "cumulative to the end of 2022",
            id="cumulative",
        ),
    ],
)
def test_reference_period_labels(rule, ref_end, zh, en):
    assert reference_label(rule, parse_period("2022"), ref_end) == (zh, en)


def test_periods_parse_and_reject():
    assert parse_period("2022-10").start == date(2022, 10, 1)
    assert parse_period("2022-12").end == date(2023, 1, 1)
    for bad in ("20x2", "2022-13", "22", ""):
        with pytest.raises(Exception, match="period"):
            parse_period(bad)


def _load(store, settings, write_csv, rows=ROWS, name="p.csv"):
    return ingest_paths(
        store, "projects", [write_csv(name, [HEADER, *rows])], settings
    )[0]


def test_values_are_computed_with_lineage_and_labels(store, settings, write_csv):
    batch = _load(store, settings, write_csv).batch_id
    compute(
        store,
        "2022",
        [
            "projects.count",
            "projects.started",
            "projects.completed",
            "projects.incomplete",
        ],
    )
    values = {
        (v["id"], json.dumps(v["dimensions"], sort_keys=True)): v
        for v in read_values(store, "2022")
    }
    # Round 2: P3 and P4 registered; P3 started in 2022, P4 only in 2023; P3 completed 2022-12-31.
    assert values[("projects.count", '{"round": 2}')]["value"] == 2
    assert values[("projects.started", '{"round": 2}')]["value"] == 1
    assert values[("projects.completed", '{"round": 2}')]["value"] == 1
    assert values[("projects.completed", '{"round": 1}')]["value"] == 1
    incomplete = [
        v["dimensions"] for v in values.values() if v["id"] == "projects.incomplete"
    ]
    assert incomplete == [
        {"project": "硬线项目", "round": 1},
        {"project": "示例四", "round": 2},
    ]
    row = values[("projects.count", '{"round": 1}')]
    assert row["sources"] == [batch] and row["status"] == "provisional"
    assert row["reference_period"] == "截至2022年底累计"


def test_recomputing_unchanged_inputs_gives_identical_rows(store, settings, write_csv):
    _load(store, settings, write_csv)
    compute(store, "2022")
    first = store.query("SELECT * FROM indicator_values ORDER BY ALL")
    compute(store, "2022")
    assert store.query("SELECT * FROM indicator_values ORDER BY ALL") == first


def test_a_superseding_batch_changes_values_and_sources(store, settings, write_csv):
    first = _load(store, settings, write_csv)
    compute(store, "2022", ["projects.count"])
    second = _load(store, settings, write_csv, rows=ROWS[:3], name="corrected.csv")
    assert second.superseded == [first.batch_id]
    compute(store, "2022", ["projects.count"])
    got = {
        v["dimensions"]["round"]: (v["value"], v["sources"])
        for v in read_values(store, "2022", ["projects.count"])
    }
    assert got == {1: (2, [second.batch_id]), 2: (1, [second.batch_id])}


def test_every_indicator_is_documented_and_computes_on_an_empty_store(store):
    catalogue = load_builtin()
    assert len(catalogue) >= 4
    with store.connect() as con:
        for ind in catalogue.values():
            assert (
                ind.title_zh
                and ind.title_en
                and ind.unit
                and ind.description_zh
                and ind.description_en
            ), ind.id
            assert ind.period_rule in PERIOD_RULES, ind.id
            assert ind.inputs, ind.id
            Style(**{k: v for k, v in ind.style.items()})  # the phrasing style is valid
            if ind.yoy_of is not None:  # a growth rate of another indicator: no SQL
                assert not ind.sql and ind.yoy_of in load_builtin(), ind.id
                continue
            for row in evaluate(con, ind, parse_period("2022")):
                assert {"value", "sources"} <= set(row)


def test_cli_contract_compute_and_indicators_json(tmp_path, write_csv):
    db = tmp_path / "c.duckdb"
    runner = CliRunner()
    path = write_csv("p.csv", [HEADER, *ROWS])
    assert (
        runner.invoke(app, ["--db", str(db), "ingest", "projects", str(path)]).exit_code
        == 0
    )
    res = runner.invoke(app, ["--db", str(db), "compute", "--period", "2022"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(
        app, ["--db", str(db), "indicators", "--period", "2022", "--format", "json"]
    )
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    required = {
        "id",
        "title_zh",
        "title_en",
        "unit",
        "value",
        "dimensions",
        "reference_period",
        "status",
        "sources",
    }
    assert rows and all(required <= set(r) for r in rows)
    assert isinstance(rows[0]["dimensions"], dict) and isinstance(
        rows[0]["sources"], list
    )
    res = runner.invoke(
        app, ["--db", str(db), "indicators", "--period", "2022", "--format", "csv"]
    )
    assert res.exit_code == 0 and res.stdout.splitlines()[0].startswith("id,title_zh")
    res = runner.invoke(app, ["--db", str(db), "indicators", "--list"])
    assert (
        res.exit_code == 0 and "projects.count" in res.stdout and "SELECT" in res.stdout
    )
    res = runner.invoke(
        app, ["--db", str(db), "compute", "--period", "2022", "-i", "no.such"]
    )
    assert res.exit_code == 2 and "no.such" in res.output
