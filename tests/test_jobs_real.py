"""Job logs as other systems write them (issue 17): real files, the figures their projects assert.

- aws-samples/hpc-cost-simulator (MIT-0, vendored): sacct dumps without header written
  with another ``--format`` list, LSF ``lsb.acct`` files, and the gl-9 issue log;
  ``expected/*_exp_jobs.csv`` hold that project's parsed jobs.
- Karaage-Cluster/python-alogger (GPL-3.0, ``../shared`` only): a Slurm jobcomp/filetxt log
  and ``expected/alogger_slurm.json``.

Core-hours are Σ cores × (end − start) of the stored jobs; the expected figures are
computed from the source project's expected output, not typed in.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from tests.conftest import shared
from zhangjiang.cli import app
from zhangjiang.errors import IngestError
from zhangjiang.ingest.jobs import detect_format, job_notices, stage_jobs
from zhangjiang.ingest.jobs_slurm import parse_field_list

# The --format list the aws-samples dumps were written with (their SOURCES.md entry).
AWS_FIELDS = (
    "State,JobID,ReqCPUS,ReqMem,ReqNodes,Constraints,Submit,Eligible,Start,Elapsed,"
    "Suspended,End,ExitCode,DerivedExitCode,AllocNodes,NCPUS,MaxDiskRead,MaxDiskWrite,"
    "MaxPages,MaxRSS,MaxVMSize,CPUTime,UserCPU,SystemCPU,TotalCPU"
)


def sample(name: str) -> Path:
    return shared(f"data/hpc-samples/{name}")


def expected_csv(name: str) -> tuple[int, float]:
    """Return the jobs and Σ num_cores × (finish − start) of an aws-samples CSV."""
    with sample(f"expected/{name}").open(encoding="utf-8") as fh:
        jobs = list(csv.DictReader(fh))
    seconds = sum(
        int(j["num_cores"])
        * (
            datetime.fromisoformat(j["finish_time"])
            - datetime.fromisoformat(j["start_time"])
        ).total_seconds()
        for j in jobs
    )
    return len(jobs), seconds / 3600


def staged(con: duckdb.DuckDBPyConnection) -> tuple[int, float, int]:
    """Return jobs, core-hours and distinct users of ``jobs_stage``."""
    jobs, seconds, users = con.execute(
        "SELECT count(*), sum(cores * date_diff('second', start_time, end_time)), "
        "count(DISTINCT user_name) FROM jobs_stage"
    ).fetchall()[0]
    return int(jobs), float(seconds) / 3600, int(users)


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


@pytest.mark.parametrize(
    ("log", "expected", "figures"),
    [
        pytest.param(
            "aws_slurm_array_sacct_output.txt",
            "aws_slurm_array_exp_jobs.csv",
            (8, 0.6689),
            id="array",
        ),
        pytest.param(
            "aws_slurm_multinode_sacct_output.txt",
            "aws_slurm_multinode_exp_jobs.csv",
            (1, 0.3344),
            id="multi-node",
        ),
    ],
)
def test_sacct_dump_without_header_reads_with_fields(
    con: duckdb.DuckDBPyConnection, log: str, expected: str, figures: tuple[int, float]
) -> None:
    jobs, hours, users = (
        stage_jobs(con, sample(log), fields=AWS_FIELDS),
        *staged(con)[1:],
    )
    want_jobs, want_hours = expected_csv(expected)
    assert (jobs, want_jobs) == (figures[0], figures[0])
    assert hours == pytest.approx(want_hours, abs=1e-4)
    assert hours == pytest.approx(figures[1], abs=1e-4)
    # No User field: the jobs load without a user.
    assert users == 0
    ids = {r[0] for r in con.execute("SELECT job_id FROM jobs_stage").fetchall()}
    with sample(f"expected/{expected}").open(encoding="utf-8") as fh:
        assert ids == {j["job_id"] for j in csv.DictReader(fh)}


def test_sacct_dump_without_header_needs_fields(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="--fields JobID,User"):
        detect_format(sample("aws_slurm_array_sacct_output.txt"))


def test_lsf_files_of_hpc_cost_simulator(con: duckdb.DuckDBPyConnection) -> None:
    totals = [0, 0.0]
    for name in ("aws_lsf_lsb.acct", "aws_lsf_lsb.acct.16"):
        totals[0] += stage_jobs(con, sample(name))
        totals[1] += staged(con)[1]
    want_jobs, want_hours = expected_csv("aws_lsf_exp_jobs.csv")
    assert totals[0] == want_jobs == 87
    assert totals[1] == pytest.approx(want_hours, abs=1e-4)
    assert totals[1] == pytest.approx(7.1453, abs=1e-4)


def test_lsf_glued_asked_and_exec_host_counts(con: duckdb.DuckDBPyConnection) -> None:
    # Line 2 of lsb.acct logs numAskedHosts 0 and numExHosts 2 as one token, "02".
    stage_jobs(con, sample("aws_lsf_lsb.acct"))
    assert con.execute(
        "SELECT job_id, account, job_name, cores, nodes, state FROM jobs_stage "
        "WHERE source_row = 2"
    ).fetchall() == [("387", "default", "", 2, 1, "COMPLETED")]


def test_lsf_cores_are_the_execution_hosts_processors(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # Jobs 982457 and 981892 list 3 execution hosts for numProcessors 2: IBM's
    # numExHosts is the processors used, so 3 cores, as hpc-cost-simulator counts.
    stage_jobs(con, sample("aws_lsf_issue_gl9_lsb.acct"))
    want_jobs, want_hours = expected_csv("aws_lsf_issue_gl9_exp_jobs.csv")
    jobs, hours, _ = staged(con)
    assert jobs == want_jobs == 10
    assert hours == pytest.approx(want_hours, abs=1e-4)
    assert hours == pytest.approx(192.8222, abs=1e-4)
    assert con.execute(
        "SELECT job_id, cores FROM jobs_stage WHERE job_id IN ('982457', '981892') "
        "ORDER BY job_id"
    ).fetchall() == [("981892", 3), ("982457", 3)]


def test_slurm_jobcomp_log(con: duckdb.DuckDBPyConnection) -> None:
    log = sample("alogger_slurm.log")
    assert detect_format(log) == "jobcomp"
    expected = json.loads(sample("expected/alogger_slurm.json").read_text("utf-8"))
    jobs, hours, users = (stage_jobs(con, log), *staged(con)[1:])
    assert jobs == len(expected) == 177
    assert users == len({j["user"] for j in expected}) == 2
    want = sum(j["cores"] * j["act_wall_time"] for j in expected) / 3600
    assert hours == pytest.approx(want, abs=1e-4)
    # A job name with blanks runs up to the next key; NodeList bruce[033-073] is 41.
    assert con.execute(
        "SELECT job_name, cores, nodes, state FROM jobs_stage WHERE job_id = ?",
        ["1677810.bruce-m"],
    ).fetchall() == [("echo $HOSTNAME $SLURM_JOBID", 2, 1, "COMPLETED")]
    assert con.execute(
        "SELECT nodes FROM jobs_stage WHERE job_id = '1677806.bruce-m'"
    ).fetchall() == [(41,)]


def test_jobcomp_array_element_and_never_started(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    base = (
        "JobId={id} UserId=ann(1) GroupId=g(1) Name=x y JobState=COMPLETED "
        "Partition=p TimeLimit=1 StartTime={start} EndTime=2024-01-01T01:00:00 "
        "NodeList={nodes} NodeCnt=2 ProcCnt=8 ArrayJobId={array} ArrayTaskId={task}"
    )
    log = tmp_path / "jobcomp.log"
    log.write_text(
        "\n".join([
            base.format(id=7, start="2024-01-01T00:00:00", nodes="n[1-2]", array=5, task=3),
            base.format(id=8, start="2024-01-01T00:00:00", nodes="n1", array=8, task=4294967294),
            base.format(id=9, start="Unknown", nodes="(null)", array=9, task=4294967294),
        ]) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    assert stage_jobs(con, log) == 2
    assert con.execute(
        "SELECT job_id, user_name, job_name, cores, nodes FROM jobs_stage"
    ).fetchall() == [("5_3", "ann", "x y", 8, 2), ("8", "ann", "x y", 8, 2)]


def test_header_wins_over_fields(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    log = tmp_path / "sacct.log"
    log.write_text(
        "JobID|User|Start|End|NCPUS\n1|ann|2024-01-01T00:00:00|2024-01-01T01:00:00|4\n",
        encoding="utf-8",
    )
    assert stage_jobs(con, log, fields="NCPUS,End,Start,User,JobID") == 1
    assert con.execute("SELECT user_name, cores FROM jobs_stage").fetchall() == [
        ("ann", 4)
    ]


def test_one_extra_trailing_field_is_read_and_counted(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    rows = [
        "1|ann|2024-01-01T00:00:00|2024-01-01T01:00:00|4|COMPLETED",
        "2|bob|2024-01-01T00:00:00|2024-01-01T02:00:00|2|COMPLETED|cpu",
        "3|cy|2024-01-01T00:00:00|2024-01-01T02:00:00|2|COMPLETED|cpu|extra",
        "4|dee|2024-01-01T00:00:00|2024-01-01T03:00:00|1|COMPLETED|gpu",
    ]
    log = tmp_path / "sacct.log"
    log.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert stage_jobs(con, log, fields="JobID,User,Start,End,NCPUS,State") == 3
    assert con.execute("SELECT job_id, state FROM jobs_stage").fetchall() == [
        ("1", "COMPLETED"), ("2", "COMPLETED"), ("4", "COMPLETED"),
    ]  # fmt: skip
    notices = job_notices(con, "sacct.log")
    assert [(p.kind.type, p.row, p.params["count"]) for p in notices] == [
        ("job-extra-field", 2, 2)
    ]
    assert con.execute(
        "SELECT source_row, reason FROM jobs_stage_problems"
    ).fetchall() == [(3, "8 fields separated by |, expected 6")]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        pytest.param("2|bob|2024-01-01T00:00:00|2024-01-01T01:00:00|-8", "cores must be at least 1, got -8", id="negative"),
        pytest.param("2|bob|2024-01-01T00:00:00|2024-01-01T01:00:00|0", "cores must be at least 1, got 0", id="zero"),
        pytest.param("2|bob|2024-01-01T02:00:00|2024-01-01T01:00:00|4", "end 2024-01-01 01:00:00 is before start 2024-01-01 02:00:00", id="end-before-start"),
    ],
)  # fmt: skip
def test_impossible_values_reject_the_line(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, line: str, reason: str
) -> None:
    log = tmp_path / "sacct.log"
    good = "1|ann|2024-01-01T00:00:00|2024-01-01T01:00:00|4"
    # Many good lines, so that the fast path reads the file and redoes the bad one.
    log.write_text("\n".join([good] * 50 + [line]) + "\n", encoding="utf-8")
    assert stage_jobs(con, log, fields="JobID,User,Start,End,NCPUS") == 50
    assert con.execute("SELECT min(cores) FROM jobs_stage").fetchall() == [(4,)]
    assert con.execute(
        "SELECT source_row, reason FROM jobs_stage_problems"
    ).fetchall() == [(51, reason)]


def test_pbs_walltime_mismatch_is_counted(con: duckdb.DuckDBPyConnection) -> None:
    stage_jobs(con, sample("pbs_torque_accounting_xdmod_unit.log"))
    # 2994.pbs and 2995.pbs ran 156 s with walltime 00:00:00; 10711 ran 100000 s
    # with walltime 02:20:07. The other jobs agree within a minute or have none.
    notices = job_notices(con, "pbs.log")
    assert [(p.kind.type, p.params["count"]) for p in notices] == [
        ("walltime-mismatch", 3)
    ]


def test_parse_field_list_refuses_what_is_not_a_list() -> None:
    assert parse_field_list("jobid,START,End,AllocCPUS") == (
        "jobid",
        "start",
        "end",
        "ncpus",
    )
    with pytest.raises(IngestError, match="lacks columns: ncpus"):
        parse_field_list("JobID,Start,End")
    with pytest.raises(IngestError, match="cannot read"):
        parse_field_list("JobID,,Start")


def test_cli_ingest_and_validate_with_fields(tmp_path: Path) -> None:
    db = str(tmp_path / "z.duckdb")
    log = str(sample("aws_slurm_multinode_sacct_output.txt"))
    runner = CliRunner()
    out = runner.invoke(
        app,
        [
            "--db",
            db,
            "validate",
            "hpc-jobs",
            log,
            "--fields",
            AWS_FIELDS,
            "--format",
            "json",
        ],
    )
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)[0]["rows"] == 1
    out = runner.invoke(
        app,
        [
            "--db",
            db,
            "ingest",
            "hpc-jobs",
            log,
            "--system",
            "aws",
            "--fields",
            AWS_FIELDS,
            "--format",
            "json",
        ],
    )
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)[0]["rows"] == 1
    cores = (
        duckdb.connect(db, read_only=True)
        .execute("SELECT cores, user_name FROM ds_hpc_jobs")
        .fetchall()
    )
    assert cores == [(4, None)]


def test_user_figures_of_a_log_without_users_are_gaps(tmp_path: Path) -> None:
    from datetime import date

    from zhangjiang.config import Settings
    from zhangjiang.indicators import load_builtin
    from zhangjiang.indicators.engine import evaluate
    from zhangjiang.ingest.service import ingest_paths
    from zhangjiang.periods import Period
    from zhangjiang.store import open_store

    settings = Settings(db=tmp_path / "z.duckdb", user="t")
    store = open_store(settings.db)
    named = tmp_path / "named.log"
    named.write_text(
        "JobID|User|Start|End|NCPUS\n1|ann|2022-07-05T10:00:00|2022-07-05T11:00:00|2\n",
        encoding="utf-8",
    )
    ingest_paths(store, "hpc-jobs", [sample("aws_slurm_array_sacct_output.txt")],
                 settings, system="aws", fields=AWS_FIELDS, snapshot=False)  # fmt: skip
    ingest_paths(store, "hpc-jobs", [named], settings, system="named", snapshot=False)
    july = Period("2022-07", date(2022, 7, 1), date(2022, 8, 1))
    registry = load_builtin()

    def values(ind: str) -> dict[str | None, object]:
        with store.connect() as con:
            return {
                r.get("system"): r["value"] for r in evaluate(con, registry[ind], july)
            }

    assert values("hpc.users") == {"named": 1}  # aws: a gap, not 0
    assert values("hpc.users_total") == {}  # would leave aws's users out
    assert values("hpc.user_organizations_by_system") == {"named": 1}
    assert values("hpc.user_organizations") == {}
    hours = values("hpc.core_hours")
    assert hours["aws"] == pytest.approx(0.6689, abs=1e-4)
    assert hours["named"] == pytest.approx(2)


def test_validate_reports_skipped_lines_and_notices_as_ingest_does(
    tmp_path: Path,
) -> None:
    from zhangjiang.config import Settings
    from zhangjiang.ingest.service import validate_path

    log = tmp_path / "sacct.log"
    log.write_text(
        "1|ann|2024-01-01T00:00:00|2024-01-01T01:00:00|-8\n"
        "2|bob|2024-01-01T00:00:00|2024-01-01T01:00:00|4|cpu\n",
        encoding="utf-8",
    )
    result = validate_path(
        "hpc-jobs",
        log,
        Settings(db=tmp_path / "z.duckdb"),
        fields="JobID,User,Start,End,NCPUS",
    )
    assert (result.outcome, result.rows) == ("valid", 1)
    assert [(p.kind.type, p.row, p.is_error) for p in result.problems] == [
        ("job-record-skipped", 1, False),
        ("job-extra-field", 2, False),
    ]
