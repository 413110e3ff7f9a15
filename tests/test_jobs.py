"""Tests for zhangjiang.ingest.jobs (HPC accounting logs) and zhangjiang.hpc_sql."""

from __future__ import annotations

import doctest
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot

from tests.conftest import shared
from zhangjiang import hpc_sql
from zhangjiang.errors import IngestError
from zhangjiang.ingest import jobs, jobs_slurm
from zhangjiang.ingest.jobs import FORMATS, JOB_COLUMNS, detect_format, stage_jobs
from zhangjiang.ingest.jobs_slurm import SLURM_FIELDS, SLURM_LEGACY_FIELDS

PHILLIPS = "slurm_sacct_parsable2_xdmod_reference_phillips.log"


def sample(name: str) -> Path:
    """Return a job log of ``../shared/data/hpc-samples`` (or skip: see ``shared``)."""
    return shared(f"data/hpc-samples/{name}")


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    yield connection
    connection.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> list[Any]:
    return con.execute(sql, params).fetchall()


def core_hours(con: duckdb.DuckDBPyConnection, table: str = "jobs_stage") -> float:
    sql = f"SELECT sum(cores * date_diff('second', start_time, end_time)) FROM {table}"
    return float(rows(con, sql)[0][0]) / 3600


def sacct(
    jobid: str,
    start: str,
    end: str,
    *,
    ncpus: str = "4",
    state: str = "COMPLETED",
    nodelist: str = "n01",
    jobname: str = "job",
    user: str = "ann",
    layout: tuple[str, ...] = SLURM_FIELDS,
) -> str:
    values = {
        "jobid": jobid, "jobidraw": jobid.split("_")[0], "cluster": "c1",
        "partition": "cpu", "qos": "normal", "account": "phys", "group": "phys",
        "gid": "100", "user": user, "uid": "1000", "submit": "2024-01-01T00:00:00",
        "eligible": "2024-01-01T00:00:00", "start": start, "end": end,
        "elapsed": "01:00:00", "exitcode": "0:0", "state": state, "nnodes": "1",
        "ncpus": ncpus, "reqcpus": ncpus, "reqmem": "1000Mn", "reqgres": "",
        "reqtres": "cpu=4", "alloctres": "cpu=4", "timelimit": "1-00:00:00",
        "nodelist": nodelist, "jobname": jobname,
    }  # fmt: skip
    return "|".join(values[name] for name in layout)


def write(tmp_path: Path, text: str | bytes, name: str = "acct.log") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# --- format detection -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("slurm_sacct_parsable2_xdmod_unit.log", "slurm", id="slurm"),
        pytest.param(PHILLIPS, "slurm", id="slurm-phillips"),
        pytest.param("pbs_torque_accounting_xdmod_unit.log", "pbs", id="pbs"),
        pytest.param("lsf_lsb.acct_xdmod_unit.log", "lsf", id="lsf"),
        pytest.param("sge_accounting_xdmod_unit.log", "sge", id="sge"),
        pytest.param("uge_accounting_xdmod_unit.log", "sge", id="uge"),
    ],
)
def test_detect_format_sniffs_samples(name: str, expected: str) -> None:
    assert detect_format(sample(name)) == expected
    assert expected in FORMATS


def test_detect_format_ignores_name_and_reads_headers_and_comments(
    tmp_path: Path,
) -> None:
    header = write(tmp_path, "JobID|Start|End|NCPUS\n", "data.pbs")
    assert detect_format(header) == "slurm"
    sge_text = (sample("sge_accounting_xdmod_unit.log")).read_text()
    assert detect_format(write(tmp_path, "# Version: 8.1\n\n" + sge_text)) == "sge"


def test_detect_format_rejects_unknown_file_naming_it(tmp_path: Path) -> None:
    path = write(tmp_path, "\nname,value\nx,1\n", "table.csv")
    with pytest.raises(IngestError) as info:
        detect_format(path)
    message = str(info.value)
    assert "文件 table.csv 第2行：无法识别的作业记账格式" in message
    assert "table.csv line 2: unrecognised job accounting format" in message


def test_detect_format_rejects_empty_file(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match=r"empty\.log is empty"):
        detect_format(write(tmp_path, "\n\n", "empty.log"))


# --- Slurm ------------------------------------------------------------------------


def test_staged_table_has_the_declared_columns(con: duckdb.DuckDBPyConnection) -> None:
    stage_jobs(con, sample("slurm_sacct_parsable2_xdmod_unit.log"), table="t")
    described = rows(con, "SELECT column_name, column_type FROM (DESCRIBE t)")
    assert dict(described) == JOB_COLUMNS
    assert list(JOB_COLUMNS) == [name for name, _ in described]


def test_slurm_phillips_reproduces_open_xdmod_figures(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # SOURCES.md: 4,285 lines, 239 with node list "None assigned"; XDMoD's regression
    # suite expects 4046 jobs ended, 11767.9883 CPU hours, 1344.8686 node hours and
    # 4 active users; all jobs lie inside its 2016-12-22 .. 2017-01-01 window.
    assert stage_jobs(con, sample(PHILLIPS)) == 4046
    jobs_ended, users, node_hours, first, last = rows(
        con,
        "SELECT count(DISTINCT job_id), count(DISTINCT user_name), "
        "sum(nodes * date_diff('second', start_time, end_time)) / 3600, "
        "min(start_time), max(end_time) FROM jobs_stage",
    )[0]
    assert (jobs_ended, users) == (4046, 4)
    assert round(core_hours(con), 4) == 11767.9883
    assert round(node_hours, 4) == 1344.8686
    assert first >= datetime(2016, 12, 22) and last < datetime(2017, 1, 2)
    assert rows(con, "SELECT count(*) FROM jobs_stage_problems") == [(0,)]


def test_slurm_unit_log_matches_xdmod_shredder_output(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # Expected values from ubccr/xdmod tests/artifacts/.../slurm/output/accounting-logs.json
    # (epoch 1435460150 = 2015-06-28 02:55:50 UTC, and so on). XDMoD keeps the fourth
    # line, a job of 0 CPUs on 0 nodes that ran 0 s; 0 cores is impossible (issue 17),
    # so it is a problem here, counted and not stored. The core-hours are the same.
    assert stage_jobs(con, sample("slurm_sacct_parsable2_xdmod_unit.log")) == 3
    assert rows(con, "SELECT * FROM jobs_stage ORDER BY source_row")[1] == (
        "4107166", "hanx", "dspumpkins", "general-compute", "100-Floors-of-Frights",
        datetime(2015, 6, 26, 19, 51, 25), datetime(2015, 6, 28, 15, 14, 49),
        datetime(2015, 7, 1, 13, 17, 53), 36, 3, "CANCELLED", 2,
    )  # fmt: skip
    # 256 × 259200 s + 36 × 252184 s + 48 × 50449 s = 77855352 core-seconds
    assert core_hours(con) == pytest.approx(77855352 / 3600)
    assert rows(con, "SELECT source_row, reason FROM jobs_stage_problems") == [
        (4, "cores must be at least 1, got 0")
    ]


def test_slurm_rules_steps_running_never_ran_arrays_requeues(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    t0, t1, t2 = "2024-01-01T00:00:00", "2024-01-01T01:00:00", "2024-01-01T02:00:00"
    lines = [
        sacct("100", t0, t1, jobname="a|b|c"),  # 1: "|" inside the last field
        sacct("100.batch", t0, t1),  # 2-4: job steps are not jobs
        sacct("100.extern", t0, t1),
        sacct("100.0", t0, t1),
        sacct("101", t0, "Unknown", state="RUNNING"),  # 5: still running
        # 6-7: never ran
        sacct("102", "Unknown", t1, state="CANCELLED by 7", nodelist="None assigned"),
        sacct("103", "None", t1, state="CANCELLED", nodelist="None assigned"),
        sacct("104_4", t0, t1),  # 8: array element
        sacct("105_[1-3,7%2]", t0, t1, ncpus="1"),  # 9: array range, 4 elements
        sacct("106", t0, "2024-01-01T00:30:00", state="REQUEUED"),  # 10-11: requeued
        sacct("106", t1, t2, state="CANCELLED by 0"),
        sacct("107", "Unknown", "Unknown", state="PENDING", nodelist="None assigned"),
    ]
    path = write(tmp_path, "\n".join(lines) + "\n")
    assert stage_jobs(con, path) == 8
    assert rows(con, "SELECT job_id, source_row, state, job_name FROM jobs_stage") == [
        ("100", 1, "COMPLETED", "a|b|c"),
        ("104_4", 8, "COMPLETED", "job"),
        ("105_1", 9, "COMPLETED", "job"),
        ("105_2", 9, "COMPLETED", "job"),
        ("105_3", 9, "COMPLETED", "job"),
        ("105_7", 9, "COMPLETED", "job"),
        ("106", 10, "REQUEUED", "job"),
        ("106", 11, "CANCELLED", "job"),
    ]
    # 4 cores × 1 h (100) + 4 × 1 h (104_4) + 4 elements × 1 core × 1 h
    # + 4 × 0.5 h (106, first run) + 4 × 1 h (106, second run) = 18 core-hours
    assert core_hours(con) == pytest.approx(18.0)
    assert rows(con, "SELECT count(*) FROM jobs_stage_problems") == [(0,)]


def test_slurm_header_in_any_order_with_aliases(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "NCPUS|End|JobID|User|Start|State|NodeList|JobName\n"
        "8|2024-03-01T12:00:00|9|bob|2024-03-01T10:00:00|COMPLETED|n1|x|y\n"
        "2|2024-03-01T12:00:00|9.batch|bob|2024-03-01T10:00:00|COMPLETED|n1|batch\n",
    )
    assert stage_jobs(con, path) == 1
    assert rows(con, "SELECT job_id, user_name, account, cores, job_name, source_row "
                     "FROM jobs_stage") == [("9", "bob", None, 8, "x|y", 2)]  # fmt: skip
    # A blank first line, AllocCPUS for NCPUS, and a second dump appended with its
    # own header.
    header = "JobID|AllocCPUS|Start|End\n"
    job = "{}|3|2024-03-01T10:00:00|2024-03-01T11:00:00\n"
    stage_jobs(
        con, write(tmp_path, "\n" + header + job.format(1) + header + job.format(2))
    )
    assert rows(con, "SELECT job_id, cores, source_row FROM jobs_stage") == [
        ("1", 3, 3),
        ("2", 3, 5),
    ]


def test_mixed_line_ends_fail_with_a_hint(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    t0, t1 = "2024-01-01T00:00:00", "2024-01-01T01:00:00"
    text = sacct("1", t0, t1) + "\r\n" + sacct("2", t0, t1) + "\n" + sacct("3", t0, t1)
    with pytest.raises(IngestError, match="convert it with dos2unix"):
        stage_jobs(con, write(tmp_path, text.encode()))


def test_slurm_header_without_start_is_refused(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = write(tmp_path, "JobID|End|NCPUS\n1|2024-03-01T11:00:00|4\n")
    with pytest.raises(IngestError, match="the sacct header lacks columns: start"):
        stage_jobs(con, path)


def test_slurm_pipe_in_a_name_that_is_not_last_is_a_problem(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "JobID|JobName|Start|End|NCPUS\n"
        "1|ok|2024-03-01T10:00:00|2024-03-01T11:00:00|4\n"
        "2|a|b|2024-03-01T10:00:00|2024-03-01T11:00:00|4\n",
    )
    assert stage_jobs(con, path) == 1
    # One field too many is read as an extra trailing field, which puts "b" where
    # the start belongs.
    assert rows(con, "SELECT * FROM jobs_stage_problems") == [
        (
            3,
            "bad-record",
            "start is not a time: b (6 fields separated by |, expected 5)",
        )
    ]


def test_slurm_legacy_25_column_layout(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    # XDMoD 6.x asked for 25 columns: no qos and alloctres, reqgres before reqtres.
    line = sacct("5", "2024-02-01T00:00:00", "2024-02-01T03:00:00",
                 ncpus="2", layout=SLURM_LEGACY_FIELDS)  # fmt: skip
    assert len(line.split("|")) == 25
    assert stage_jobs(con, write(tmp_path, line + "\n")) == 1
    assert rows(con, "SELECT job_id, user_name, cores FROM jobs_stage") == [
        ("5", "ann", 2)
    ]
    assert core_hours(con) == pytest.approx(6.0)  # 2 cores × 3 h


def test_slurm_times_in_another_zone_become_utc(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = write(tmp_path, sacct("1", "2024-01-01T08:00:00", "2024-01-01T09:30:00"))
    stage_jobs(con, path, tz="Asia/Shanghai")  # UTC+8
    assert rows(con, "SELECT start_time, end_time FROM jobs_stage") == [
        (datetime(2024, 1, 1, 0, 0), datetime(2024, 1, 1, 1, 30))
    ]
    with pytest.raises(IngestError, match="unknown time zone 'Mars/Olympus'"):
        stage_jobs(con, path, tz="Mars/Olympus")


def test_bad_lines_are_recorded_as_problems_with_their_line_number(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    t0, t1 = "2024-01-01T00:00:00", "2024-01-01T01:00:00"
    text = "\n".join(
        [
            sacct("1", t0, t1),
            "",  # blank lines count in line numbers
            "1|2|3",
            sacct("2", "yesterday", t1),
            sacct("3", t1, t0),
            sacct("4", t0, t1),
        ]
    )
    path = write(tmp_path, text, "bad.log")
    assert stage_jobs(con, path) == 2
    assert rows(con, "SELECT job_id, source_row FROM jobs_stage") == [
        ("1", 1),
        ("4", 6),
    ]
    found = jobs.job_problems(con, path)
    assert [(p.row, p.kind.type) for p in found] == [
        (3, "bad-record"),
        (4, "bad-record"),
        (5, "bad-record"),
    ]
    assert "3 fields separated by |, expected 26" in found[0].message_en
    assert "文件 bad.log，第4行" in found[1].message_zh
    assert "start is not a time: yesterday" in found[1].message_en
    assert "is before start" in found[2].message_en


def test_invalid_utf8_line_is_kept_and_later_lines_keep_their_numbers(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    t0, t1 = "2024-01-01T00:00:00", "2024-01-01T01:00:00"
    good = [sacct(str(i), t0, t1).encode() for i in (1, 3, 5)]
    gbk_name = sacct("2", t0, t1, jobname="作业").encode("gbk")  # not UTF-8
    latin1_name = sacct("4", t0, t1, jobname="café").encode("latin-1")
    text = b"\n".join([good[0], gbk_name, good[1], latin1_name, b"", good[2]])
    assert stage_jobs(con, write(tmp_path, text)) == 5
    assert rows(con, "SELECT job_id, source_row FROM jobs_stage ORDER BY source_row") == [
        ("1", 1), ("2", 2), ("3", 3), ("4", 4), ("5", 6)
    ]  # fmt: skip
    assert rows(con, "SELECT source_row, reason FROM jobs_stage_problems") == [
        (2, "not valid UTF-8; record kept with the bad bytes shown as ?"),
        (4, "not valid UTF-8; record kept with the bad bytes shown as ?"),
    ]


def test_a_file_with_no_parsable_record_fails_whole(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = write(tmp_path, sacct("1", "2024-01-01T00:00:00", "2024-01-01T01:00:00"))
    with pytest.raises(IngestError) as info:
        stage_jobs(con, path, fmt="pbs")
    assert (
        "acct.log: no pbs job record could be parsed; line 1: not a PBS record"
        in str(info.value)
    )
    with pytest.raises(IngestError, match="unknown job log format 'torque'"):
        stage_jobs(con, path, fmt="torque")
    with pytest.raises(ValueError, match="not a plain SQL identifier"):
        stage_jobs(con, path, table="jobs; DROP TABLE x")


# --- PBS / TORQUE / PBS Pro -------------------------------------------------------


def test_pbs_sample_by_hand(con: duckdb.DuckDBPyConnection) -> None:
    path = sample("pbs_torque_accounting_xdmod_unit.log")
    assert stage_jobs(con, path) == 9
    got = rows(con, "SELECT job_id, cores, nodes, date_diff('second', start_time, "
                    "end_time), account, state FROM jobs_stage")  # fmt: skip
    assert got == [
        # exec_host lists i02n33..i02n30 with /7 .. /0 each: 32 CPUs on 4 nodes;
        # end 1261427220 - start 1261425023 = 2197 s. The same job twice (with and
        # without ".edge.ccr.buffalo.edu"): two records, two rows.
        ("6", 32, 4, 2197, None, "COMPLETED"),
        ("6", 32, 4, 2197, None, "COMPLETED"),
        # n404/2+n404/3+n404/4+n404/5 = 4 CPUs (Resource_List.ncpus=1 is wrong);
        # 1415599191 - 1415589841 = 9350 s; Exit_status=1.
        ("6464684", 4, 1, 9350, "anonaccount", "FAILED"),
        # PBS Pro c1/0*13 + ... + c5/0*13 = 65 CPUs; 1453766437 - 1453766281 = 156 s;
        # project=_pbs_project_default is no account.
        ("2994", 65, 5, 156, None, "COMPLETED"),
        # c1/0-3 (4) + c2/0-7 (8) = 12 CPUs on 2 nodes; 156 s.
        ("2995", 12, 2, 156, None, "COMPLETED"),
        # No exec_host: Resource_List.nodes=1:ppn=28 gives 1 × 28; nodect=1;
        # 1485459831 - 1485451424 = 8407 s.
        ("7904", 28, 1, 8407, "caste", "FAILED"),
        # node0703/0-27 = 28 CPUs; 1588146353 - 1588046353 = 100000 s.
        ("10711", 28, 1, 100000, "caste", "COMPLETED"),
        ("10712", 28, 1, 100000, "caste", "COMPLETED"),
        # exec_host=[hostname_2]/0*0 says 0, but exec_vnode has ncpus=24 + ncpus=24
        # and Resource_List.ncpus=48: 48 CPUs; 1607328038 - 1607291966 = 36072 s.
        ("3073070", 48, 1, 36072, "[project1]", "FAILED"),
    ]
    # 2 × 32 × 2197 + 4 × 9350 + 65 × 156 + 12 × 156 + 28 × 8407 + 2 × 28 × 100000
    # + 48 × 36072 = 140608 + 37400 + 10140 + 1872 + 235396 + 5600000 + 1731456
    # = 7756872 core-seconds = 2154.6867 core-hours
    assert core_hours(con) == pytest.approx(7756872 / 3600)
    assert round(core_hours(con), 4) == 2154.6867
    submitted = "SELECT user_name, queue, job_name, submit_time FROM jobs_stage "
    assert rows(con, submitted + "WHERE job_id = '2994'") == [
        ("anonuser", "workq", "anonjob", datetime(2016, 1, 25, 21, 11, 37))  # ctime
    ]


def test_pbs_only_end_records_of_jobs_that_started(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    text = (
        "03/01/2024 10:00:00;Q;11[2].srv;queue=batch\n"
        "03/01/2024 10:00:01;S;11[2].srv;user=u start=1709287201\n"
        "03/01/2024 11:00:01;E;11[2].srv;user=u queue=batch start=1709287201 "
        "end=1709290801 exec_host=n1/0+n1/1 Exit_status=0\n"
        "03/01/2024 11:00:02;E;12-3.srv;user=u start=1709287201 end=1709290801 "
        "Resource_List.ncpus=3\n"
        "03/01/2024 11:00:03;E;13.srv;user=u end=1709290801 Exit_status=271\n"
        "03/01/2024 11:00:04;D;14.srv;requestor=u@h\n"
    )
    assert stage_jobs(con, write(tmp_path, text)) == 2
    # Q, S and D records are not jobs; job 13 has no start (deleted while queued).
    assert rows(
        con, "SELECT job_id, cores, nodes, state, source_row FROM jobs_stage"
    ) == [
        ("11_2", 2, 1, "COMPLETED", 3),
        ("12_3", 3, None, None, 4),
    ]


# --- LSF --------------------------------------------------------------------------


def test_lsf_sample_by_hand(con: duckdb.DuckDBPyConnection) -> None:
    assert stage_jobs(con, sample("lsf_lsb.acct_xdmod_unit.log")) == 2
    got = rows(con, "SELECT * EXCLUDE (source_row) FROM jobs_stage")
    # Fields 3 (event time 1389683139 = end), 4 (jobId 404717), 7 (numProcessors 128),
    # 8 (submitTime 1389642318), 11 (startTime 1389642771), 12 (userName), 13 (queue);
    # numAskedHosts 0, numExHosts 8, then jStatus 64 (DONE), hostFactor, jobName
    # "abcde0040"; projectName "anonproject" is the 25th field after the hosts.
    expected = (
        "404717", "anonuser", "anonproject", "regular", "abcde0040",
        datetime(2014, 1, 13, 19, 45, 18), datetime(2014, 1, 13, 19, 52, 51),
        datetime(2014, 1, 14, 7, 5, 39),
    )  # fmt: skip
    # Line 1 runs on 8 distinct hosts ("16*host1201-ib" ...); line 2 lists
    # host1, host1, host2, host2, ...: 4 distinct hosts.
    assert got == [(*expected, 128, 8, "COMPLETED"), (*expected, 128, 4, "COMPLETED")]
    # 1389683139 - 1389642771 = 40368 s (the sample's run time); 2 × 128 × 40368
    # = 10334208 core-seconds = 2870.6133 core-hours
    assert round(core_hours(con), 4) == 2870.6133


def test_lsf_array_index_never_started_and_other_events(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    line = (sample("lsf_lsb.acct_xdmod_unit.log")).read_text().splitlines()[1]
    element = line.replace('"" "" 0 10725376', '"" "" 7 10725376')  # idx 0 -> 7
    pending = line.replace(" 0 0 1389642771 ", " 0 0 0 ", 1)  # startTime 0
    resize = '"JOB_RESIZE" "9.11" 1389683139 404717 0 0 0'
    path = write(tmp_path, "\n".join([element, pending, resize, "garbage"]) + "\n")
    assert stage_jobs(con, path) == 1
    assert rows(con, "SELECT job_id, source_row FROM jobs_stage") == [("404717_7", 1)]
    assert rows(con, "SELECT source_row, reason FROM jobs_stage_problems") == [
        (4, "not an lsb.acct record")
    ]


# --- SGE / UGE --------------------------------------------------------------------


def test_sge_sample_by_hand(con: duckdb.DuckDBPyConnection) -> None:
    assert stage_jobs(con, sample("sge_accounting_xdmod_unit.log")) == 2
    # Both lines: job 22947, task 0, start 1311095354, end 1311095414 (60 s), slots 1,
    # project NONE and account "sge" (the default): no account. Two records, two runs.
    assert rows(con, "SELECT * EXCLUDE (source_row) FROM jobs_stage") == [
        ("22947", "jdoe", None, "myqueue", "mpi-mem-test",
         datetime(2011, 7, 15, 20, 27, 1), datetime(2011, 7, 19, 17, 9, 14),
         datetime(2011, 7, 19, 17, 10, 14), 1, 1, "COMPLETED"),
    ] * 2  # fmt: skip
    # 2 × 1 core × 60 s = 120 core-seconds
    assert core_hours(con) == pytest.approx(120 / 3600)


def test_uge_milliseconds_are_detected(con: duckdb.DuckDBPyConnection) -> None:
    assert stage_jobs(con, sample("uge_accounting_xdmod_unit.log")) == 2
    assert rows(con, "SELECT job_id, cores, start_time, end_time FROM jobs_stage") == [
        # 1311095354000 ms etc.: the same job as the SGE sample, 1 slot, 60 s.
        ("22947", 1, datetime(2011, 7, 19, 17, 9, 14), datetime(2011, 7, 19, 17, 10, 14)),
        # start 1652111622875 ms, end 1652124460193 ms, floored to seconds as XDMoD
        # does: 1652111622 .. 1652124460 = 12838 s; slots 16.
        ("4437956", 16, datetime(2022, 5, 9, 15, 53, 42), datetime(2022, 5, 9, 19, 27, 40)),
    ]  # fmt: skip
    # 1 × 60 + 16 × 12838 = 205468 core-seconds = 57.0744 core-hours
    assert round(core_hours(con), 4) == 57.0744


def test_sge_skips_comments_unstarted_jobs_and_parallel_task_records(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    def record(job: str, task: str, start: str, pe_taskid: str, category: str) -> str:
        fields = ["q", "h1", "g", "u", "name", job, "sge", "0", "1700000000", start,
                  "1700003600", "0", "0", *["0"] * 18, "proj", "dept", "mpi", "4", task,
                  "0", "0", "0", category, "0", pe_taskid, "0", "0", "0"]  # fmt: skip
        return ":".join(fields)

    text = "\n".join(
        [
            "# Version: 8.1.9",
            record("1", "3", "1700000000", "NONE", "-l num_proc=8 -pe mpi 4"),
            record("1", "3", "1700000000", "1.h2", "-pe mpi 4"),  # task of a PE job
            record("2", "0", "0", "NONE", "-pe mpi 4"),  # never started
            "too:few:fields",
        ]
    )
    assert stage_jobs(con, write(tmp_path, text)) == 1
    # slots 4 < num_proc 8: 8 cores; task 3 of array job 1; 1 h.
    assert rows(
        con, "SELECT job_id, account, cores, nodes, source_row FROM jobs_stage"
    ) == [("1_3", "proj", 8, 1, 2)]
    assert rows(con, "SELECT source_row FROM jobs_stage_problems") == [(5,)]


def test_public_examples_run() -> None:
    for module in (jobs, jobs_slurm, hpc_sql):
        assert doctest.testmod(module).failed == 0


# --- hpc_sql ----------------------------------------------------------------------


@pytest.fixture
def hpc(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Two systems: 'a' upgraded from 100 to 200 cores on 1 July 2024, 'b' from 16 Nov."""
    con.execute(
        "CREATE TABLE hpc_systems (system VARCHAR, cores INTEGER, valid_from DATE, "
        "valid_to DATE)"
    )
    con.execute(
        "INSERT INTO hpc_systems VALUES ('a', 100, '2024-01-01', '2024-07-01'), "
        "('a', 200, '2024-07-01', NULL), ('b', 10, '2024-11-16', NULL)"
    )
    columns = ", ".join(f"{c} {t}" for c, t in JOB_COLUMNS.items())
    con.execute(f"CREATE TABLE hpc_jobs ({columns}, system VARCHAR)")
    con.executemany(
        "INSERT INTO hpc_jobs (system, job_id, user_name, account, cores, start_time, "
        "end_time) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            # j1 crosses 30 June / 1 July: 50 × 12 h in June, 50 × 12 h in July.
            ("a", "1", "u1", "acct1", 50, "2024-06-30 12:00", "2024-07-01 12:00"),
            # j2 crosses 31 Dec midnight: 100 × 2 h in 2024, 100 × 2 h in 2025.
            ("a", "2", "u2", "acct2", 100, "2024-12-31 22:00", "2025-01-01 02:00"),
            # j5 lasts no time at all, on 1 March.
            ("a", "5", "u5", "", 8, "2024-03-01 00:00", "2024-03-01 00:00"),
            # j3: 10 cores × 24 h in December.
            ("b", "3", "u3", None, 10, "2024-12-01 00:00", "2024-12-02 00:00"),
            # job 9 was requeued: two runs of 2 cores × 1 h.
            ("b", "9", "u1", "acct1", 2, "2024-12-10 00:00", "2024-12-10 01:00"),
            ("b", "9", "u1", "acct1", 2, "2024-12-10 02:00", "2024-12-10 03:00"),
        ],
    )
    con.execute(
        "CREATE TABLE hpc_user_organizations (user_name VARCHAR, organization VARCHAR)"
    )
    con.execute("INSERT INTO hpc_user_organizations VALUES ('u1', 'Org X')")
    return con


YEAR_2024 = {"start": datetime(2024, 1, 1), "end": datetime(2025, 1, 1)}
YEAR_2025 = {"start": datetime(2025, 1, 1), "end": datetime(2026, 1, 1)}


def test_core_hours_split_at_the_year_boundary(hpc: duckdb.DuckDBPyConnection) -> None:
    # a: 600 + 600 (j1) + 200 (j2 before midnight); b: 240 (j3) + 2 + 2 (job 9)
    assert rows(hpc, hpc_sql.core_hours_sql(), YEAR_2024) == [
        ("a", 1400.0),
        ("b", 244.0),
    ]
    assert rows(hpc, hpc_sql.core_hours_sql(), YEAR_2025) == [("a", 200.0)]


def test_monthly_utilisation_prorates_capacity(hpc: duckdb.DuckDBPyConnection) -> None:
    monthly = rows(hpc, hpc_sql.monthly_utilisation_sql(), YEAR_2024)
    by_month = {(s, m.month): (used, cap, pct) for s, m, used, cap, pct in monthly}
    assert len([k for k in by_month if k[0] == "a"]) == 12
    # June: 100 cores × 30 d × 24 h = 72000 available, 600 used.
    assert by_month["a", 6] == (600.0, 72000.0, pytest.approx(100 * 600 / 72000))
    # July, after the upgrade: 200 × 31 × 24 = 148800 available.
    assert by_month["a", 7] == (600.0, 148800.0, pytest.approx(100 * 600 / 148800))
    assert by_month["a", 12] == (200.0, 148800.0, pytest.approx(100 * 200 / 148800))
    assert by_month["a", 3] == (0.0, 100 * 31 * 24, 0.0)
    # b enters service on 16 November: 10 cores × 15 d × 24 h = 3600 in November.
    assert sorted(k for k in by_month if k[0] == "b") == [("b", 11), ("b", 12)]
    assert by_month["b", 11] == (0.0, 3600.0, 0.0)
    assert by_month["b", 12] == (244.0, 7440.0, pytest.approx(100 * 244 / 7440))


def test_capacity_change_in_mid_month(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TABLE hpc_systems AS SELECT * FROM (VALUES "
        "('c', 100, DATE '2024-01-01', DATE '2024-06-16'), "
        "('c', 200, DATE '2024-06-16', CAST(NULL AS DATE))) "
        "AS s(system, cores, valid_from, valid_to)"
    )
    columns = ", ".join(f"{c} {t}" for c, t in JOB_COLUMNS.items())
    con.execute(f"CREATE TABLE hpc_jobs ({columns}, system VARCHAR)")
    june = {"start": datetime(2024, 6, 1), "end": datetime(2024, 7, 1)}
    # 100 × 15 d × 24 h + 200 × 15 d × 24 h = 36000 + 72000
    assert rows(con, hpc_sql.monthly_utilisation_sql(), june) == [
        ("c", datetime(2024, 6, 1).date(), 0.0, 108000.0, 0.0)
    ]


def test_year_utilisation_is_the_mean_of_months_in_service(
    hpc: duckdb.DuckDBPyConnection,
) -> None:
    got = {r[0]: r[1:] for r in rows(hpc, hpc_sql.utilisation_sql(), YEAR_2024)}
    a_months = [100 * 600 / 72000, 100 * 600 / 148800, 100 * 200 / 148800]
    a_capacity = 100 * 24 * (31 + 29 + 31 + 30 + 31 + 30) + 200 * 24 * (
        31 + 31 + 30 + 31 + 30 + 31
    )
    assert got["a"] == pytest.approx(
        (12, 1400.0, a_capacity, sum(a_months) / 12, 100 * 1400 / a_capacity)
    )
    # b: November 0 %, December 244 / 7440 = 3.2796 %; pooled 244 / 11040.
    assert got["b"] == pytest.approx(
        (2, 244.0, 11040.0, (0 + 100 * 244 / 7440) / 2, 100 * 244 / 11040)
    )


def test_jobs_users_and_organizations(hpc: duckdb.DuckDBPyConnection) -> None:
    # Ended in 2024: a: 1 and 5 (2 ends in 2025); b: 3 and 9 (two runs, one job).
    assert rows(hpc, hpc_sql.jobs_ended_sql(), YEAR_2024) == [
        ("a", 2), ("b", 2), (None, 4)
    ]  # fmt: skip
    # Active in 2024: a: u1, u2 (j2 runs 2 h in 2024), u5 (zero-length job);
    # b: u3, u1. In all: u1, u2, u3, u5.
    assert rows(hpc, hpc_sql.active_users_sql(), YEAR_2024) == [
        ("a", 3), ("b", 2), (None, 4)
    ]  # fmt: skip
    assert rows(hpc, hpc_sql.active_users_sql(), YEAR_2025) == [("a", 1), (None, 1)]
    # u1 -> Org X (mapped); u2 -> its account acct2; u3 (no account) and u5 (empty
    # account) -> their user names. a: Org X, acct2, u5; b: u3, Org X; in all: 4.
    assert rows(hpc, hpc_sql.active_organizations_sql(), YEAR_2024) == [
        ("a", 3), ("b", 2), (None, 4)
    ]  # fmt: skip


def test_phillips_utilisation_matches_open_xdmod(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # SOURCES.md: phillips has 4,000 cores from 2016-12-22. CPU hours per month
    # 2016-12 = 9994.7011 and 2017-01 = 1773.2872; utilisation 1.0411 % and 0.0596 %;
    # over the months 0.2990 % (Month aggregate) and over 2016-12-22 .. 2017-01-01
    # 1.1144 % (Day aggregate), both pooled.
    stage_jobs(con, sample(PHILLIPS))
    con.execute(
        "CREATE VIEW hpc_jobs AS SELECT *, 'phillips' AS system FROM jobs_stage"
    )
    con.execute(
        "CREATE VIEW hpc_systems AS SELECT 'phillips' AS system, 4000 AS cores, "
        "DATE '2016-12-22' AS valid_from, CAST(NULL AS DATE) AS valid_to"
    )
    months = {"start": datetime(2016, 12, 1), "end": datetime(2017, 2, 1)}
    monthly = rows(con, hpc_sql.monthly_utilisation_sql(), months)
    assert [(round(used, 4), round(pct, 4)) for *_, used, _, pct in monthly] == [
        (9994.7011, 1.0411),
        (1773.2872, 0.0596),
    ]
    ((_, n, used, capacity, mean, pooled),) = rows(
        con, hpc_sql.utilisation_sql(), months
    )
    assert (n, round(used, 4), capacity) == (2, 11767.9883, 4000 * 41 * 24)
    assert round(pooled, 4) == 0.2990
    assert mean == pytest.approx((1.0411147 + 0.0595863) / 2)
    days = {"start": datetime(2016, 12, 22), "end": datetime(2017, 1, 2)}
    ((*_, pooled_days),) = rows(con, hpc_sql.utilisation_sql(), days)
    assert round(pooled_days, 4) == 1.1144
    assert rows(con, hpc_sql.jobs_ended_sql(), days) == [
        ("phillips", 4046),
        (None, 4046),
    ]


@pytest.mark.parametrize(
    "build",
    [pytest.param(getattr(hpc_sql, name), id=name) for name in hpc_sql.__all__],
)
def test_sql_transpiles_to_spark(build: Any) -> None:
    spark = sqlglot.transpile(build(), read="duckdb", write="spark")
    assert len(spark) == 1 and "$" not in spark[0]


# --- the fast path's line scan ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "last_line", "irregular"),
    [
        (b"a\nb\nc\n", 3, False),
        (b"a\nb\nc", 3, False),  # no line end after the last line
        (b"a\nb\n\n\n", 2, False),  # empty lines at the end shift nothing
        (b"a\n\nb\n", 3, False),  # read_csv would read 2 rows: the check fails
        (b"a\r\nb\r\n\r\n", 2, False),
        (b"a\r\nb\nc\r\n", 3, True),  # mixed line ends
        (b"a\nb\r\nc\n", 3, True),
        (b"", 0, False),
    ],
)
def test_scan_lines_counts_lines_up_to_the_last_text(
    tmp_path: Path, text: bytes, last_line: int, irregular: bool
) -> None:
    scan = jobs.scan_lines(write(tmp_path, text), key=1)
    assert (scan.last_line, scan.irregular) == (last_line, irregular)


def test_scan_lines_samples_job_ids_across_chunks_hashes_and_copies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hashlib

    monkeypatch.setattr(jobs, "_CHUNK_BYTES", 64)
    lines = [f"{n}|u{n}|x" for n in range(1, 200)]
    path = write(tmp_path, "\n".join(lines) + "\n")
    copied: list[bytes] = []
    scan = jobs.scan_lines(path, key=2, digest=hashlib.sha256(), sink=copied.append)
    assert len(scan.samples) > 10
    assert all(value == f"u{row}" for row, value in scan.samples.items())
    assert scan.last_line == 199
    assert scan.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert b"".join(copied) == path.read_bytes()


def test_a_trailing_empty_line_keeps_the_fast_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, con: duckdb.DuckDBPyConnection
) -> None:
    t0, t1 = "2024-01-01T00:00:00", "2024-01-01T01:00:00"
    path = write(tmp_path, "\n".join(sacct(str(i), t0, t1) for i in (1, 2)) + "\n\n\n")
    parsed: list[str] = []
    real = jobs._parse_sql
    monkeypatch.setattr(jobs, "_parse_sql", lambda *a: parsed.append(a[0]) or real(*a))
    assert stage_jobs(con, path) == 2
    assert parsed == []  # the reference path never ran
    assert rows(con, "SELECT job_id, source_row FROM jobs_stage") == [
        ("1", 1),
        ("2", 2),
    ]
