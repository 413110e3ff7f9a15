"""What staging a job log reports besides its jobs: skipped lines and notices.

:func:`~zhangjiang.ingest.jobs.stage_jobs` leaves the lines that are not jobs in
``{table}_problems(source_row, problem, reason)`` and counts the notices of stored jobs
(a caveat such as one extra trailing field) in ``{table}_notices(notice, count,
first_row)``. This module turns both into declared problems, and builds the error for
a log that holds no job at all.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from zhangjiang.errors import FileProblemError
from zhangjiang.ingest.problems import Problem, problem

if TYPE_CHECKING:
    from zhangjiang.store.duckdb import Connection

__all__ = [
    "NOTICES",
    "TABLE_NAME",
    "empty_log_error",
    "job_notices",
    "job_problems",
    "record_notices",
    "skipped_lines",
]

# Notices a format's SELECT gives a stored job, and their declared problem kinds.
NOTICES = {"extra-field": "job-extra-field", "walltime-mismatch": "walltime-mismatch"}
# A staging table name that is safe to write into SQL.
TABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def job_problems(
    con: Connection, path: Path, table: str = "jobs_stage", limit: int = 1000
) -> list[Problem]:
    """Return the first ``limit`` problems that :func:`stage_jobs` recorded for ``path``."""
    if not TABLE_NAME.fullmatch(table):
        raise ValueError(f"not a plain SQL identifier: {table!r}")
    rows = con.execute(
        f"SELECT source_row, problem, reason FROM {table}_problems "
        "ORDER BY source_row LIMIT $limit",
        {"limit": limit},
    ).fetchall()
    return [
        problem(kind, path.name, row=row, reason=reason) for row, kind, reason in rows
    ]


def skipped_lines(
    con: Connection, name: str, table: str = "jobs_stage", limit: int = 1000
) -> list[Problem]:
    """Return the lines :func:`stage_jobs` left out as ``job-record-skipped`` warnings.

    A line that is not a job (unparsable, impossible values) is skipped and the rest
    of the log loads, so validating and loading report it alike: a counted warning
    naming the line and the reason, in the file ``name`` the user knows.
    """
    return [
        problem("job-record-skipped", name, row=p.row, reason=p.params["reason"])
        for p in job_problems(con, Path(name), table, limit)
    ]


def job_notices(con: Connection, name: str, table: str = "jobs_stage") -> list[Problem]:
    """Return one warning per kind of notice :func:`stage_jobs` counted on stored jobs.

    A notice marks a job that is stored but read with a caveat: a line with one extra
    trailing field (``job-extra-field``), a PBS job whose two wall times disagree
    (``walltime-mismatch``). Each warning gives the count and the first line.
    """
    if not TABLE_NAME.fullmatch(table):
        raise ValueError(f"not a plain SQL identifier: {table!r}")
    rows = con.execute(
        f"SELECT notice, count, first_row FROM {table}_notices ORDER BY notice"
    ).fetchall()
    return [
        problem(NOTICES[notice], name, row=first, count=count)
        for notice, count, first in rows
        if notice in NOTICES
    ]


def empty_log_error(name: str, reason_zh: str, reason_en: str) -> FileProblemError:
    """Return the error refusing a job log that holds no job (``empty-job-log``)."""
    found = problem("empty-job-log", name, reason_zh=reason_zh, reason_en=reason_en)
    return FileProblemError(f"{found.message_zh} / {found.message_en}", [found])


def record_notices(con: Connection, table: str, source: str) -> None:
    """Count the notices of the jobs kept in ``source`` into ``{table}_notices``."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table}_notices AS "
        "SELECT notice, count(*) AS count, min(source_row) AS first_row "
        f"FROM {source} WHERE notice IS NOT NULL AND skip IS NOT TRUE "
        "AND problem IS NULL GROUP BY notice"
    )
