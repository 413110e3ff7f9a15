"""Slurm ``sacct --parsable2`` dumps, with or without a header line.

Without a header the columns are the ones Open XDMoD asks for (``docs/
resource-manager-slurm.md``; ``$fieldNames`` in ``Shredder/Slurm.php``)::

    TZ=UTC sacct --allusers --parsable2 --noheader --allocations --duplicates \\
      --format jobid,jobidraw,cluster,partition,qos,account,group,gid,user,uid,\\
    submit,eligible,start,end,elapsed,exitcode,state,nnodes,ncpus,reqcpus,reqmem,\\
    reqtres,alloctres,timelimit,nodelist,jobname

or the 25 columns of XDMoD 6.x and earlier (no ``qos`` and ``alloctres``, ``reqgres``
before ``reqtres``), told apart by where the submit time sits. A dump written with
another ``--format`` list is read when that list is given (``--fields``, written as
sacct takes it: ``JobID,User,Account,Start,End,NCPUS,State``); a header line, when
there is one, wins over it. With a header or a field list, any order and any subset
that has JobID, Start, End and NCPUS (or AllocCPUS) will do; without a User field the
jobs load with no user (the user-based indicators are then gaps).

Lines starting with ``#`` are comments. A line with exactly one field more than the
columns is read with the extra (trailing) field ignored and counted (some sacct
versions append the partition), unless the job name is the last column: then the
extra ``|`` belongs to the job name.

A line is split on ``|`` into at most as many fields as there are columns, the tail
joined back into the last one, so a ``|`` inside a trailing job name is kept.

Two SELECTs implement these rules. :func:`select_sql` splits whole lines and is the
reference. :func:`fields_sql` is the fast path. It reads the fields with DuckDB's own CSV
reader (one VARCHAR column per field and a spare one), and it passes every line it
cannot settle alone to :func:`select_sql` by flagging the line ``redo``. These lines
have more fields than columns (a ``|`` in the job name), fewer (a broken line), or an
array range to expand.

Rules (XDMoD's, except that REQUEUED runs are kept): job steps (``123.batch``,
``123.0``) are not jobs; rows whose end is ``Unknown`` are still running; rows with
start ``Unknown``/``None`` or node list ``None assigned`` never ran; rows in a
non-ended state (PENDING, RUNNING, RESIZING, SUSPENDED) are skipped. Array elements
(``123_4``) are jobs, and an array range (``123_[1-3,7]``) is expanded into one job
per element. Every other row is one run, including each run of a requeued job that
``--duplicates`` lists. A run with fewer than one CPU, or ending before it started,
is impossible: the line is a problem (counted, never stored).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from zhangjiang.errors import IngestError

__all__ = [
    "SLURM_FIELDS",
    "SLURM_LEGACY_FIELDS",
    "FieldsQuery",
    "fields_sql",
    "local_time_sql",
    "parse_field_list",
    "select_sql",
]

SLURM_FIELDS = (
    "jobid", "jobidraw", "cluster", "partition", "qos", "account", "group", "gid",
    "user", "uid", "submit", "eligible", "start", "end", "elapsed", "exitcode",
    "state", "nnodes", "ncpus", "reqcpus", "reqmem", "reqtres", "alloctres",
    "timelimit", "nodelist", "jobname",
)  # fmt: skip
SLURM_LEGACY_FIELDS = (
    "jobid", "jobidraw", "cluster", "partition", "account", "group", "gid", "user",
    "uid", "submit", "eligible", "start", "end", "elapsed", "exitcode", "state",
    "nnodes", "ncpus", "reqcpus", "reqmem", "reqgres", "reqtres", "timelimit",
    "nodelist", "jobname",
)  # fmt: skip

_ALIASES = {"alloccpus": "ncpus", "allocnodes": "nnodes"}
_REQUIRED = ("jobid", "start", "end", "ncpus")
_NOT_ENDED = ("PENDING", "RUNNING", "RESIZING", "SUSPENDED")
_FIELD_NAME = re.compile(r"[a-z][a-z0-9_]*")
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}|Unknown|None")
# "123_[1-3,7%2]": an array range, "%2" being the throttle.
_ARRAY_RANGE = r"^\d+_\[\d+(-\d+)?(%\d+)?(,\d+(-\d+)?(%\d+)?)*\]$"


def local_time_sql(text: str, tz: str) -> str:
    """Return SQL turning the text ``text`` (a time in zone ``tz``) into a naive UTC time.

    Text that is not a time gives NULL.
    """
    value = f"TRY_CAST({text} AS TIMESTAMP)"
    if tz == "UTC":
        return value
    return f"timezone('UTC', timezone('{tz}', {value}))"


def parse_field_list(text: str) -> tuple[str, ...]:
    """Return the column names of a sacct ``--format`` list, lower case, aliases resolved.

    ``text`` is written as sacct takes it: comma-separated, any case
    (``JobID,User,Start,End,NCPUS``); a ``%N`` width suffix is allowed and ignored.

    Examples
    --------
    >>> parse_field_list("JobID, User,AllocCPUS,Start,End%20")
    ('jobid', 'user', 'ncpus', 'start', 'end')
    """
    names = [n.strip().lower().split("%")[0] for n in text.split(",")]
    bad = [n for n in names if not _FIELD_NAME.fullmatch(n)]
    if bad or not names:
        raise IngestError(
            f"--fields 应为逗号分隔的 sacct 字段名，如 JobID,User,Start,End,NCPUS；"
            f"无法识别：{text!r}"
            f" / --fields takes sacct field names separated by commas, such as"
            f" JobID,User,Start,End,NCPUS; cannot read {text!r}"
        )
    return _checked(tuple(_ALIASES.get(n, n) for n in names), "--fields")


def select_sql(sample: str, tz: str, fields: tuple[str, ...] | None = None) -> str:
    """Return the SELECT turning ``raw_lines`` of a sacct dump into job rows.

    ``sample`` is the file's first line: a header, or a record whose layout tells the
    26-column order from the legacy 25-column one. ``fields`` (see
    :func:`parse_field_list`) names the columns of a dump without header.
    """
    fields, has_header = _layout(sample, fields)
    count = len(fields)
    position = {name: i for i, name in enumerate(fields, start=1)}

    def field(name: str) -> str:
        i = position.get(name)
        if i is None:
            return "CAST(NULL AS VARCHAR)"
        if i == count and name == "jobname":  # a job name may hold "|"
            return f"array_to_string(p[{i}:], '|')"
        return f"p[{i}]"

    def utc(name: str) -> str:
        return local_time_sql(name, tz)

    names = ("jobid", "user", "account", "partition", "jobname", "submit", "start",
             "end", "ncpus", "nnodes", "state", "nodelist")  # fmt: skip
    extracted = ",\n                ".join(f'{field(n)} AS "{n}"' for n in names)
    not_ended = ", ".join(f"'{s}'" for s in _NOT_ENDED)
    # Extra fields can only be a job name holding "|" when the job name comes last;
    # otherwise one extra trailing field is read and ignored (counted as a notice).
    name_last = fields[-1] == "jobname"
    misaligned = f"n < {count}" if name_last else f"(n < {count} OR n > {count + 1})"
    extra = "false" if name_last else f"n = {count + 1}"
    # Dumps appended one after another repeat their header: skip every copy.
    header = sample.replace("'", "''")
    skip_header = f"AND line <> '{header}'" if has_header else ""
    return f"""
        WITH split AS (
            SELECT source_row, string_split(line, '|') AS p
            FROM raw_lines
            WHERE NOT starts_with(line, '#') {skip_header}
        ), fields AS (
            SELECT source_row, len(p) AS n,
                {extracted}
            FROM split
        ), runs AS (
            SELECT *, upper(split_part("state", ' ', 1)) AS state_word
            FROM fields
        )
        SELECT
            source_row,
            unnest(CASE WHEN regexp_matches("jobid", '{_ARRAY_RANGE}') THEN [
                split_part("jobid", '_', 1) || '_' || CAST(i AS VARCHAR)
                FOR i IN flatten([
                    range(
                        CAST(split_part(r, '-', 1) AS BIGINT),
                        CAST(coalesce(nullif(split_part(r, '-', 2), ''),
                                      split_part(r, '-', 1)) AS BIGINT) + 1)
                    FOR r IN string_split(regexp_replace(
                        regexp_extract("jobid", '\\[(.*)\\]', 1), '%\\d+', '', 'g'), ',')
                ])
            ] ELSE ["jobid"] END) AS job_id,
            "user" AS user_name,
            nullif("account", '') AS account,
            nullif("partition", '') AS queue,
            "jobname" AS job_name,
            {utc('"submit"')} AS submit_time,
            {utc('"start"')} AS start_time,
            {utc('"end"')} AS end_time,
            TRY_CAST("ncpus" AS INTEGER) AS cores,
            TRY_CAST("nnodes" AS INTEGER) AS nodes,
            state_word AS state,
            CASE
                WHEN {misaligned}
                    THEN n || ' fields separated by |, expected {count}'
                WHEN TRY_CAST("start" AS TIMESTAMP) IS NULL
                    THEN 'start is not a time: ' || "start"
                WHEN TRY_CAST("end" AS TIMESTAMP) IS NULL
                    THEN 'end is not a time: ' || "end"
                WHEN TRY_CAST("ncpus" AS INTEGER) IS NULL
                    THEN 'CPU count is not a number: ' || coalesce("ncpus", '')
            END || CASE WHEN {extra}
                THEN ' (' || n || ' fields separated by |, expected {count})' ELSE ''
            END AS problem,
            CASE WHEN {extra} THEN 'extra-field' END AS notice,
            NOT ({misaligned}) AND (
                contains("jobid", '.')
                OR "end" IN ('Unknown', 'None', '')
                OR "start" IN ('Unknown', 'None', '')
                OR coalesce("nodelist", '') = 'None assigned'
                OR state_word IN ({not_ended})
            ) AS skip
        FROM runs
    """


class FieldsQuery(NamedTuple):
    """The fast path's SELECT over ``fields`` and what reading the file needs to know."""

    count: int  # number of columns: read_csv reads f1 .. f{count}, then fx
    key: int  # 1-based field holding the job id (the line-order check reads it)
    select: str


def fields_sql(
    sample: str, tz: str, fields: tuple[str, ...] | None = None
) -> FieldsQuery:
    """Return the SELECT turning ``fields`` of a sacct dump into one row per line.

    ``fields(f1, ..., fN, fx)`` holds one line per row, in the file's order, read by
    ``read_csv`` with ``delim='|'``. ``N`` is the number of columns, and ``fx`` is the
    field after the last column. A missing field is NULL (``null_padding``), and an
    empty field is ``''``. Every line yields a row, so that the caller can number the
    rows in the order they were stored. ``skip`` marks job steps and the other lines
    that :func:`select_sql` skips. The SELECT returns the job columns (not yet cast),
    ``skip``, ``problem``, ``redo`` and a few helper columns. ``redo`` marks a line that
    :func:`select_sql` must parse instead: one with more or fewer fields than columns,
    a job array range, or a value that makes the line a problem. So the problem's
    text is built by :func:`select_sql` from the few lines that have one, and this
    SELECT carries no text copies of the fields it converts.
    """
    fields, has_header = _layout(sample, fields)
    count = len(fields)
    position = {name: i for i, name in enumerate(fields, start=1)}

    def field(name: str) -> str:
        i = position.get(name)
        return f"f{i}" if i is not None else "CAST(NULL AS VARCHAR)"

    def utc(name: str) -> str:
        return local_time_sql(field(name), tz)

    jobid, start, end = field("jobid"), field("start"), field("end")
    ncpus, state = field("ncpus"), field("state")
    not_ended = ", ".join(f"'{s}'" for s in _NOT_ENDED)
    # With fewer fields than columns, the last column is NULL. More fields than
    # columns: a "|" inside a trailing job name, or a misaligned line when the job name
    # is not last. Such lines are redone by select_sql, which counts their fields; so
    # the fast path reads only the fields it uses, and DuckDB skips the others.
    short = f"f{count} IS NULL"
    wide = "fx IS NOT NULL"
    misaligned = f"({short} OR {wide})"
    # Lines of blanks and comments are not records. Empty lines never reach here:
    # read_csv skips them.
    blank = "(f2 IS NULL AND f1[1] = ' ' AND trim(f1) = '')"
    conditions = [f"NOT {blank}", "NOT starts_with(f1, '#')"]
    if has_header:
        # Dumps appended one after another repeat their header: skip every copy. No
        # job id is the name of the job id column. (IS DISTINCT FROM: a line too short
        # to have that field is not skipped but redone, which reports it.)
        name = sample.split("|")[position["jobid"] - 1].replace("'", "''")
        conditions.append(f"{jobid} IS DISTINCT FROM '{name}'")
    # Only the first word of the state counts ("CANCELLED by 380693"); most states are
    # one word, which saves splitting.
    word = (
        f"upper(CASE WHEN contains({state}, ' ') THEN split_part({state}, ' ', 1) "
        f"ELSE {state} END)"
    )
    skip = f"""NOT {misaligned} AND (
                contains({jobid}, '.')
                OR {end} IN ('Unknown', 'None', '')
                OR {start} IN ('Unknown', 'None', '')
                OR coalesce({field("nodelist")}, '') = 'None assigned'
                OR {word} IN ({not_ended})
            )"""
    conditions.append(f"({skip}) IS NOT TRUE")
    keep = "\n                AND ".join(conditions)
    # Each field is converted once. A line whose values make it a problem is redone,
    # so that only those few lines get their message. A skipped line has neither a
    # problem nor a redo. CASE, not AND, guards the regular expression: DuckDB
    # evaluates both sides of an AND for every row.
    select = f"""
        SELECT *,
            CAST(NULL AS VARCHAR) AS problem,
            NOT skip AND (misaligned OR start_time IS NULL OR end_time IS NULL
                OR cores IS NULL OR cores < 1 OR end_time < start_time
                OR CASE WHEN contains(job_id, '[')
                THEN regexp_matches(job_id, '{_ARRAY_RANGE}') ELSE false END) AS redo
        FROM (
            SELECT
                ({keep}) IS NOT TRUE AS skip,
                {jobid} AS job_id,
                {field("user")} AS user_name,
                nullif({field("account")}, '') AS account,
                nullif({field("partition")}, '') AS queue,
                {field("jobname")} AS job_name,
                {utc("submit")} AS submit_time,
                {utc("start")} AS start_time,
                {utc("end")} AS end_time,
                TRY_CAST({ncpus} AS INTEGER) AS cores,
                TRY_CAST({field("nnodes")} AS INTEGER) AS nodes,
                {word} AS state,
                {misaligned} AS misaligned
            FROM fields
        )
    """
    return FieldsQuery(count, position["jobid"], select)


def _layout(
    sample: str, given: tuple[str, ...] | None = None
) -> tuple[tuple[str, ...], bool]:
    """Return the column names of a dump and whether its first line is a header.

    A header wins over ``given`` (the ``--fields`` list); without either, the layout
    is one of Open XDMoD's.
    """
    raw = sample.split("|")
    fields = [f.strip().lower() for f in raw]
    if "jobid" in fields:
        return _checked(tuple(_ALIASES.get(f, f) for f in fields), "header"), True
    if given:
        return given, False
    # In the legacy order the submit time is the 10th field; in the current one the
    # 10th is the uid and the submit time the 11th.
    if len(raw) > 10 and _TIMESTAMP.fullmatch(raw[9]):
        return SLURM_LEGACY_FIELDS, False
    return SLURM_FIELDS, False


def _checked(names: tuple[str, ...], source: str) -> tuple[str, ...]:
    """Return ``names`` once they hold every required column."""
    missing = [f for f in _REQUIRED if f not in names]
    if missing:
        zh = "sacct 表头" if source == "header" else "--fields 字段列表"
        en = "the sacct header" if source == "header" else "the --fields list"
        raise IngestError(
            f"{zh}缺少列：{', '.join(missing)}"
            f" / {en} lacks columns: {', '.join(missing)}"
        )
    return names
