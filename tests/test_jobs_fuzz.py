"""Fuzz the job-log readers (issues 17 and 20): random bytes and mutated real samples.

Whatever the input, a reader either parses it or refuses it with a ZhangjiangError
(no traceback), every problem reported is a declared kind, and a refused file stores
nothing: no batch, no job row, no archived file.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import VENDORED
from zhangjiang.config import Settings
from zhangjiang.errors import ZhangjiangError
from zhangjiang.ingest.jobs import FORMATS, job_notices, job_problems, stage_jobs
from zhangjiang.ingest.jobs_load import ingest_jobs
from zhangjiang.ingest.problems import PROBLEM_KINDS
from zhangjiang.ingest.service import validate_path
from zhangjiang.store import open_store

HPC = VENDORED / "data" / "hpc-samples"
# Small samples of every format (the vendored real files, and lines in the layouts of
# the formats whose real samples the repository cannot carry).
SAMPLES = [
    (HPC / "aws_slurm_multinode_sacct_output.txt").read_bytes(),
    (HPC / "aws_lsf_lsb.acct").read_bytes()[:3000],
    (HPC / "aws_lsf_issue_gl9_lsb.acct").read_bytes()[:3000],
    b"JobID|User|Account|Partition|Start|End|NCPUS|NNodes|State|JobName\n"
    b"7|ann|phys|cpu|2024-01-01T00:00:00|2024-01-01T02:00:00|4|1|COMPLETED|a\n"
    b"8_[1-3]|bob|chem|gpu|2024-01-01T00:00:00|2024-01-01T01:00:00|2|1|FAILED|b\n"
    b"8.batch|bob|chem|gpu|2024-01-01T00:00:00|2024-01-01T01:00:00|2|1|FAILED|b\n",
    b"01/01/2024 02:00:00;E;12.srv;user=ann account=phys queue=q ctime=1704067000 "
    b"start=1704067200 end=1704074400 exec_host=n1/0-3 Exit_status=0 "
    b"resources_used.walltime=02:00:00\n",
    b"q:n1:g:ann:job:12:sge:0:1704067000:1704067200:1704074400:0:0:7200"
    + b":0" * 17
    + b":NONE:NONE:NONE:4:0:1:1:1:-l num_proc=4:0:NONE:1\n",
    b"JobId=9 UserId=ann(1) GroupId=g(1) Account=a Name=x y JobState=COMPLETED "
    b"Partition=p StartTime=2024-01-01T00:00:00 EndTime=2024-01-01T01:00:00 "
    b"NodeList=n[1-2] ProcCnt=8\n",
]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """Return a sample with a few bytes cut, repeated, replaced or inserted."""
    data = bytearray(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["cut", "insert", "replace", "repeat", "truncate"]))
        chunk = draw(st.binary(min_size=1, max_size=12))
        if kind == "cut":
            del data[at : at + len(chunk)]
        elif kind == "insert":
            data[at:at] = chunk
        elif kind == "replace":
            data[at : at + len(chunk)] = chunk
        elif kind == "repeat":
            data[at:at] = data[at : at + 40]
        else:
            del data[at:]
    return bytes(data)


inputs = st.one_of(
    st.binary(max_size=400),
    st.text(alphabet='|:;= \n\t"0123456789-TJobIdUser()[]*.,#E', max_size=300).map(
        str.encode
    ),
    mutated(),
)

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _declared(problems: list) -> bool:
    return all(p.kind.type in PROBLEM_KINDS for p in problems)


@FUZZ
@given(data=inputs, fmt=st.sampled_from([None, *FORMATS]), fields=st.booleans())
def test_readers_parse_or_refuse_cleanly(
    data: bytes, fmt: str | None, fields: bool
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.log"
        path.write_bytes(data)
        con = duckdb.connect()
        try:
            stage_jobs(con, path, fmt if not fields else None,
                       fields="JobID,User,Start,End,NCPUS" if fields else None)  # fmt: skip
        except ZhangjiangError as exc:
            zh, en = exc.zh_en
            assert zh and en
            assert "fuzz.log" in str(exc) or "--fields" in str(exc)
            return
        assert _declared(job_problems(con, path) + job_notices(con, path.name))
        con.close()


@pytest.fixture(scope="module")
def fuzz_store(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("fuzz")
    settings_ = Settings(db=folder / "z.duckdb", user="fuzz")
    return open_store(settings_.db), settings_, folder


def _state(store) -> tuple[int, int, int]:
    batches = store.query("SELECT count(*) AS n FROM batches")[0]["n"]
    jobs = store.query("SELECT count(*) AS n FROM ds_hpc_jobs")[0]["n"]
    archive = Path(str(store.path) + ".files")
    files = sum(1 for p in archive.rglob("*") if p.is_file()) if archive.exists() else 0
    return batches, jobs, files


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=inputs)
def test_ingest_refuses_without_storing(fuzz_store, data: bytes) -> None:
    store, settings_, folder = fuzz_store
    path = folder / "upload.log"
    path.write_bytes(data)
    before = _state(store)
    try:
        checked = validate_path("hpc-jobs", path, settings_)
        assert _declared(checked.problems)
        result = ingest_jobs(store, "hpc-jobs", path, settings_, system="fuzz",
                             display_name="mine.log", status="pending")  # fmt: skip
    except ZhangjiangError as exc:
        assert all(exc.zh_en)
        assert _state(store) == before
        return
    assert _declared(result.problems)
    assert all(p.file == "mine.log" for p in result.problems)
    if result.outcome in ("rejected", "duplicate"):
        assert _state(store) == before
    else:
        assert result.rows > 0
        assert _state(store)[1] == before[1] + result.rows


def test_empty_and_comment_only_logs_are_declared_problems(tmp_path: Path) -> None:
    store = open_store(tmp_path / "z.duckdb")
    settings_ = Settings(db=tmp_path / "z.duckdb", user="t")
    for body in (b"", b"\n\n  \n", b"# only a comment\n", b"JobID|Start|End|NCPUS\n"):
        path = tmp_path / "upload-123.part"
        path.write_bytes(body)
        result = ingest_jobs(store, "hpc-jobs", path, settings_, system="s",
                             display_name="jobs-2024.log", status="pending")  # fmt: skip
        assert result.outcome == "rejected"
        assert [p.kind.type for p in result.problems] == ["empty-job-log"]
        assert "jobs-2024.log" in result.problems[0].message_en
    assert _state(store) == (0, 0, 0)
