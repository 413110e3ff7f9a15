"""PBS, TORQUE and PBS Pro accounting files: ``MM/DD/YYYY HH:MM:SS;E;jobid;key=value ...``.

As in Open XDMoD's ``Shredder/Pbs.php``: only ``E`` (job end) records are jobs; start
and end are the ``start=``/``end=`` epoch seconds and submit is ``ctime=``; the job id
is the sequence number before the first dot, with ``123[4]`` and ``123-4`` array
elements written ``123_4``; nodes are the distinct hosts of ``exec_host``.

Cores: XDMoD counts the CPUs of ``exec_host`` (``h/0+h/1``, ``h/0-3``, ``h/0,2``,
PBS Pro ``h/0*13``). We take the largest of that count, the ``ncpus=`` of PBS Pro's
``exec_vnode``, ``Resource_List.ncpus`` and ``resources_used.ncpus``, because PBS Pro
may write ``exec_host=h/0*0`` for a job that had 48 CPUs, and TORQUE may leave
``Resource_List.ncpus=1`` for a job that ran on 4. Without any of them,
``Resource_List.nodes=N:ppn=P`` gives N × P.

The account is ``account=``, else PBS Pro's ``project=`` unless it is the default
``_pbs_project_default``. Records without a start (the job was deleted before it
ran) are skipped. State is COMPLETED for ``Exit_status=0`` and FAILED otherwise.

Wall time is ``end − start`` (:data:`WALLTIME_RULE`), as for every other scheduler,
and the HPC indicators say so. Other tools read ``resources_used.walltime``, which the
MOM measures and which leaves out the time before the job's script starts or after
it ends. Where both are present and differ by more than a minute, the job is stored
(by ``end − start``) and counted in a ``walltime-mismatch`` warning.
"""

from __future__ import annotations

import re

__all__ = ["WALLTIME_RULE", "select_sql"]

WALLTIME_RULE = "end - start"
_WALLTIME_TOLERANCE_S = 60
_RECORD = r"^(\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2});(\w);([^;]+);(.*)$"


def select_sql(sample: str, tz: str) -> str:
    """Return the SELECT turning ``raw_lines`` of a PBS accounting file into job rows."""
    del sample, tz  # one layout; epoch times need no zone
    exec_cpus = """list_sum([
                list_sum([
                    CASE
                        WHEN contains(c, '-') THEN TRY_CAST(split_part(c, '-', 2) AS INTEGER)
                            - TRY_CAST(split_part(c, '-', 1) AS INTEGER) + 1
                        WHEN contains(c, '*') THEN TRY_CAST(split_part(c, '*', 2) AS INTEGER)
                        ELSE 1
                    END
                    FOR c IN string_split(split_part(h, '/', 2), ',')
                ])
                FOR h IN string_split(exec_host, '+')
            ])"""
    return f"""
        WITH records AS (
            SELECT source_row,
                regexp_extract(line, '{_RECORD}', ['stamp', 'kind', 'id', 'attrs']) AS r
            FROM raw_lines
        ), ended AS (
            SELECT source_row, r.kind = '' AS malformed,
                split_part(r.id, '.', 1) AS seq,
                {_attr("user")} AS user_name,
                coalesce({_attr("account")},
                         nullif({_attr("project")}, '_pbs_project_default')) AS account,
                {_attr("queue")} AS queue,
                {_attr("jobname")} AS job_name,
                {_attr("ctime")} AS ctime,
                {_attr("start")} AS "start",
                {_attr("end")} AS "end",
                {_attr("Exit_status")} AS exit_status,
                {_attr("exec_host")} AS exec_host,
                {_attr("exec_vnode")} AS exec_vnode,
                {_attr("Resource_List.ncpus")} AS list_ncpus,
                {_attr("resources_used.ncpus")} AS used_ncpus,
                {_attr("Resource_List.nodes")} AS list_nodes,
                {_attr("Resource_List.nodect")} AS list_nodect,
                {_attr("resources_used.walltime")} AS used_walltime
            FROM records
            WHERE r.kind IN ('E', '')
        )
        SELECT
            source_row,
            regexp_replace(regexp_replace(seq, '\\[\\]$', ''),
                '^(\\d+)(?:\\[|-)(\\d+)\\]?$', '\\1_\\2') AS job_id,
            user_name, account, queue, job_name,
            {_epoch("ctime")} AS submit_time,
            {_epoch('"start"')} AS start_time,
            {_epoch('"end"')} AS end_time,
            coalesce(
                greatest(
                    {exec_cpus},
                    list_sum([TRY_CAST(x AS INTEGER)
                              FOR x IN regexp_extract_all(exec_vnode, 'ncpus=(\\d+)', 1)]),
                    TRY_CAST(list_ncpus AS INTEGER),
                    TRY_CAST(used_ncpus AS INTEGER)),
                TRY_CAST(regexp_extract(list_nodes, '^(\\d+)', 1) AS INTEGER)
                    * coalesce(TRY_CAST(regexp_extract(list_nodes, 'ppn=(\\d+)', 1)
                                        AS INTEGER), 1)
            ) AS cores,
            coalesce(
                len(list_distinct([split_part(h, '/', 1)
                                   FOR h IN string_split(exec_host, '+')])),
                TRY_CAST(regexp_extract(list_nodect, '^(\\d+)', 1) AS INTEGER),
                TRY_CAST(regexp_extract(list_nodes, '^(\\d+)', 1) AS INTEGER)
            ) AS nodes,
            CASE WHEN exit_status = '0' THEN 'COMPLETED'
                WHEN exit_status IS NOT NULL THEN 'FAILED' END AS state,
            CASE
                WHEN malformed THEN 'not a PBS record "MM/DD/YYYY hh:mm:ss;type;id;attributes"'
                WHEN {_epoch('"start"')} IS NULL THEN 'start is not epoch seconds: ' || "start"
                WHEN {_epoch('"end"')} IS NULL
                    THEN 'end is not epoch seconds: ' || coalesce("end", 'missing')
            END AS problem,
            CASE WHEN abs(TRY_CAST("end" AS BIGINT) - TRY_CAST("start" AS BIGINT)
                    - {_seconds("used_walltime")}) > {_WALLTIME_TOLERANCE_S}
                THEN 'walltime-mismatch' END AS notice,
            NOT malformed AND coalesce("start", '0') = '0' AS skip
        FROM ended
    """


def _attr(key: str) -> str:
    """Return SQL for the value of ``key=`` in the attributes ``r.attrs``."""
    return (
        f"nullif(regexp_extract(' ' || r.attrs, '\\s{re.escape(key)}=(\\S*)', 1), '')"
    )


def _epoch(column: str) -> str:
    """Return SQL for the naive UTC timestamp of epoch seconds in ``column``."""
    return f"TRY(make_timestamp(CAST({column} AS BIGINT) * 1000000))"


def _seconds(column: str) -> str:
    """Return SQL for the seconds of an ``HH:MM:SS`` duration (NULL if not one)."""
    parts = " + ".join(
        f"TRY_CAST(split_part({column}, ':', {i}) AS BIGINT) * {60 ** (3 - i)}"
        for i in (1, 2, 3)
    )
    return f"CASE WHEN regexp_matches({column}, '^\\d+:\\d+:\\d+$') THEN {parts} END"
