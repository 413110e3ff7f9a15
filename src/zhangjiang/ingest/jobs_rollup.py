"""The HPC rollup of job batches, maintained as job logs load.

Each batch of ``hpc-jobs`` is summed once per (system, month, user) into the
tables that :mod:`zhangjiang.indicators.hpc_rollup` describes and reads (created by
the migrations ``0006_hpc_rollup`` and ``0007_hpc_rollup_accounts``). :func:`refresh`
runs right after a batch's rows are committed, and again when they change; until it
has run for a batch, the indicators compute from the job rows (the plain SQL), and
:func:`refresh_missing` (run by ``compute``) sums any loaded batch the rollup lacks.
Rows are keyed by batch id: a batch that is approved, rejected or superseded needs no
recompute.

Most jobs start and end in one calendar month; those are summed straight from the
rows, and only the others are spread over the months they touch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zhangjiang.hpc_sql import month_bit_sql

if TYPE_CHECKING:
    from zhangjiang.store.duckdb import Connection

__all__ = ["refresh", "refresh_missing"]

_TABLE = "ds_hpc_jobs"

_JOBS = f"""
jobs AS NOT MATERIALIZED (
    SELECT system, user_name, COALESCE(NULLIF(account, ''), user_name) AS fallback,
        cores, start_time, end_time,
        date_trunc('month', start_time) AS first_month,
        date_trunc('month', end_time) AS last_month
    FROM {_TABLE}
    WHERE _batch_id = $batch_id AND start_time IS NOT NULL AND end_time IS NOT NULL
), spread AS NOT MATERIALIZED (
    -- The few jobs running over a month's end: one row per month they touch (a job
    -- ending exactly at a month's start touches that month, without overlapping it).
    SELECT *, month_start + INTERVAL 1 MONTH AS month_end FROM (
        SELECT system, user_name, fallback, cores, start_time, end_time,
            CAST(UNNEST(generate_series(first_month, last_month, INTERVAL 1 MONTH))
                AS TIMESTAMP) AS month_start
        FROM jobs WHERE first_month < last_month
    )
)"""

# Per calendar month a job touches: the jobs touching it, overlapping it (ending after
# it starts), active in it (hpc_sql's condition for the month), and their core-seconds
# of overlap. A job within one month touches it and is active in it; it overlaps it
# unless it is a zero-length job at the month's very start.
_USAGE = f"""
WITH {_JOBS}, parts AS (
    SELECT system, CAST(first_month AS DATE) AS month, user_name,
        count(*) AS touching,
        count(*) FILTER (WHERE end_time > first_month) AS overlapping,
        count(*) AS active,
        SUM(CASE WHEN end_time > first_month
            THEN cores * date_diff('second', start_time, end_time) END) AS core_seconds
    FROM jobs
    WHERE first_month = last_month
    GROUP BY ALL
    UNION ALL
    SELECT system, CAST(month_start AS DATE), user_name,
        count(*),
        count(*) FILTER (WHERE end_time > month_start),
        count(*) FILTER (WHERE end_time > month_start OR start_time >= month_start),
        SUM(CASE WHEN end_time > month_start THEN cores * date_diff('second',
            GREATEST(start_time, month_start), LEAST(end_time, month_end)) END)
    FROM spread
    GROUP BY ALL
)
SELECT $batch_id, system, month, user_name, SUM(touching), SUM(overlapping),
    SUM(active), SUM(core_seconds)
FROM parts
GROUP BY ALL
"""

# Per user, job account (or the user name where there is none) and year: the months
# (bit m - 1 for month m) in which the user had an active job on that account. A user
# missing from the organisation map counts under these.
_ACCOUNTS = f"""
WITH {_JOBS}, parts AS (
    SELECT system, user_name, fallback, year(first_month) AS year,
        bit_or({month_bit_sql("first_month")}) AS months
    FROM jobs
    WHERE first_month = last_month AND fallback IS NOT NULL
    GROUP BY ALL
    UNION ALL
    SELECT system, user_name, fallback, year(month_start),
        bit_or({month_bit_sql("month_start")})
    FROM spread
    WHERE fallback IS NOT NULL
      AND (end_time > month_start OR start_time >= month_start)
    GROUP BY ALL
)
SELECT $batch_id, system, user_name, fallback, year, bit_or(months)
FROM parts
GROUP BY ALL
"""

_ENDS = f"""
SELECT $batch_id, system, CAST(date_trunc('month', end_time) AS DATE), count(*)
FROM {_TABLE}
WHERE _batch_id = $batch_id AND end_time IS NOT NULL
GROUP BY ALL
"""

# The (system, job id) keys of the batch that occur more than once, in this batch or
# beside another's. Keys are compared by their hash, a number, which keeps the count
# of a 10M-run batch small; a collision only lists a run that does not repeat, which
# changes no figure (it adds -1 run and +1 id). ``{others}`` is empty on the first
# load of a store (nothing to compare with).
_REPEATED = """
WITH own AS (
    SELECT hash(system, job_id) AS h FROM {table}
    WHERE _batch_id = $batch_id AND end_time IS NOT NULL
)
SELECT h FROM own GROUP BY h HAVING count(*) > 1
{others}
"""
_OTHERS = """
UNION
SELECT DISTINCT o.h FROM own AS o
SEMI JOIN (
    SELECT hash(system, job_id) AS h FROM {table}
    WHERE _batch_id > 0 AND _batch_id <> $batch_id AND end_time IS NOT NULL
) AS j ON j.h = o.h
"""
# Every run of those keys not listed yet.
_REPEATS = """
SELECT j._batch_id, j._row, j.system, j.job_id,
    CAST(date_trunc('month', j.end_time) AS DATE)
FROM {table} AS j
WHERE j._batch_id > 0 AND j.end_time IS NOT NULL
  AND hash(j.system, j.job_id) IN (SELECT h FROM {repeated})
  AND NOT EXISTS (
    SELECT 1 FROM hpc_rollup_repeats AS k
    WHERE k.batch_id = j._batch_id AND k."row" = j._row
  )
"""
_SCRATCH = "hpc_rollup_repeated"

_TABLES = ("usage", "accounts", "ends", "batches")


def refresh(con: Connection, batch_id: int) -> None:
    """Sum the stored rows of job batch ``batch_id`` into the rollup (again).

    Call it once the batch's rows are stored, and whenever they change (a run
    dropped as already loaded), in one transaction of its own or of the change.
    """
    params = {"batch_id": batch_id}
    for table in _TABLES:
        con.execute(f"DELETE FROM hpc_rollup_{table} WHERE batch_id = ?", [batch_id])
    con.execute(f"INSERT INTO hpc_rollup_usage {_USAGE}", params)
    con.execute(f"INSERT INTO hpc_rollup_accounts {_ACCOUNTS}", params)
    con.execute(f"INSERT INTO hpc_rollup_ends {_ENDS}", params)
    listed = con.execute(
        "SELECT count(*) FROM hpc_rollup_repeats WHERE batch_id = ?", [batch_id]
    ).fetchall()[0][0]
    if listed:  # listed runs of this batch that are gone were dropped
        con.execute(
            f"""DELETE FROM hpc_rollup_repeats AS k WHERE k.batch_id = $batch_id
                AND NOT EXISTS (SELECT 1 FROM {_TABLE} AS j
                    WHERE j._batch_id = k.batch_id AND j._row = k."row")""",
            params,
        )
    others = con.execute(
        f"SELECT EXISTS (SELECT 1 FROM {_TABLE} WHERE _batch_id > 0 "
        "AND _batch_id <> ?)",
        [batch_id],
    ).fetchall()[0][0]
    repeated = _REPEATED.format(
        table=_TABLE, others=_OTHERS.format(table=_TABLE) if others else ""
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE {_SCRATCH} AS {repeated}", params)
    if con.execute(f"SELECT count(*) FROM {_SCRATCH}").fetchall()[0][0]:
        repeats = _REPEATS.format(table=_TABLE, repeated=_SCRATCH)
        con.execute(f"INSERT INTO hpc_rollup_repeats {repeats}")
    con.execute(f"DROP TABLE {_SCRATCH}")
    con.execute("INSERT INTO hpc_rollup_batches VALUES (?)", [batch_id])


def refresh_missing(con: Connection) -> list[int]:
    """Sum every loaded or pending job batch the rollup lacks; return their ids.

    A load commits its rows before summing them, so a load stopped in between, or a
    store made before the rollup, leaves batches to sum; the indicators read their
    rows meanwhile.
    """
    missing = [
        int(r[0])
        for r in con.execute(
            "SELECT id FROM batches WHERE dataset = 'hpc-jobs' "
            "AND status IN ('loaded', 'pending') "
            "AND id NOT IN (SELECT batch_id FROM hpc_rollup_batches) ORDER BY id"
        ).fetchall()
    ]
    for batch_id in missing:
        refresh(con, batch_id)
    return missing
