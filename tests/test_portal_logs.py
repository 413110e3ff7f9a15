"""Portal uploads of HPC job logs and publication lists (zhangjiang.portal.uploads).

An operator of a supercomputing centre submits the scheduler's own log for one of their
systems; a facility's user office submits a publication export. Both go through the
same pending → review path as a tabular form.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from zhangjiang.indicators.engine import evaluate
from zhangjiang.indicators.registry import load_builtin
from zhangjiang.ingest.load import ingest_file
from zhangjiang.periods import Period
from zhangjiang.portal.accounts import get_user
from zhangjiang.portal.review import approve_batch
from zhangjiang.portal.state import open_state
from zhangjiang.portal.uploads import Submitted, submit_upload

from .conftest import table_counts
from .portal_support import World, build_world

HEADER = "JobID|User|Account|Partition|Start|End|NCPUS|NNodes|State|JobName"
YEAR_2024 = Period("2024", date(2024, 1, 1), date(2025, 1, 1))
PAPERS = Path(__file__).parent / "data" / "facilities" / "ssrf_papers.ris"


@pytest.fixture
def world(tmp_path: Path) -> World:
    return build_world(tmp_path)


def job_log(*jobs: tuple[str, str, int]) -> bytes:
    """Return a sacct dump with a header from (job id, user, cores) rows of one hour."""
    lines = [HEADER] + [
        f"{j}|{u}|acct|cpu|2024-03-01T00:00:00|2024-03-01T01:00:00|{c}|1|COMPLETED|t"
        for j, u, c in jobs
    ]
    return ("\n".join(lines) + "\n").encode()


def upload(
    world: World,
    user: str,
    dataset: str,
    body: bytes,
    name: str,
    facility: str = "",
    content_type: str = "text/plain",
) -> Submitted:
    state = open_state(world.settings.db)
    account = get_user(state, user)
    assert account is not None
    return submit_upload(
        world.store,
        state,
        world.settings,
        account,
        dataset,
        io.BytesIO(body),
        name,
        content_type,
        submitted_for=facility,
    )


def hpc_jobs(world: World, system: str) -> Any:
    with world.store.connect(read_only=True) as con:
        for row in evaluate(con, load_builtin()["hpc.jobs"], YEAR_2024):
            if row.get("system") == system:
                return row["value"]
    return None


def test_operator_submits_a_job_log_that_counts_once_approved(world: World) -> None:
    body = job_log(("1", "ann", 4), ("2", "bob", 8), ("2.batch", "bob", 8))
    out = upload(world, "op_a", "hpc-jobs", body, "sacct-2024-03.log")
    assert (out.outcome, out.rows) == ("pending", 2), out.to_dict()
    assert "待统计人员审核" in out.message_zh
    assert hpc_jobs(world, "FAC-A") is None  # pending rows are not figures yet
    approve_batch(world.store, out.batch_id)
    assert hpc_jobs(world, "FAC-A") == 2
    batch = world.store.query(
        "SELECT file_name, status, scope FROM batches WHERE id = ?", [out.batch_id]
    )[0]
    assert batch == {
        "file_name": "sacct-2024-03.log",
        "status": "loaded",
        "scope": "FAC-A",
    }


def test_approval_skips_runs_loaded_since_the_upload(world: World) -> None:
    first = upload(world, "op_a", "hpc-jobs", job_log(("1", "ann", 4)), "a.log")
    # Uploaded before the first was approved: job 1 again, and job 3.
    second = upload(
        world, "op_a", "hpc-jobs", job_log(("1", "ann", 4), ("3", "cy", 2)), "b"
    )
    assert (first.outcome, second.outcome) == ("pending", "pending")
    approve_batch(world.store, first.batch_id)
    result = approve_batch(world.store, second.batch_id)
    assert result["repeated_runs"] == 1
    assert hpc_jobs(world, "FAC-A") == 2
    rows = world.store.query("SELECT rows FROM batches WHERE id = ?", [second.batch_id])
    assert rows == [{"rows": 1}]


def test_job_log_for_another_operators_system_is_refused(world: World) -> None:
    before = table_counts(world.store)
    out = upload(world, "op_a", "hpc-jobs", job_log(("1", "ann", 4)), "x.log", "FAC-B")
    assert out.outcome == "rejected"
    assert [p.kind.type for p in out.problems] == ["foreign-scope"]
    assert table_counts(world.store) == before


def test_unreadable_job_log_is_rejected_with_its_reason(world: World) -> None:
    before = table_counts(world.store)
    out = upload(world, "op_a", "hpc-jobs", b"hello\nworld\n", "notes.txt")
    assert out.outcome == "rejected"
    (found,) = out.problems
    assert found.kind.type == "file-unreadable"
    assert "notes.txt" in found.message_zh and "notes.txt" in found.message_en
    assert "无法识别的作业记账格式" in found.message_zh
    assert "unrecognised job accounting format" in found.message_en
    assert "upload" not in found.message_en  # the saved copy's name never shows
    assert table_counts(world.store) == before


def test_job_log_content_and_system_are_checked(world: World) -> None:
    # Any name will do, as schedulers name their logs; the content must be text.
    for job, name in enumerate(("lsb.acct.1", "sacct.2024-03", "20240301"), 11):
        out = upload(world, "op_a", "hpc-jobs", job_log((str(job), "ann", 4)), name)
        assert (out.outcome, out.rows) == ("pending", 1), (name, out.to_dict())
    out = upload(world, "op_a", "hpc-jobs", b"PK\x03\x04" + bytes(100), "jobs.log")
    assert [p.kind.type for p in out.problems] == ["wrong-file-type"]
    assert "text files" in out.problems[0].message_en  # what this form takes
    # A statistician must say which system a log comes from.
    out = upload(world, "stat1", "hpc-jobs", job_log(("1", "ann", 4)), "jobs.log")
    assert [p.kind.type for p in out.problems] == ["required-missing"]


def test_publication_list_is_submitted_for_the_operators_facility(
    world: World, tmp_path: Path
) -> None:
    register = tmp_path / "facilities.csv"
    register.write_text(
        "设施编号,设施名称,英文名称,设施类型\nFAC-A,设施甲,Facility A,光源\n",
        encoding="utf-8",
    )
    assert ingest_file(world.store, "facilities", register, world.settings).rows == 1
    out = upload(
        world, "op_a", "publications", PAPERS.read_bytes(), "papers.ris", "FAC-A"
    )
    assert (out.outcome, out.rows) == ("pending", 4), out.to_dict()
    approve_batch(world.store, out.batch_id)
    rows = world.store.query(
        "SELECT count(*) AS n FROM publications WHERE facility = 'FAC-A'"
    )
    assert rows == [{"n": 4}]


def test_an_identical_log_from_another_operator_does_not_reveal_the_batch(
    world: World,
) -> None:
    body = job_log(("1", "ann", 4))
    mine = upload(world, "op_a", "hpc-jobs", body, "a.log")
    theirs = upload(world, "op_b", "hpc-jobs", body, "b.log")
    assert (mine.outcome, theirs.outcome) == ("pending", "duplicate")
    assert theirs.batch_id is None  # op_b may not see op_a's batch
    again = upload(world, "op_a", "hpc-jobs", body, "a.log")
    assert (again.outcome, again.batch_id) == ("duplicate", mine.batch_id)


def test_a_header_dump_keeps_short_lines_as_problems(world: World) -> None:
    # JobID is not the first column: a truncated last line has no JobID field.
    body = (
        b"User|JobID|Start|End|NCPUS|State\n"
        b"ann|1|2024-03-01T00:00:00|2024-03-01T01:00:00|4|COMPLETED\n"
        b"bob\n"
    )
    out = upload(world, "op_a", "hpc-jobs", body, "cut.log")
    assert (out.outcome, out.rows) == ("pending", 1), out.to_dict()
    skipped = [p for p in out.problems if p.kind.type == "job-record-skipped"]
    assert [p.row for p in skipped] == [3]
