"""User service of the facilities: beam hours, proposals, teams, institutions, visits."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import table_counts
from zhangjiang.config import Settings
from zhangjiang.indicators import compute, read_values
from zhangjiang.ingest.service import ingest_paths
from zhangjiang.store import Store, open_store

SERVICE_IDS = [
    "facility.beam_hours",
    "facility.projects",
    "facility.teams",
    "facility.institutions",
    "facility.user_visits",
]
PROPOSALS = [
    ["设施编号", "课题编号", "科研团队编号", "依托单位"],
    ["ssrf", "P1", "T1", "示例大学001（合成）"],
    ["ssrf", "P2", "T1", "示例大学001(合成)"],
    ["ssrf", "P3", "T2", " Demo University 001 (synthetic) "],
    ["ssrf", "P4", "T3", "示例研究所002（合成）"],
    ["ssrf", "P5", "T4", "示例医院003（合成）"],  # its only session was not delivered
]
ALIASES = [
    ["别名", "规范名称"],
    ["示例大学001(合成)", "示例大学001（合成）"],
    ["Demo University 001 (synthetic)", "示例大学001（合成）"],
]
SESSIONS = [
    ["设施编号", "课题编号", "线站", "开始时间", "结束时间", "是否提供"],
    # 4 h in 2021, 8 h in 2022
    ["ssrf", "P1", "BL01", "2021-12-31 20:00", "2022-01-01 08:00", "是"],
    ["ssrf", "P2", "BL01", "2022-03-01 08:00", "2022-03-01 20:00", "是"],  # 12 h
    # 6 h in 2022, 6 h in 2023
    ["ssrf", "P3", "BL02", "2022-12-31 18:00", "2023-01-01 06:00", "是"],
    ["ssrf", "P4", "BL02", "2022-05-01 00:00", "2022-05-02 00:00", "是"],  # 24 h
    # not delivered
    ["ssrf", "P5", "BL03", "2022-06-01 08:00", "2022-06-01 16:00", "否"],
    # 10 h in 2021
    ["ssrf", "P4", "BL03", "2021-06-01 08:00", "2021-06-01 18:00", "是"],
]
VISITS = [
    ["设施编号", "用户编号", "所在单位", "到访日期"],
    ["ssrf", "DEMO-U00001", "示例大学001（合成）", "2022-03-01"],
    ["ssrf", "DEMO-U00001", "示例大学001(合成)", "2022-09-01"],  # the same person again
    ["ssrf", "DEMO-U00002", "Demo University 001 (synthetic)", "2022-03-02"],
    ["ssrf", "DEMO-U00003", "示例研究所002（合成）", "2022-05-01"],
    # an institution with no proposal
    ["ssrf", "DEMO-U00004", "示例公司009（合成）", "2022-07-01"],
    ["ssrf", "DEMO-U00001", "示例大学001（合成）", "2021-12-30"],
]


@pytest.fixture(autouse=True, scope="module")
def _no_snapshot() -> Iterator[None]:
    """Skip the web snapshot written after every ingest and compute: these tests read the store."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("zhangjiang.snapshot.write_snapshot", lambda store: store.path)
        yield


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """Return a store holding the hand-made proposals, aliases, sessions and visits."""
    folder = tmp_path_factory.mktemp("served")
    settings = Settings(db=folder / "served.duckdb", user="tester")
    store = open_store(settings.db)
    for dataset, rows in (
        ("user-proposals", PROPOSALS),
        ("institution-aliases", ALIASES),
        ("user-sessions", SESSIONS),
        ("user-visits", VISITS),
    ):
        path = folder / f"{dataset}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(rows)
        result = ingest_paths(store, dataset, [path], settings)[0]
        assert result.outcome == "loaded", [p.message_en for p in result.problems]
    return store


def test_service_figures_of_2022(served: Store) -> None:
    values = _values(served, "2022")
    assert values["facility.beam_hours"] == 8 + 12 + 6 + 24
    assert values["facility.projects"] == 4  # P1-P4; P5 had no delivered session
    assert values["facility.teams"] == 3  # T1 (P1, P2), T2, T3
    # 示例大学001 written three ways counts once; plus 示例研究所002 and the visitor's 示例公司009.
    assert values["facility.institutions"] == 3
    # DEMO-U00001 came twice in 2022: 2 person-visits; the 2021 visit is another year.
    assert values["facility.user_visits"] == 5


def test_sessions_crossing_new_year_split_by_overlap(served: Store) -> None:
    assert _values(served, "2021")["facility.beam_hours"] == 4 + 10
    assert _values(served, "2023")["facility.beam_hours"] == 6
    assert _values(served, "2021")["facility.projects"] == 2  # P1 and P4


def test_institutions_without_alias_table_count_each_spelling(
    store: Store, settings: Settings, write_csv: Callable[..., Path]
) -> None:
    for dataset, rows in (("user-proposals", PROPOSALS), ("user-sessions", SESSIONS)):
        ingest_paths(store, dataset, [write_csv(f"{dataset}.csv", rows)], settings)
    # Without aliases the three spellings of 示例大学001 are three names, plus 示例研究所002.
    assert _values(store, "2022")["facility.institutions"] == 4


def test_sources_name_every_batch_used(served: Store) -> None:
    compute(served, "2022", ids=["facility.institutions"])
    (value,) = read_values(served, "2022", ids=["facility.institutions"])
    assert value["sources"] == [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("dataset", "rows", "kinds"),
    [
        pytest.param(
            "user-sessions",
            [
                SESSIONS[0],
                ["ssrf", "P1", "BL01", "2022-13-01 08:00", "2022-12-01 09:00", "是"],
                ["ssrf", "P1", "BL02", "2022-02-01 08:00", "2022-02-01 09:00", "也许"],
                ["ssrf", "P1", "", "2022-03-01 08:00", "2022-03-01 09:00", "否"],
            ],
            ["bad-type", "required-missing"],
            id="sessions",
        ),
        pytest.param(
            "user-visits",
            [
                VISITS[0],
                ["ssrf", "DEMO-U00001", "示例大学001（合成）", "2022/02/30"],
                ["ssrf", "DEMO-U00002", "示例大学001（合成）", "2022-03-01"],
                ["ssrf", "DEMO-U00002", "示例大学001(合成)", "2022-03-01"],
            ],
            ["bad-date", "duplicate-key"],
            id="visits",
        ),
        pytest.param(
            "user-proposals",
            [
                PROPOSALS[0][:3],
                ["ssrf", "P1", "T1"],
            ],
            ["missing-column"],
            id="proposals-without-institution",
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


def _values(store: Store, period: str) -> dict[str, float]:
    compute(store, period, ids=SERVICE_IDS)
    out = {}
    for v in read_values(store, period, ids=SERVICE_IDS):
        assert v["dimensions"] == {"facility": "ssrf"}
        out[v["id"]] = float(v["value"])
    return out
