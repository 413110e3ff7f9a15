"""Tests for the hpc-jobs connector and the HPC indicators (zhangjiang.ingest.jobs_load, indicators.hpc)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from zhangjiang.cli import app
from zhangjiang.config import Settings
from zhangjiang.errors import IngestError
from zhangjiang.indicators import compute, load_builtin
from zhangjiang.indicators.engine import evaluate
from zhangjiang.ingest.service import ingest_paths
from zhangjiang.periods import Period
from zhangjiang.store import Store

from .conftest import shared, table_counts


def phillips() -> Path:
    """Return Open XDMoD's phillips reference log (LGPL-3.0: ../shared only, else skip)."""
    return shared("data/hpc-samples/slurm_sacct_parsable2_xdmod_reference_phillips.log")


HPC_IDS = [i for i in load_builtin() if i.startswith("hpc.")]
# Open XDMoD's query window for phillips, 2016-12-22 to 2017-01-01 inclusive.
XDMOD_WINDOW = Period("2016-12-22..2017-01-01", date(2016, 12, 22), date(2017, 1, 2))


def sacct(path: Path, rows: list[tuple[str, str, str, str, int]]) -> Path:
    """Write a sacct dump with a header from (job id, user, start, end, cores) rows."""
    lines = ["JobID|User|Account|Partition|Start|End|NCPUS|NNodes|State|JobName"]
    lines += [
        f"{j}|{u}|acct_{u}|cpu|{s}|{e}|{c}|1|COMPLETED|t" for j, u, s, e, c in rows
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def cli(db: Path, *args: str) -> Any:
    """Run the CLI on ``db``; return the result."""
    return CliRunner().invoke(app, ["--db", str(db), *args])


def figures(store: Store, period: Period) -> dict[tuple[str, str | None], Any]:
    """Evaluate every HPC indicator for ``period``: {(id, system): value}."""
    out = {}
    with store.connect() as con:
        for ind_id in HPC_IDS:
            for row in evaluate(con, load_builtin()[ind_id], period):
                out[ind_id, row.get("system")] = row["value"]
    return out


def test_phillips_through_the_cli_gives_open_xdmod_figures(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    systems = tmp_path / "systems.csv"
    systems.write_text(
        "system,cores,valid_from,valid_to\nphillips,4000,2016-12-22,\n",
        encoding="utf-8",
    )
    res = cli(db, "ingest", "hpc-systems", str(systems))
    assert res.exit_code == 0, res.output
    res = cli(
        db,
        "ingest",
        "hpc-jobs",
        str(phillips()),
        "--system",
        "phillips",
        "--format",
        "json",
    )
    assert res.exit_code == 0, res.output
    (loaded,) = json.loads(res.stdout)
    assert (loaded["outcome"], loaded["rows"]) == ("loaded", 4046)
    store = Store(db)
    got = figures(store, XDMOD_WINDOW)
    assert round(got["hpc.core_hours", "phillips"], 4) == 11767.9883
    assert round(got["hpc.core_hours_total", None], 4) == 11767.9883
    assert got["hpc.jobs", "phillips"] == got["hpc.jobs_total", None] == 4046
    assert got["hpc.users", "phillips"] == got["hpc.users_total", None] == 4
    # XDMoD's monthly time series and its December utilisation (4,000 cores × 10 days).
    by_year = {
        (v.period, v.indicator_id): float(v.value)
        for year in ("2016", "2017")
        for v in compute(store, year, HPC_IDS)
    }
    assert round(by_year["2016", "hpc.core_hours"], 4) == 9994.7011
    assert round(by_year["2017", "hpc.core_hours"], 4) == 1773.2872
    assert round(by_year["2016", "hpc.cpu_utilization"], 4) == 1.0411


def test_missing_system_is_a_clear_bilingual_error(tmp_path: Path) -> None:
    res = cli(tmp_path / "x.duckdb", "ingest", "hpc-jobs", str(phillips()))
    assert res.exit_code != 0
    assert "--system" in res.output and "须用" in res.output and "needs" in res.output


def test_identical_file_is_a_no_op(store: Store, settings: Settings) -> None:
    (first,) = ingest_paths(
        store, "hpc-jobs", [phillips()], settings, system="phillips"
    )
    before = table_counts(store)
    (again,) = ingest_paths(
        store, "hpc-jobs", [phillips()], settings, system="phillips"
    )
    assert (again.outcome, again.batch_id) == ("duplicate", first.batch_id)
    assert table_counts(store) == before


def test_daily_log_appends_and_skips_runs_already_loaded(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    day1 = sacct(tmp_path / "d1.log", [
        ("1", "ann", "2022-03-01T00:00:00", "2022-03-01T10:00:00", 2),
        ("2", "bob", "2022-03-01T05:00:00", "2022-03-01T06:00:00", 4),
    ])  # fmt: skip
    # The next dump overlaps: job 2 again, plus two new runs (job 1 requeued, job 3).
    day2 = sacct(tmp_path / "d2.log", [
        ("2", "bob", "2022-03-01T05:00:00", "2022-03-01T06:00:00", 4),
        ("1", "ann", "2022-03-02T00:00:00", "2022-03-02T01:00:00", 2),
        ("3", "bob", "2022-03-02T00:00:00", "2022-03-02T03:00:00", 1),
    ])  # fmt: skip
    (a,) = ingest_paths(store, "hpc-jobs", [day1], settings, system="s")
    (b,) = ingest_paths(store, "hpc-jobs", [day2], settings, system="s")
    assert (a.rows, b.rows) == (2, 2)
    assert [p.kind.type for p in b.problems if p.kind.type == "job-already-loaded"] == [
        "job-already-loaded"
    ]
    got = figures(store, Period("2022", date(2022, 1, 1), date(2023, 1, 1)))
    assert got["hpc.core_hours", "s"] == 2 * 10 + 4 * 1 + 2 * 1 + 1 * 3
    assert got["hpc.jobs", "s"] == 3  # the requeued job 1 counts once
    # An identical file is refused whatever system it is given for.
    (c,) = ingest_paths(store, "hpc-jobs", [day1], settings, system="t")
    assert (c.outcome, c.rows) == ("duplicate", 0)


def test_capacity_change_in_mid_year_prorates_utilisation(
    store: Store, settings: Settings, tmp_path: Path, write_csv: Any
) -> None:
    systems = write_csv("systems.csv", [
        ["system", "cores", "valid_from", "valid_to"],
        ["s", 10, "2022-01-01", "2022-06-16"],
        ["s", 20, "2022-06-16", ""],
    ])  # fmt: skip
    # 100 core-hours in June, 60 in July; a job crossing June → July is split.
    log = sacct(tmp_path / "jobs.log", [
        ("1", "ann", "2022-06-10T00:00:00", "2022-06-10T10:00:00", 4),
        ("2", "bob", "2022-06-30T20:00:00", "2022-07-01T10:00:00", 5),
        ("3", "bob", "2022-07-05T00:00:00", "2022-07-05T01:00:00", 10),
    ])  # fmt: skip
    ingest_paths(store, "hpc-systems", [systems], settings)
    ingest_paths(store, "hpc-jobs", [log], settings, system="s")
    june = Period("2022-06", date(2022, 6, 1), date(2022, 7, 1))
    got = figures(store, june)
    assert got["hpc.core_hours", "s"] == 40 + 20
    june_capacity = 10 * 15 * 24 + 20 * 15 * 24
    assert got["hpc.cpu_utilization", "s"] == pytest.approx(100 * 60 / june_capacity)
    year = figures(store, Period("2022", date(2022, 1, 1), date(2023, 1, 1)))
    july = 100 * (50 + 10) / (20 * 31 * 24)
    assert year["hpc.cpu_utilization", "s"] == pytest.approx(
        (100 * 60 / june_capacity + july) / 12
    )


def test_unmapped_users_count_under_their_account_with_a_warning(
    store: Store, settings: Settings, write_csv: Any
) -> None:
    orgs = write_csv(
        "orgs.csv",
        [["user", "organization"], ["alpsw", "示例单位A"], ["chaff", "示例单位A"]],
    )
    ingest_paths(store, "hpc-user-organizations", [orgs], settings)
    (res,) = ingest_paths(store, "hpc-jobs", [phillips()], settings, system="phillips")
    (warning,) = [p for p in res.problems if p.kind.type == "unmapped-users"]
    assert not warning.is_error
    assert "2 个用户" in warning.message_zh and "honbu" in warning.message_en
    got = figures(store, XDMOD_WINDOW)
    assert got["hpc.unmapped_users", None] == 2
    with store.connect(read_only=True) as con:
        accounts = con.execute(
            "SELECT count(DISTINCT account) FROM hpc_jobs WHERE user_name IN ('honbu', 'noror')"
        ).fetchall()[0][0]
    assert got["hpc.user_organizations", None] == 1 + accounts
    assert got["hpc.user_organizations_by_system", "phillips"] == 1 + accounts


def test_connector_without_system_raises(store: Store, settings: Settings) -> None:
    with pytest.raises(IngestError, match="--system"):
        ingest_paths(store, "hpc-jobs", [phillips()], settings)


def _big_log(path: Path, lines: int) -> dict[str, Any]:
    """Write a headerless sacct dump of ``lines`` lines, several MiB, and what it holds.

    Every third line is a job step, line 40,001 is a bad record and line 50,002 a job
    whose name holds "|". Job ``j`` sits on line ``j``; returns the expected job lines
    and problem lines.
    """
    from .test_jobs import sacct as sacct_line

    out, jobs = [], {}
    for n in range(1, lines + 1):
        start, end = "2022-05-01T00:00:00", "2022-05-01T02:00:00"
        if n == 40_001:
            out.append(sacct_line(str(n), "not-a-time", end))
        elif n % 3 == 0:
            out.append(sacct_line(f"{n - 1}.batch", start, end))
        else:
            name = "a|b" if n == 50_002 else f"job{n}"
            out.append(sacct_line(str(n), start, end, jobname=name))
            jobs[str(n)] = n
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return {"jobs": jobs, "problems": [40_001]}


def _stored_lines(store: Store, batch_id: int) -> dict[str, int]:
    with store.connect(read_only=True) as con:
        return dict(
            con.execute(
                "SELECT job_id, _row FROM hpc_jobs WHERE _batch_id = ?", [batch_id]
            ).fetchall()
        )


def test_every_job_keeps_its_line_number_in_a_multi_megabyte_log(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    log = tmp_path / "big.log"
    expected = _big_log(log, 60_000)
    assert log.stat().st_size > 8 << 20  # many chunks, row groups and threads
    (res,) = ingest_paths(store, "hpc-jobs", [log], settings, system="s")
    assert res.rows == len(expected["jobs"])
    assert _stored_lines(store, res.batch_id) == expected["jobs"]
    skipped = [p.row for p in res.problems if p.kind.type == "job-record-skipped"]
    assert skipped == expected["problems"]
    with store.connect(read_only=True) as con:
        assert con.execute(
            "SELECT job_name FROM hpc_jobs WHERE job_id = '50002'"
        ).fetchall() == [("a|b",)]
        # Nothing of the lines that are not jobs is left behind under -batch_id.
        assert con.execute(
            "SELECT count(*) FROM ds_hpc_jobs WHERE _batch_id < 0"
        ).fetchall() == [(0,)]


def test_rows_numbered_out_of_order_send_the_file_down_the_reference_path(
    store: Store, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zhangjiang.ingest import jobs, jobs_load

    log = tmp_path / "big.log"
    expected = _big_log(log, 60_000)

    def reversed_numbers(
        self: jobs.JobLog, con: Any, table: str, column: str, where: str
    ) -> None:
        # What a DuckDB that stored a parallel insert out of order would amount to.
        con.execute(
            f"UPDATE {table} SET {column} = (SELECT max(rowid) FROM {table} "
            f"WHERE {where}) - rowid + 1 WHERE {where}"
        )

    staged: list[bool] = []
    real_stage_log = jobs_load.stage_log

    def spy(con: Any, log: Any, fast: bool = True) -> int:
        staged.append(fast)
        return real_stage_log(con, log, fast)

    monkeypatch.setattr(jobs.JobLog, "number_rows", reversed_numbers)
    monkeypatch.setattr(jobs_load, "stage_log", spy)
    (res,) = ingest_paths(store, "hpc-jobs", [log], settings, system="s")
    assert staged == [False]  # the order check refused the fast path's numbers
    assert _stored_lines(store, res.batch_id) == expected["jobs"]
    assert [p.row for p in res.problems if p.kind.type == "job-record-skipped"] == (
        expected["problems"]
    )


def test_archive_holds_the_whole_file_when_a_same_size_batch_exists(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    # Same size, other content: the hash is taken before the parse, and the archive
    # copy must still be complete before the batch is committed.
    a = sacct(
        tmp_path / "a.log",
        [("1", "ann", "2022-03-01T00:00:00", "2022-03-01T01:00:00", 2)],
    )
    b = sacct(
        tmp_path / "b.log",
        [("2", "bob", "2022-03-01T00:00:00", "2022-03-01T01:00:00", 2)],
    )
    assert a.stat().st_size == b.stat().st_size
    ingest_paths(store, "hpc-jobs", [a], settings, system="s")
    (res,) = ingest_paths(store, "hpc-jobs", [b], settings, system="s")
    assert res.outcome == "loaded"
    assert b"".join(store.read_archived(res.sha256)) == b.read_bytes()
    assert store.verify_archived(res.sha256)


def test_a_failed_load_leaves_no_partial_archive_copy(
    store: Store, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from zhangjiang.store.duckdb import ArchiveCopy

    log = tmp_path / "bad.log"
    log.write_text("1|2|3\n" * 200_000, encoding="utf-8")  # no line is a job
    real_writer = ArchiveCopy.writer

    def late_writer(self: ArchiveCopy) -> Any:
        time.sleep(0.5)  # the load fails before the copy has begun
        return real_writer(self)

    monkeypatch.setattr(ArchiveCopy, "writer", late_writer)
    before = table_counts(store)
    with pytest.raises(IngestError, match=r"bad\.log"):
        ingest_paths(store, "hpc-jobs", [log], settings, system="s", log_format="slurm")
    assert table_counts(store) == before
    incoming = store.archive_dir / "incoming"
    assert not incoming.exists() or list(incoming.iterdir()) == []
