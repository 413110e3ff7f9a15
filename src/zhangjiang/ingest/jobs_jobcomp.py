"""Slurm jobcomp/filetxt logs: one ``Key=value`` line per job that ended.

Slurm's ``jobcomp/filetxt`` plugin appends a line per job when it completes::

    JobId=1670440 UserId=samuel(500) GroupId=vlsci(506) Account=vlsci Name=bash
    JobState=COMPLETED Partition=debug TimeLimit=00:10:00 StartTime=2014-02-25T15:49:35
    EndTime=2014-02-25T15:49:47 NodeList=bruce001 NodeCnt=1 ProcCnt=1 ...

The keys and their order vary between Slurm versions, so each value is found by its
key and runs up to the next `` Key=`` (a job name may hold blanks). Times are local
time, like sacct's, and converted with the log's time zone. Cores are ``ProcCnt``;
nodes are ``NodeCnt``, else counted from the ``NodeList`` host list
(``bruce[033-073]`` is 41). The user is ``UserId`` without its ``(uid)``. An array
element with ``ArrayJobId``/``ArrayTaskId`` is ``ArrayJobId_ArrayTaskId``. The log
lists jobs only, never steps; a job that never started (StartTime ``Unknown`` or
``None``, node list ``(null)`` or ``None assigned``) is skipped.
"""

from __future__ import annotations

from zhangjiang.ingest.jobs_slurm import local_time_sql

__all__ = ["select_sql"]

# Slurm writes this task id (NO_VAL - 1) for a job that is not an array element.
_NO_TASK = "4294967294"


def select_sql(sample: str, tz: str) -> str:
    """Return the SELECT turning ``raw_lines`` of a jobcomp log into job rows."""
    del sample  # one layout

    def utc(key: str) -> str:
        return local_time_sql(_value(key), tz)

    task = _value("ArrayTaskId")
    return f"""
        WITH records AS (
            SELECT source_row, line, starts_with(line, 'JobId=') AS is_job
            FROM raw_lines
        ), jobs AS (
            SELECT source_row, is_job,
                CASE WHEN {_value("ArrayJobId")} IS NOT NULL AND {task} IS NOT NULL
                        AND {task} <> '{_NO_TASK}'
                    THEN {_value("ArrayJobId")} || '_' || {task}
                    ELSE {_value("JobId")} END AS job_id,
                regexp_replace({_value("UserId")}, '\\(\\d+\\)$', '') AS user_name,
                nullif({_value("Account")}, '') AS account,
                nullif({_value("Partition")}, '') AS queue,
                {_value("Name")} AS job_name,
                {utc("SubmitTime")} AS submit_time,
                {utc("StartTime")} AS start_time,
                {utc("EndTime")} AS end_time,
                {_value("StartTime")} AS start_text,
                {_value("EndTime")} AS end_text,
                {_value("ProcCnt")} AS cores_text,
                coalesce(TRY_CAST({_value("NodeCnt")} AS INTEGER),
                         {_host_count(_value("NodeList"))}) AS nodes,
                {_value("NodeList")} AS node_list,
                upper(split_part({_value("JobState")}, ' ', 1)) AS state
            FROM records
        )
        SELECT
            source_row, job_id, user_name, account, queue, job_name,
            submit_time, start_time, end_time,
            TRY_CAST(cores_text AS INTEGER) AS cores, nodes, state,
            CASE
                WHEN NOT is_job THEN 'not a jobcomp record "JobId=... UserId=..."'
                WHEN start_time IS NULL THEN 'start is not a time: ' || coalesce(start_text, 'missing')
                WHEN end_time IS NULL THEN 'end is not a time: ' || coalesce(end_text, 'missing')
                WHEN TRY_CAST(cores_text AS INTEGER) IS NULL
                    THEN 'ProcCnt is not a number: ' || coalesce(cores_text, 'missing')
            END AS problem,
            CAST(NULL AS VARCHAR) AS notice,
            is_job AND (coalesce(start_text, '') IN ('Unknown', 'None', '')
                OR coalesce(node_list, '') IN ('(null)', 'None assigned')) AS skip
        FROM jobs
    """


def _value(key: str) -> str:
    """Return SQL for the value of `` key=`` in ``line``: up to the next `` Key=``."""
    return (
        f"nullif(regexp_extract(' ' || line, ' {key}=(.*?)(?: [A-Za-z]+=|$)', 1), '')"
    )


def _host_count(hosts: str) -> str:
    """Return SQL counting the hosts of a Slurm host list (``a[1-3,5],b``: 5)."""
    # Each item is a name with an optional bracketed list of numbers and ranges.
    return f"""list_sum([
        CASE WHEN contains(item, '[') THEN list_sum([
            CASE WHEN contains(r, '-')
                THEN TRY_CAST(split_part(r, '-', 2) AS INTEGER)
                    - TRY_CAST(split_part(r, '-', 1) AS INTEGER) + 1
                ELSE 1 END
            FOR r IN string_split(regexp_extract(item, '\\[([^\\]]*)\\]', 1), ',')])
        ELSE 1 END
        FOR item IN regexp_extract_all({hosts}, '[^,\\[]+(?:\\[[^\\]]*\\])?')])"""
