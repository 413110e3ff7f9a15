"""HPC indicators from the rollup: each job batch summed once per (system, month, user).

Every HPC indicator of every whole-month period (a month, a quarter, a year, a year to
date) reads these small tables instead of the job rows, so computing all periods costs
about what one scan of the jobs costs. Ingest maintains them:
:func:`zhangjiang.ingest.jobs_rollup.refresh` sums the rows of one batch right after
they are committed, and ``compute`` sums any batch still missing. The rows are
keyed by batch id and the queries keep only loaded batches, like the ``hpc_jobs`` view
(the form is ``append``: no cell of it is ever hidden), so a batch that is approved,
rejected or superseded needs no recompute. A period that is not whole months, or a
store whose rollup misses a loaded batch (made before the rollup existed), is computed
from the job rows by the indicator's plain SQL, which the Spark engine also runs.

Tables (created by the migration ``0006_hpc_rollup``):

- ``hpc_rollup_usage(batch_id, system, month, user_name, touching, overlapping,
  active, core_seconds)``: per calendar month a job touches (starts before
  the month ends and ends at or after it starts), the user's jobs that touch it, that
  overlap it (end after it starts), that are active in it (the condition of
  ``hpc_sql._active`` for the month) and their cores × seconds of overlap. For a
  whole-month period each condition holds for a job exactly when it holds for some
  month of the period, and the overlap seconds add up over the months.
- ``hpc_rollup_accounts(batch_id, system, user_name, fallback, year, months)``: the
  organisations a user counts under when missing from the map (the accounts of the
  active jobs, or the user name where there is none), with the months of ``year`` in
  which the user had an active job on it (bit ``m - 1`` for month ``m``).
- ``hpc_rollup_ends(batch_id, system, month, runs)``: job runs per month of end.
- ``hpc_rollup_repeats(batch_id, row, system, job_id, month)``: every run whose
  (system, job id) occurs more than once among the stored runs, with its month of
  end. Jobs completed (runs of a requeued job count once) are then the runs, less
  the repeated runs, plus their distinct ids: exact without keeping every job id.
- ``hpc_rollup_batches(batch_id)``: the batches summed.
"""

from __future__ import annotations

from zhangjiang.hpc_sql import USERS_KNOWN as _USERS_KNOWN
from zhangjiang.hpc_sql import month_bit_sql

__all__ = [
    "READY_SQL",
    "job_batches_cte",
    "rollup_active_organizations_sql",
    "rollup_active_users_sql",
    "rollup_core_hours_sql",
    "rollup_jobs_ended_sql",
    "rollup_used_sql",
    "usage_cte",
]

_DATASET = "hpc-jobs"
_START = "CAST($start AS DATE)"
_END = "CAST($end AS DATE)"
_LOADED = "(SELECT id FROM batches WHERE status = 'loaded')"


# True when every loaded job batch is summed (else the plain SQL is used).
READY_SQL = f"""
SELECT NOT EXISTS (
    SELECT 1 FROM batches
    WHERE dataset = '{_DATASET}' AND status = 'loaded'
      AND id NOT IN (SELECT batch_id FROM hpc_rollup_batches)
)
"""


# The period's months per year as bit masks.
_MASKS = f"""masks AS (
    SELECT year(m) AS year, bit_or({month_bit_sql("m")}) AS months
    FROM (SELECT UNNEST(range(CAST({_START} AS TIMESTAMP), CAST({_END} AS TIMESTAMP),
        INTERVAL 1 MONTH)) AS m)
    GROUP BY ALL
)"""


def usage_cte(where: str = "") -> str:
    """Return the CTE ``usage``: rollup rows of loaded batches in the period's months."""
    extra = f" AND {where}" if where else ""
    return (
        "usage AS (SELECT batch_id AS _batch_id, system, month, user_name, "
        "touching, overlapping, active, core_seconds FROM hpc_rollup_usage "
        f"WHERE batch_id IN {_LOADED} AND month >= {_START} AND month < {_END}{extra})"
    )


def rollup_used_sql() -> str:
    """Return SQL for core-hours used per system and month (``used`` of hpc_sql)."""
    return f"""SELECT system, CAST(month AS TIMESTAMP) AS month_start,
        SUM(core_seconds) / 3600.0 AS core_hours
    FROM hpc_rollup_usage
    WHERE batch_id IN {_LOADED} AND month >= {_START} AND month < {_END}
      AND overlapping > 0
    GROUP BY system, month"""


def rollup_core_hours_sql() -> str:
    """Return SQL giving the rows of ``hpc_sql.core_hours_sql`` from the rollup."""
    return f"""WITH {usage_cte("overlapping > 0")}
SELECT system, SUM(core_seconds) / 3600.0 AS core_hours
FROM usage
GROUP BY system
ORDER BY system
"""


def rollup_jobs_ended_sql() -> str:
    """Return SQL giving the rows of ``hpc_sql.jobs_ended_sql`` from the rollup."""
    window = f"batch_id IN {_LOADED} AND month >= {_START} AND month < {_END}"
    return f"""WITH repeats AS (
    SELECT system, job_id FROM hpc_rollup_repeats WHERE {window}
), parts AS (
    SELECT system, SUM(runs) AS n FROM hpc_rollup_ends WHERE {window} GROUP BY system
    UNION ALL
    SELECT system, -count(*) FROM repeats GROUP BY system
    UNION ALL
    SELECT system, count(*) FROM (SELECT DISTINCT system, job_id FROM repeats) AS d
    GROUP BY system
)
SELECT system, CAST(SUM(n) AS BIGINT) AS jobs_ended
FROM parts
GROUP BY GROUPING SETS ((system), ())
ORDER BY system NULLS LAST
"""


def rollup_active_users_sql() -> str:
    """Return SQL giving the rows of ``hpc_sql.active_users_sql`` from the rollup."""
    return f"""WITH {usage_cte("active > 0")}
SELECT system, COUNT(DISTINCT user_name) AS active_users
FROM usage
GROUP BY GROUPING SETS ((system), ())
HAVING {_USERS_KNOWN}
ORDER BY system NULLS LAST
"""


def rollup_active_organizations_sql() -> str:
    """Return SQL giving the rows of ``hpc_sql.active_organizations_sql`` from the rollup."""
    return f"""WITH {usage_cte("active > 0")}, {_MASKS}, organizations AS (
    SELECT j.system, o.organization
    FROM usage AS j
    JOIN hpc_user_organizations AS o ON o.user_name = j.user_name
    WHERE o.organization IS NOT NULL
    UNION ALL
    SELECT a.system, a.fallback AS organization
    FROM hpc_rollup_accounts AS a
    JOIN masks AS m ON m.year = a.year AND (a.months & m.months) <> 0
    LEFT JOIN hpc_user_organizations AS o ON o.user_name = a.user_name
    WHERE a.batch_id IN {_LOADED} AND o.organization IS NULL
), named AS (
    SELECT system, bool_or(user_name IS NOT NULL) AS named FROM usage GROUP BY system
), counted AS (
    SELECT system, COUNT(DISTINCT organization) AS active_organizations,
        GROUPING(system) AS total
    FROM organizations
    GROUP BY GROUPING SETS ((system), ())
)
-- As in hpc_sql: a system without user names has no row, nor then has the total.
SELECT system, active_organizations
FROM counted
WHERE (total = 0 AND system IN (SELECT system FROM named WHERE named))
   OR (total = 1 AND NOT EXISTS (SELECT 1 FROM named WHERE NOT named))
ORDER BY system NULLS LAST
"""


def job_batches_cte() -> str:
    """Return the CTE ``job_batches``: the loaded job batches touching the period."""
    return (
        "job_batches AS (SELECT DISTINCT system, batch_id AS _batch_id "
        f"FROM hpc_rollup_usage WHERE batch_id IN {_LOADED} "
        f"AND month >= {_START} AND month < {_END})"
    )
