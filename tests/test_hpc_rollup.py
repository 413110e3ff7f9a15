"""The HPC rollup gives the figures of the plain SQL to the last digit (ingest.jobs_rollup, indicators.hpc_rollup)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from zhangjiang.config import Settings
from zhangjiang.indicators import load_builtin
from zhangjiang.indicators.engine import _exact, _query, compute, evaluate
from zhangjiang.ingest.jobs_load import drop_repeated_runs
from zhangjiang.ingest.service import ingest_paths
from zhangjiang.periods import Period, parse_period
from zhangjiang.store import Store

HPC = {k: v for k, v in load_builtin().items() if k.startswith("hpc.")}
PERIODS = [
    "2021",
    "2022",
    "2023",
    "2022-Q1",
    "2022-Q4",
    "2022-01/2022-07",
    *[f"2022-{m:02d}" for m in range(1, 13)],
    "2023-01",
]


def _log(path: Path, rows: list[tuple[Any, ...]]) -> Path:
    lines = ["JobID|User|Account|Partition|Start|End|NCPUS|NNodes|State|JobName"]
    lines += [f"{j}|{u}|{a}|cpu|{s}|{e}|{c}|1|COMPLETED|t" for j, u, a, s, e, c in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _jobs(rng: random.Random, first_id: int, n: int) -> list[tuple[Any, ...]]:
    """Random runs around 2022, with month-edge, zero-length and long jobs."""
    t0 = datetime(2021, 11, 1)
    out = []
    for i in range(n):
        kind = rng.random()
        if kind < 0.1:  # starts or ends exactly on a month boundary
            start = datetime(2022, rng.randint(1, 12), 1) - timedelta(
                hours=rng.choice([0, 3])
            )
        else:
            start = t0 + timedelta(seconds=rng.randint(0, 86400 * 480))
        length = rng.choice([0, 60, 3600, 86400 * 3, 86400 * 70, rng.randint(1, 9999)])
        end = start + timedelta(seconds=length)
        if kind < 0.05:
            end = datetime(end.year, end.month, 1)
            start = min(start, end)
        user = f"u{rng.randint(0, 25)}"
        account = rng.choice(["", f"acct{rng.randint(0, 5)}"])
        job = first_id + i if rng.random() > 0.1 else rng.randint(1, 40)  # requeued
        out.append((job, user, account, f"{start:%Y-%m-%dT%H:%M:%S}",
                    f"{end:%Y-%m-%dT%H:%M:%S}", rng.choice([1, 4, 32, 128])))  # fmt: skip
    return out


def _both(store: Store, period: Period) -> tuple[dict[str, Any], dict[str, Any]]:
    """Evaluate every HPC indicator by the rollup and by the plain SQL.

    Values are compared as stored (DECIMAL(38, 6)): the mean of the monthly
    utilisations adds the same months in an order neither query fixes.
    """
    rolled, plain = {}, {}
    with store.connect(read_only=True) as con:
        for ind in HPC.values():
            assert _query(con, ind, period) == ind.rollup_sql
            rolled[ind.id] = _stored(evaluate(con, ind, period))
            plain[ind.id] = _stored(evaluate(con, replace(ind, rollup_sql=""), period))
    return rolled, plain


def _stored(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r | {"value": _exact(r["value"])} for r in rows]


@pytest.fixture
def loaded(store: Store, settings: Settings, tmp_path: Path, write_csv: Any) -> Store:
    rng = random.Random(19)
    orgs = write_csv(
        "orgs.csv",
        [["user", "organization"]]
        + [[f"u{i}", f"org{i % 4}"] for i in range(0, 25, 2)],
    )
    systems = write_csv("systems.csv", [
        ["system", "cores", "valid_from", "valid_to"],
        ["a", 1000, "2021-01-01", "2022-06-16"],
        ["a", 2000, "2022-06-16", ""],
        ["b", 500, "2022-03-10", ""],
    ])  # fmt: skip
    ingest_paths(store, "hpc-user-organizations", [orgs], settings)
    ingest_paths(store, "hpc-systems", [systems], settings)
    first = _jobs(rng, 1000, 400)
    second = _jobs(rng, 2000, 300) + first[:20]  # overlapping dump: repeats skipped
    for name, rows, system in (
        ("a1.log", first, "a"),
        ("a2.log", second, "a"),
        ("b1.log", _jobs(rng, 1000, 300), "b"),
    ):
        (res,) = ingest_paths(
            store, "hpc-jobs", [_log(tmp_path / name, rows)], settings, system=system
        )
        assert res.outcome == "loaded", res
    return store


def test_rollup_figures_equal_the_plain_sql(loaded: Store) -> None:
    across_years = Period("2021-11/2022-02", date(2021, 11, 1), date(2022, 3, 1))
    for period in [*map(parse_period, PERIODS), across_years]:
        rolled, plain = _both(loaded, period)
        assert rolled == plain, period.label
        assert any(rows for rows in rolled.values()), period.label


def test_rejected_batch_leaves_the_figures_without_recompute(loaded: Store) -> None:
    before, _ = _both(loaded, parse_period("2022"))
    with loaded.connect() as con:
        con.execute("UPDATE batches SET status = 'rejected' WHERE file_name = 'a2.log'")
    rolled, plain = _both(loaded, parse_period("2022"))
    assert rolled == plain
    assert rolled["hpc.jobs"] != before["hpc.jobs"]


def test_runs_dropped_on_approval_are_taken_out_of_the_rollup(
    loaded: Store, settings: Settings, tmp_path: Path
) -> None:
    rows = [
        (5, "u1", "x", "2022-05-01T00:00:00", "2022-05-01T10:00:00", 8),
        (5, "u1", "x", "2022-05-03T00:00:00", "2022-05-03T10:00:00", 8),
    ]
    (res,) = ingest_paths(
        loaded, "hpc-jobs", [_log(tmp_path / "p.log", rows)], settings,
        system="c", status="pending",
    )  # fmt: skip
    ingest_paths(
        loaded, "hpc-jobs", [_log(tmp_path / "q.log", rows[:1])], settings, system="c"
    )
    with loaded.transaction() as con:
        con.execute("UPDATE batches SET status = 'loaded' WHERE id = ?", [res.batch_id])
        assert drop_repeated_runs(con, res.batch_id) == 1
    rolled, plain = _both(loaded, parse_period("2022-05"))
    assert rolled == plain
    (jobs,) = [r for r in rolled["hpc.jobs"] if r["system"] == "c"]
    assert jobs["value"] == 1


def test_other_periods_and_an_incomplete_rollup_use_the_plain_sql(
    loaded: Store,
) -> None:
    ind = HPC["hpc.core_hours"]
    with loaded.connect() as con:
        odd = Period("x", date(2022, 3, 5), date(2022, 4, 1))
        assert _query(con, ind, odd) == ind.sql
        con.execute(
            "DELETE FROM hpc_rollup_batches WHERE batch_id = (SELECT max(batch_id) FROM hpc_rollup_batches)"
        )
        assert _query(con, ind, parse_period("2022")) == ind.sql


def test_compute_sums_the_batches_the_rollup_lacks(loaded: Store) -> None:
    """A load stopped between its commit and its rollup (or an older store) heals."""
    before, _ = _both(loaded, parse_period("2022"))
    with loaded.transaction() as con:
        (batch,) = con.execute(
            "SELECT max(batch_id) FROM hpc_rollup_batches"
        ).fetchone()
        for table in ("usage", "accounts", "ends", "repeats", "batches"):
            con.execute(f"DELETE FROM hpc_rollup_{table} WHERE batch_id = ?", [batch])
        assert (
            _query(con, HPC["hpc.core_hours"], parse_period("2022"))
            != HPC["hpc.core_hours"].rollup_sql
        )
    compute(loaded, "2022", ["hpc.core_hours"])
    rolled, plain = _both(loaded, parse_period("2022"))
    assert rolled == plain == before
