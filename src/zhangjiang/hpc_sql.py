"""SQL text for the HPC indicators: core-hours, CPU utilisation, jobs, users, organisations.

Every function returns one DuckDB query over three relations, with the parameters
``$start`` and ``$end`` (timestamps; the period is ``[start, end)``):

- ``hpc_jobs``: the columns of :data:`zhangjiang.ingest.jobs.JOB_COLUMNS` plus
  ``system VARCHAR``; times are naive UTC;
- ``hpc_systems(system, cores, valid_from DATE, valid_to DATE)``: the cores a system
  offers from ``valid_from`` until ``valid_to`` (exclusive; NULL while in service), one
  row per capacity, so a mid-year upgrade is two rows;
- ``hpc_user_organizations(user_name, organization)``.

The SQL stays plain (GREATEST/LEAST, date_diff, generate_series over months,
GROUPING SETS) so that sqlglot can transpile it to Spark SQL unchanged in meaning.

Examples
--------
>>> import duckdb
>>> con = duckdb.connect()
>>> _ = con.execute(
...     "CREATE TABLE hpc_jobs AS SELECT 'a' AS system, 4 AS cores, "
...     "TIMESTAMP '2024-12-31 23:00' AS start_time, "
...     "TIMESTAMP '2025-01-01 01:00' AS end_time"
... )
>>> con.execute(core_hours_sql(), {"start": "2025-01-01", "end": "2026-01-01"}).fetchall()
[('a', 4.0)]
"""

from __future__ import annotations

__all__ = [
    "active_organizations_sql",
    "active_users_sql",
    "core_hours_sql",
    "jobs_ended_sql",
    "monthly_utilisation_sql",
    "utilisation_sql",
]

_START = "CAST($start AS TIMESTAMP)"
_END = "CAST($end AS TIMESTAMP)"
# Every system of the group has a job with a user name: user counts are then known.
USERS_KNOWN = (
    "COUNT(DISTINCT CASE WHEN user_name IS NOT NULL THEN system END) "
    "= COUNT(DISTINCT system)"
)

# Used and available core-hours per system and calendar month, each month clipped to
# [start, end). A job crossing a month boundary counts in each month for its overlap;
# a capacity row counts for its overlap with the month, so a system that entered
# service on the 22nd offers 10 days in a 31-day month.
_MONTHLY = f"""
WITH months AS (
    SELECT CAST(month_start AS TIMESTAMP) AS month_start
    FROM (
        SELECT UNNEST(generate_series(
            date_trunc('month', {_START}), {_END}, INTERVAL 1 MONTH)) AS month_start
    ) AS series
    WHERE month_start < {_END}
), windows AS (
    SELECT
        month_start,
        GREATEST(month_start, {_START}) AS window_start,
        LEAST(month_start + INTERVAL 1 MONTH, {_END}) AS window_end
    FROM months
), capacity AS (
    SELECT
        s.system,
        w.month_start,
        SUM(s.cores * date_diff('second',
            GREATEST(w.window_start, CAST(s.valid_from AS TIMESTAMP)),
            LEAST(w.window_end, COALESCE(CAST(s.valid_to AS TIMESTAMP), w.window_end))
        )) / 3600.0 AS capacity_core_hours
    FROM hpc_systems AS s
    JOIN windows AS w
        ON CAST(s.valid_from AS TIMESTAMP) < w.window_end
        AND (s.valid_to IS NULL OR CAST(s.valid_to AS TIMESTAMP) > w.window_start)
    GROUP BY s.system, w.month_start
), used AS ({{used}}), monthly AS (
    SELECT
        c.system,
        CAST(c.month_start AS DATE) AS month,
        COALESCE(u.core_hours, 0) AS core_hours,
        c.capacity_core_hours,
        100 * COALESCE(u.core_hours, 0) / c.capacity_core_hours AS utilisation_pct
    FROM capacity AS c
    LEFT JOIN used AS u
        ON u.system = c.system AND u.month_start = c.month_start
)
"""


_USED = """
    SELECT
        j.system,
        w.month_start,
        SUM(j.cores * date_diff('second',
            GREATEST(j.start_time, w.window_start),
            LEAST(j.end_time, w.window_end)
        )) / 3600.0 AS core_hours
    FROM hpc_jobs AS j
    JOIN windows AS w
        ON j.start_time < w.window_end AND j.end_time > w.window_start
    GROUP BY j.system, w.month_start
"""


def month_bit_sql(time: str) -> str:
    """Return SQL for the bit of the month of ``time`` in a mask of months (bit m - 1).

    The HPC rollup stores the months of a year as such masks (``hpc_rollup_accounts``),
    and the indicators read them with masks of the period's months.
    """
    return f"(CAST(1 AS INTEGER) << (month({time}) - 1))"


def core_hours_sql() -> str:
    """Return SQL for core-hours per system inside the period.

    Columns ``system, core_hours``: the sum of cores × hours of overlap with
    ``[start, end)``, so a job running across a month or year boundary counts in each
    period for the part it ran there.
    """
    return f"""
SELECT
    system,
    SUM(cores * date_diff('second',
        GREATEST(start_time, {_START}), LEAST(end_time, {_END}))) / 3600.0 AS core_hours
FROM hpc_jobs
WHERE start_time < {_END} AND end_time > {_START}
GROUP BY system
ORDER BY system
"""


def monthly_utilisation_sql(used: str = _USED) -> str:
    """Return SQL for the CPU utilisation of each system in each month of the period.

    Columns ``system, month, core_hours, capacity_core_hours, utilisation_pct``:
    core-hours used in the month over the cores available × hours in the month (the
    capacity pro-rated by ``valid_from``/``valid_to``), in %. Months in which a
    system was not in service have no row.
    """
    return (
        _MONTHLY.replace("{used}", used)
        + "SELECT * FROM monthly ORDER BY system, month\n"
    )


def utilisation_sql(used: str = _USED) -> str:
    """Return SQL for the period's CPU utilisation per system: the mean of its months.

    Columns ``system, months, core_hours, capacity_core_hours, utilisation_pct,
    pooled_utilisation_pct``. ``utilisation_pct`` is the average of the monthly
    figures over the months in service (全系统月均CPU使用率); ``pooled_utilisation_pct``
    is total used over total available core-hours, the figure Open XDMoD reports.
    """
    return (
        _MONTHLY.replace("{used}", used)
        + """SELECT
    system,
    COUNT(*) AS months,
    SUM(core_hours) AS core_hours,
    SUM(capacity_core_hours) AS capacity_core_hours,
    AVG(utilisation_pct) AS utilisation_pct,
    100 * SUM(core_hours) / SUM(capacity_core_hours) AS pooled_utilisation_pct
FROM monthly
GROUP BY system
ORDER BY system
"""
    )


def jobs_ended_sql() -> str:
    """Return SQL for the jobs that ended in the period, per system and in total.

    Columns ``system, jobs_ended``; the total row has ``system`` NULL. Runs sharing a
    job id (a requeued job) count once.
    """
    return f"""
SELECT system, COUNT(*) AS jobs_ended
FROM (
    SELECT DISTINCT system, job_id
    FROM hpc_jobs
    WHERE end_time >= {_START} AND end_time < {_END}
) AS ended
GROUP BY GROUPING SETS ((system), ())
ORDER BY system NULLS LAST
"""


def active_users_sql() -> str:
    """Return SQL for the users with a job overlapping the period, per system and in total.

    Columns ``system, active_users``; the total row (``system`` NULL) counts a user
    of several systems once. A system whose jobs of the period carry no user (a log
    without a User field) has no row: its figure is a gap, not 0; so has the total
    then, since it would leave that system's users out.
    """
    return f"""
SELECT system, COUNT(DISTINCT user_name) AS active_users
FROM hpc_jobs
WHERE {_active("hpc_jobs")}
GROUP BY GROUPING SETS ((system), ())
HAVING {USERS_KNOWN}
ORDER BY system NULLS LAST
"""


def active_organizations_sql() -> str:
    """Return SQL for the organisations served in the period, per system and in total.

    Columns ``system, active_organizations``: the distinct organisations of the users
    with a job overlapping the period. A user missing from
    ``hpc_user_organizations`` counts under the job's account, or under the user
    name when there is no account. The total row has ``system`` NULL. As for
    :func:`active_users_sql`, a system without user names has no row (a gap).
    """
    return f"""
SELECT
    j.system,
    COUNT(DISTINCT COALESCE(o.organization, NULLIF(j.account, ''), j.user_name))
        AS active_organizations
FROM hpc_jobs AS j
LEFT JOIN hpc_user_organizations AS o ON o.user_name = j.user_name
WHERE {_active("j")}
GROUP BY GROUPING SETS ((j.system), ())
HAVING {USERS_KNOWN.replace("system", "j.system").replace("user_name", "j.user_name")}
ORDER BY j.system NULLS LAST
"""


def _active(jobs: str) -> str:
    """Return the condition that a job of ``jobs`` was active in the period."""
    # Overlapping the period, or for a zero-length job, running inside it.
    start, end = f"{jobs}.start_time", f"{jobs}.end_time"
    return f"{start} < {_END} AND ({end} > {_START} OR {start} >= {_START})"
