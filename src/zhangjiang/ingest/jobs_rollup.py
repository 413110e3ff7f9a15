"""The HPC rollup of job batches, maintained as job logs load.

Each batch of ``hpc-jobs`` is summed once per (system, month, user) into the
tables that :mod:`zhangjiang.indicators.hpc_rollup` describes and reads (created by
the migration ``0006_hpc_rollup``). :func:`refresh` runs right after a batch's rows are
stored, and again when they change, inside the transaction that stores them, so the
rollup is never out of step with the rows. Rows are keyed by batch id: a batch that is
approved, rejected or superseded needs no recompute.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zhangjiang.store.duckdb import Connection

__all__ = ["refresh"]

_TABLE = "ds_hpc_jobs"

# One row per job and calendar month it touches; most jobs lie in one month, so only
# the others are spread over their months.
_MONTHS = f"""
WITH jobs AS (
    SELECT system, user_name, account, cores, start_time, end_time,
        date_trunc('month', start_time) AS first_month,
        date_trunc('month', end_time) AS last_month
    FROM {_TABLE}
    WHERE _batch_id = $batch_id AND start_time IS NOT NULL AND end_time IS NOT NULL
), spread AS (
    SELECT system, user_name, account, cores, start_time, end_time,
        CAST(first_month AS TIMESTAMP) AS month_start
    FROM jobs WHERE first_month = last_month
    UNION ALL
    SELECT system, user_name, account, cores, start_time, end_time,
        CAST(UNNEST(generate_series(first_month, last_month, INTERVAL 1 MONTH))
            AS TIMESTAMP) AS month_start
    FROM jobs WHERE first_month < last_month
), windows AS (
    SELECT *, month_start + INTERVAL 1 MONTH AS month_end FROM spread
)
"""

_ACTIVE = "end_time > month_start OR start_time >= month_start"
_USAGE = (
    _MONTHS
    + f"""
SELECT
    $batch_id AS batch_id, system, CAST(month_start AS DATE) AS month, user_name,
    count(*) AS touching,
    count(*) FILTER (WHERE end_time > month_start) AS overlapping,
    count(*) FILTER (WHERE {_ACTIVE}) AS active,
    SUM(CASE WHEN end_time > month_start THEN cores * date_diff('second',
        GREATEST(start_time, month_start), LEAST(end_time, month_end)) END)
        AS core_seconds,
    list(DISTINCT COALESCE(NULLIF(account, ''), user_name)) FILTER (WHERE {_ACTIVE})
        AS fallbacks
FROM windows
WHERE start_time < month_end AND end_time >= month_start
GROUP BY ALL
"""
)

_ENDS = f"""
SELECT $batch_id, system, CAST(date_trunc('month', end_time) AS DATE), count(*)
FROM {_TABLE}
WHERE _batch_id = $batch_id AND end_time IS NOT NULL
GROUP BY ALL
"""

# The runs of every (system, job id) of the batch that occurs more than once, in this
# batch or beside another's, that are not listed yet. Keys are compared by their hash,
# a number, which keeps the count of a 10M-run batch small; a collision only lists a
# run that does not repeat, which changes no figure (it adds -1 run and +1 id).
# ``{others}`` is empty on the first load of a store (nothing to compare with).
_REPEATS = """
WITH own AS (
    SELECT hash(system, job_id) AS h FROM {table}
    WHERE _batch_id = $batch_id AND end_time IS NOT NULL
), repeated AS (
    SELECT h FROM own GROUP BY h HAVING count(*) > 1
    {others}
)
SELECT j._batch_id, j._row, j.system, j.job_id,
    CAST(date_trunc('month', j.end_time) AS DATE)
FROM {table} AS j
WHERE j._batch_id > 0 AND j.end_time IS NOT NULL
  AND hash(j.system, j.job_id) IN (SELECT h FROM repeated)
  AND NOT EXISTS (
    SELECT 1 FROM hpc_rollup_repeats AS k
    WHERE k.batch_id = j._batch_id AND k."row" = j._row
  )
"""
_OTHERS = """
    UNION
    SELECT DISTINCT o.h FROM own AS o
    SEMI JOIN (
        SELECT hash(system, job_id) AS h FROM {table}
        WHERE _batch_id > 0 AND _batch_id <> $batch_id AND end_time IS NOT NULL
    ) AS j ON j.h = o.h
"""


def refresh(con: Connection, batch_id: int) -> None:
    """Sum the stored rows of job batch ``batch_id`` into the rollup (again).

    Call it after the batch's rows are stored, and whenever they change (a run
    dropped as already loaded), inside the transaction that changed them.
    """
    params = {"batch_id": batch_id}
    for table in ("usage", "ends", "batches"):
        con.execute(f"DELETE FROM hpc_rollup_{table} WHERE batch_id = ?", [batch_id])
    con.execute(f"INSERT INTO hpc_rollup_usage {_USAGE}", params)
    con.execute(f"INSERT INTO hpc_rollup_ends {_ENDS}", params)
    # Listed runs of this batch that are gone were dropped; the others stay listed.
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
    repeats = _REPEATS.format(
        table=_TABLE, others=_OTHERS.format(table=_TABLE) if others else ""
    )
    con.execute(f"INSERT INTO hpc_rollup_repeats {repeats}", params)
    con.execute("INSERT INTO hpc_rollup_batches VALUES (?)", [batch_id])
