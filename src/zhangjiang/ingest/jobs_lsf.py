"""LSF ``lsb.acct`` files: ``JOB_FINISH`` records, space separated, strings in quotes.

Field positions (1-based, LSF 9.1/10.1 ``lsb.acct(5)``, ``$fieldNames`` in Open
XDMoD's ``Shredder/Lsf.php``): 1 event type, 2 version, 3 event time (the end),
4 jobId, 5 userId, 6 options, 7 numProcessors, 8 submitTime, 9 beginTime,
10 termTime, 11 startTime, 12 userName, 13 queue, ... 23 numAskedHosts followed by
that many hosts, then numExHosts and that many execution hosts (``16*host`` in the
compact form), then jStatus, hostFactor, jobName, command, 19 rusage fields,
mailUser, projectName, exitStatus, maxNumProcessors, loginShell, timeEvent, idx.

Cores: IBM's field reference (``lsb.acct(5)``, JOB_FINISH) calls numProcessors the
"number of processors initially requested for execution" and numExHosts the "number
of processors used for execution", the allocation at job finish time, each processor
listed as one execHosts entry; with ``LSF_HPC_EXTENSIONS=SHORT_EVENTFILE`` a host
with n processors is written once as ``n*host`` and numExHosts counts hosts. So the
execution-host list decides: cores are its processors (``n*host`` counts n). A job is
dispatched only with at least numProcessors, and the list shows the allocation at the
end (a job resized down lists fewer), so cores are never fewer than numProcessors.
Open XDMoD counts numProcessors alone; aws-samples/hpc-cost-simulator counts
maxNumProcessors (the upper bound asked with ``bsub -n min,max``). The two agree with
this rule on every sample here but for two jobs of the hpc-cost-simulator issue gl-9
log, which list 3 execution hosts for numProcessors 2: counted as 3, as that project
does.

LSF 10.1 can log numAskedHosts 0 and numExHosts glued into one token (``02`` for 0
asked and 2 execution hosts, hpc-cost-simulator's ``lsb.acct``); a token with a
leading zero is read so. Nodes are the distinct execution hosts, start is startTime
and end the event time. Jobs with startTime 0 never ran and are skipped (XDMoD keeps
them). A job-array element (idx > 0) is ``jobId_idx``. The account is the project.
State is COMPLETED for jStatus 64 (DONE) and FAILED otherwise (32, EXIT).
"""

from __future__ import annotations

__all__ = ["select_sql"]

# A quoted string ("" escapes a quote) or a run of non-blanks.
_TOKEN = r'"(?:[^"]|"")*"|[^ ]+'
# Fields after the last execution host, up to and including idx.
_AFTER_HOSTS = 30


def select_sql(sample: str, tz: str) -> str:
    """Return the SELECT turning ``raw_lines`` of an lsb.acct file into job rows."""
    del sample, tz  # one layout; epoch times need no zone
    return f"""
        WITH tokens AS (
            SELECT source_row, regexp_extract_all(line, '{_TOKEN}') AS t
            FROM raw_lines
            -- Other events (JOB_RESIZE ...) are not jobs; anything else is malformed.
            WHERE starts_with(line, '"JOB_FINISH" ')
                OR NOT regexp_matches(line, '^"[A-Z][A-Z0-9_]*" ')
        ), glued AS (
            SELECT source_row, t, regexp_matches(t[23], '^0[0-9]+$') AS glued
            FROM tokens
        ), finished AS (
            -- ex_at: the token holding numExHosts (see the module's docstring).
            SELECT source_row, t,
                CASE WHEN glued THEN 23 ELSE 24 + TRY_CAST(t[23] AS INTEGER) END AS ex_at,
                CASE WHEN glued THEN TRY_CAST(substr(t[23], 2) AS INTEGER) END AS glued_ex
            FROM glued
        ), located AS (
            SELECT *,
                ex_at + coalesce(glued_ex, TRY_CAST(t[ex_at] AS INTEGER)) AS last_host
            FROM finished
        )
        SELECT
            source_row,
            t[4] || CASE WHEN TRY_CAST(t[last_host + 30] AS INTEGER) > 0
                THEN '_' || t[last_host + 30] ELSE '' END AS job_id,
            {_text("t[12]")} AS user_name,
            nullif({_text("t[last_host + 25]")}, '') AS account,
            {_text("t[13]")} AS queue,
            {_text("t[last_host + 3]")} AS job_name,
            {_epoch("t[8]")} AS submit_time,
            {_epoch("t[11]")} AS start_time,
            {_epoch("t[3]")} AS end_time,
            greatest(TRY_CAST(t[7] AS INTEGER), list_sum([
                coalesce(TRY_CAST(regexp_extract(h, '^"?(\\d+)\\*', 1) AS INTEGER), 1)
                FOR h IN t[ex_at + 1:last_host]])) AS cores,
            len(list_distinct([regexp_replace({_text("h")}, '^\\d+\\*', '')
                               FOR h IN t[ex_at + 1:last_host]])) AS nodes,
            CASE t[last_host + 1] WHEN '64' THEN 'COMPLETED' ELSE 'FAILED' END AS state,
            CASE
                WHEN t[1] <> '"JOB_FINISH"' THEN 'not an lsb.acct record'
                WHEN last_host IS NULL OR len(t) < last_host + {_AFTER_HOSTS}
                    THEN len(t) || ' fields, too few for a JOB_FINISH record'
                WHEN {_epoch("t[11]")} IS NULL OR {_epoch("t[3]")} IS NULL
                    THEN 'start or end is not epoch seconds: ' || t[11] || ', ' || t[3]
                WHEN TRY_CAST(t[7] AS INTEGER) IS NULL
                    THEN 'numProcessors is not a number: ' || t[7]
                WHEN TRY_CAST(t[last_host + 1] AS INTEGER) IS NULL
                    THEN 'the host lists do not line up: jStatus would be '
                        || t[last_host + 1]
            END AS problem,
            CAST(NULL AS VARCHAR) AS notice,
            t[1] = '"JOB_FINISH"' AND t[11] = '0' AS skip
        FROM located
    """


def _text(token: str) -> str:
    """Return SQL for a token without its quotes, ``""`` read as ``"``."""
    return (
        f"CASE WHEN starts_with({token}, '\"') "
        f"THEN replace({token}[2:-2], '\"\"', '\"') ELSE {token} END"
    )


def _epoch(column: str) -> str:
    """Return SQL for the naive UTC timestamp of epoch seconds in ``column``."""
    return f"TRY(make_timestamp(CAST({column} AS BIGINT) * 1000000))"
