"""Grid Engine ``accounting`` files (SGE, Son of Grid Engine, Univa/Altair UGE).

Colon-separated records, ``accounting(5)``: 1 qname, 2 hostname, 3 group, 4 owner,
5 job_name, 6 job_number, 7 account, 8 priority, 9 submission_time, 10 start_time,
11 end_time, 12 failed, 13 exit_status, 14 ru_wallclock, ... 32 project,
33 department, 34 granted_pe, 35 slots, 36 task_number, 37 cpu, 38 mem, 39 io,
40 category, 41 iow, 42 pe_taskid, 43 maxvmem ... (at least 43 fields, as Open
XDMoD's ``Shredder/Sge.php`` requires). Lines starting with ``#`` are comments.

UGE 8.2+ writes the three times in epoch milliseconds: a value of 10^11 or more is
read as milliseconds and, as XDMoD's ``Uge.php`` does, floored to the second.

As in XDMoD: cores are the larger of slots and the ``num_proc=`` of the category's
``-l`` list; records with start 0 never ran and are skipped; an array task
(task_number > 0) is ``job_number_task``. XDMoD then merges all records of a job
and task into one span; we keep each record as one run (a rescheduled job ran
twice) but skip the per-task records of a parallel job (``pe_taskid`` set), whose
time the master record already covers. Nodes is 1: a record names one host.
The account is the project, else the account field unless it is the default
``sge``. State is COMPLETED when failed and exit_status are both 0, else FAILED.
"""

from __future__ import annotations

__all__ = ["select_sql"]

_MIN_FIELDS = 43
# Epoch milliseconds since 1973 exceed this; epoch seconds stay below until year 5138.
_MILLISECONDS_FROM = 100_000_000_000


def select_sql(sample: str, tz: str) -> str:
    """Return the SELECT turning ``raw_lines`` of an accounting file into job rows."""
    del sample, tz  # one layout; epoch times need no zone
    return f"""
        WITH records AS (
            SELECT source_row, string_split(line, ':') AS f
            FROM raw_lines
            WHERE NOT starts_with(line, '#')
        )
        SELECT
            source_row,
            f[6] || CASE WHEN TRY_CAST(f[36] AS BIGINT) > 0
                THEN '_' || f[36] ELSE '' END AS job_id,
            f[4] AS user_name,
            coalesce(nullif(nullif(f[32], 'NONE'), ''),
                     nullif(nullif(f[7], 'sge'), '')) AS account,
            f[1] AS queue,
            f[5] AS job_name,
            {_epoch("f[9]")} AS submit_time,
            {_epoch("f[10]")} AS start_time,
            {_epoch("f[11]")} AS end_time,
            greatest(
                coalesce(TRY_CAST(f[35] AS INTEGER), 1),
                coalesce(TRY_CAST(regexp_extract(f[40], '[ ,]num_proc=(\\d+)', 1)
                                  AS INTEGER), 1)
            ) AS cores,
            1 AS nodes,
            CASE WHEN f[12] = '0' AND f[13] = '0' THEN 'COMPLETED' ELSE 'FAILED' END
                AS state,
            CASE
                WHEN len(f) < {_MIN_FIELDS}
                    THEN len(f) || ' fields separated by :, expected at least {_MIN_FIELDS}'
                WHEN {_epoch("f[10]")} IS NULL OR {_epoch("f[11]")} IS NULL
                    THEN 'start or end is not an epoch time: ' || f[10] || ', ' || f[11]
            END AS problem,
            CAST(NULL AS VARCHAR) AS notice,
            len(f) >= {_MIN_FIELDS}
                AND (f[10] = '0' OR coalesce(f[42], 'NONE') NOT IN ('NONE', '')) AS skip
        FROM records
    """


def _epoch(column: str) -> str:
    """Return SQL for the naive UTC timestamp of epoch seconds or milliseconds."""
    seconds = (
        f"CASE WHEN CAST({column} AS BIGINT) >= {_MILLISECONDS_FROM} "
        f"THEN CAST({column} AS BIGINT) // 1000 ELSE CAST({column} AS BIGINT) END"
    )
    return f"TRY(make_timestamp(({seconds}) * 1000000))"
