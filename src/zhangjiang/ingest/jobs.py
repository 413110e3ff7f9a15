"""Stage HPC job-accounting logs (Slurm, PBS/Torque, LSF, SGE/UGE) as one job table.

DuckDB does all the parsing: the log is read as one VARCHAR column per line with
``read_csv`` and split with SQL string functions, so a 10-million-line file never goes
through a Python loop. Each format lives in its own module (``jobs_slurm`` ...) that
returns a SELECT over ``raw_lines(source_row, line)``; this module reads the file, runs
that SELECT and casts the result to :data:`JOB_COLUMNS`.

The rules follow Open XDMoD's shredders (ubccr/xdmod, ``classes/OpenXdmod/Shredder``),
with the differences noted in each format module.
"""

from __future__ import annotations

import importlib
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from zhangjiang.errors import IngestError
from zhangjiang.ingest.problems import Problem, problem

if TYPE_CHECKING:
    from zhangjiang.store.duckdb import Connection

__all__ = [
    "FORMATS",
    "JOB_COLUMNS",
    "JobLog",
    "detect_format",
    "irregular_lines",
    "job_problems",
    "open_job_log",
    "stage_jobs",
    "stage_log",
]

JOB_COLUMNS: dict[str, str] = {
    "job_id": "VARCHAR",  # "123"; "123_4" for element 4 of an array job
    "user_name": "VARCHAR",
    "account": "VARCHAR",  # Slurm account, PBS account, LSF project, SGE project
    "queue": "VARCHAR",  # Slurm partition, PBS/LSF/SGE queue
    "job_name": "VARCHAR",
    "submit_time": "TIMESTAMP",  # UTC, naive
    "start_time": "TIMESTAMP",
    "end_time": "TIMESTAMP",
    "cores": "INTEGER",
    "nodes": "INTEGER",
    "state": "VARCHAR",  # Slurm state word; COMPLETED/FAILED for the others
    "source_row": "BIGINT",  # 1-based line number in the file
}
FORMATS = ("slurm", "pbs", "lsf", "sge")  # sge covers Univa/Altair Grid Engine (UGE)

# Bytes read to sniff the format: enough for a long LSF record with its job script.
_SNIFF_BYTES = 1 << 20
_TABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# A delimiter that never occurs in a text log, so that read_csv yields whole lines.
_NO_DELIMITER = "\x00"
# Cheap test first: trim() of every line costs more than splitting it.
_NOT_BLANK = "line <> '' AND NOT (line[1] = ' ' AND trim(line) = '')"
_LSF_RECORD = re.compile(r'"[A-Z][A-Z0-9_]*" "[0-9.]+" \d+ ')
_PBS_RECORD = re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2};[A-Za-z];[^;]*;")
_SLURM_JOB_ID = re.compile(r"\d+([_+][0-9\[\],%-]+)?(\.[\w-]+)?")
_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}|Unknown|None")
_SGE_MIN_FIELDS = 43
_CHUNK_BYTES = 1 << 20
# An empty line ends where a line end follows a line end; text is anything else.
_EMPTY_LINE = re.compile(rb"\n\r?\n")
_TEXT = re.compile(rb"[^\r\n]")


def detect_format(path: Path) -> str:
    """Return the accounting format of ``path`` from its first record line.

    Parameters
    ----------
    path
        A Slurm ``sacct --parsable2`` dump, a PBS/Torque accounting file, an LSF
        ``lsb.acct`` file or an SGE/UGE ``accounting`` file. The name is not used.

    Returns
    -------
    str
        One of :data:`FORMATS`.

    Raises
    ------
    IngestError
        The file is empty or its first record matches none of the formats.
    """
    row, line = _first_record(path)
    if _LSF_RECORD.match(line):
        return "lsf"
    if _PBS_RECORD.match(line):
        return "pbs"
    if _is_slurm(line):
        return "slurm"
    fields = line.split(":")
    if len(fields) >= _SGE_MIN_FIELDS and all(
        fields[i].isdigit() for i in (5, 8, 9, 10)
    ):
        return "sge"
    name = path.name
    raise IngestError(
        f"文件 {name} 第{row}行：无法识别的作业记账格式（应为 slurm、pbs、lsf 或 sge）"
        f" / {name} line {row}: unrecognised job accounting format"
        " (expected slurm, pbs, lsf or sge)"
    )


def stage_jobs(
    con: Connection,
    path: Path,
    fmt: str | None = None,
    table: str = "jobs_stage",
    tz: str = "UTC",
) -> int:
    """Parse a job-accounting log into the temporary table ``table``; return its rows.

    One row per job run that ended: job steps, jobs still running and jobs that never
    started are left out, and each run of a requeued job is kept. Lines that cannot
    be parsed go to ``{table}_problems(source_row, problem, reason)`` instead (see
    :func:`job_problems`).

    Parameters
    ----------
    con
        A DuckDB connection (the caller owns it; temporary tables live on it).
    path
        The log file, of any size.
    fmt
        One of :data:`FORMATS`; sniffed with :func:`detect_format` when None.
    table
        Name of the temporary table to create or replace, columns :data:`JOB_COLUMNS`.
    tz
        Time zone of the Slurm timestamps (``sacct`` prints local time unless run
        with ``TZ=UTC``); times are stored as naive UTC. The other formats carry
        epoch seconds, which need no zone.

    Returns
    -------
    int
        Number of rows in ``table``.

    Raises
    ------
    IngestError
        The file cannot be read, or none of its records could be parsed.

    Examples
    --------
    >>> import duckdb, tempfile
    >>> log = Path(tempfile.mkdtemp()) / "sacct.log"
    >>> _ = log.write_text(
    ...     "JobID|User|Account|Partition|Start|End|NCPUS|NNodes|State|JobName\\n"
    ...     "7|ann|phys|cpu|2024-01-01T00:00:00|2024-01-01T02:00:00|4|1|COMPLETED|a|b\\n"
    ... )
    >>> con = duckdb.connect()
    >>> stage_jobs(con, log)
    1
    >>> con.sql("SELECT job_id, cores, job_name FROM jobs_stage").fetchall()
    [('7', 4, 'a|b')]
    """
    return stage_log(con, open_job_log(path, fmt, table, tz))


def stage_log(con: Connection, log: JobLog, fast: bool = True) -> int:
    """Stage ``log`` as :func:`stage_jobs` does; ``fast=False`` skips the fast path."""
    table, path = log.table, log.path
    query = log.fields_query() if fast else None
    if query is not None:
        # Fast path: read_csv splits the fields. An empty line (which it skips, so the
        # line numbers after it would be off), mixed line ends or a rejected line send
        # the whole file down the reference path below instead.
        log.drop_scratch(con)
        with ThreadPoolExecutor(1) as pool:
            irregular = pool.submit(irregular_lines, path)
            log.run(con, f"CREATE OR REPLACE TEMP TABLE {table} AS {query}")
            held = log.fast_path_holds(con, irregular.result())
        if held:
            redone = log.settle(
                con,
                f"SELECT source_row, problem, redo FROM {table} "
                "WHERE problem IS NOT NULL OR redo",
            )
            con.execute(f"DELETE FROM {table} WHERE problem IS NOT NULL OR redo")
            con.execute(f"ALTER TABLE {table} DROP COLUMN problem")
            con.execute(f"ALTER TABLE {table} DROP COLUMN redo")
            if redone:
                names = ", ".join(JOB_COLUMNS)
                con.execute(f"INSERT INTO {table} SELECT {names} FROM {table}__redo")
                # Keep the file's order; rowid keeps an array's elements in order.
                con.execute(
                    f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM {table} "
                    "ORDER BY source_row, rowid"
                )
            log.drop_scratch(con)
            rows = int(_scalar(con, f"SELECT count(*) FROM {table}"))
            log.check_rows(con, rows)
            return rows

    errors, scans = f"{table}__errors", f"{table}__scans"
    log.drop_scratch(con)
    lines = "SELECT row_number() OVER () AS source_row, line FROM " + _read_lines_sql(
        errors, scans
    )
    log.run(con, _parse_sql(table, lines, log.select))
    if _scalar(con, f"SELECT count(*) FROM {errors}"):
        # Rare path: read_csv skipped lines that are not valid UTF-8 (a job name typed
        # in GBK, say). Read again with the true line numbers and put those lines back
        # with the bad bytes shown as "?".
        log.run(con, _parse_sql(table, _renumbered_lines_sql(errors), log.select))

    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table}_problems AS "
        f"SELECT source_row, 'bad-record' AS problem, problem AS reason FROM {table} "
        f"WHERE skip IS NOT TRUE AND problem IS NOT NULL "
        f"UNION ALL SELECT DISTINCT line, 'bad-record', "
        f"CASE error_type WHEN 'INVALID ENCODING' "
        f"THEN 'not valid UTF-8; record kept with the bad bytes shown as ?' "
        f"ELSE lower(error_type) END FROM {errors} ORDER BY source_row"
    )
    # Deleting the few rows that are not jobs and dropping the two flag columns is far
    # cheaper than copying millions of rows into a new table.
    con.execute(f"DELETE FROM {table} WHERE skip IS TRUE OR problem IS NOT NULL")
    con.execute(f"ALTER TABLE {table} DROP COLUMN skip")
    con.execute(f"ALTER TABLE {table} DROP COLUMN problem")
    log.drop_scratch(con)

    rows = int(_scalar(con, f"SELECT count(*) FROM {table}"))
    log.check_rows(con, rows)
    return rows


@dataclass(frozen=True)
class JobLog:
    """A job-accounting log about to be parsed, and the SQL that parses it.

    :func:`stage_jobs` parses into a temporary table. ``jobs_load`` uses the same
    pieces to insert straight into the store. Scratch tables are named after ``table``.
    """

    path: Path
    fmt: str
    tz: str
    table: str
    sample: str
    select: str  # the reference SELECT over raw_lines(source_row, line)
    fields: tuple[int, str] | None  # the fast path: field count and SELECT, if any

    @property
    def params(self) -> dict[str, Any]:
        """Return the parameters of every statement that reads the file."""
        return {"path": str(self.path), "no_delimiter": _NO_DELIMITER}

    def run(
        self, con: Connection, sql: str, params: dict[str, Any] | None = None
    ) -> int:
        """Execute ``sql`` that reads the file (see :func:`_run`); return its count."""
        return _run(con, self.path, sql, self.params | (params or {}))

    def drop_scratch(self, con: Connection) -> None:
        """Drop the scratch tables of an earlier parse."""
        for suffix in ("errors", "scans", "side", "redo"):
            con.execute(f"DROP TABLE IF EXISTS {self.table}__{suffix}")

    def fields_query(self) -> str | None:
        """Return the fast-path SELECT, or None when the format has no fast path.

        The SELECT reads the file once with ``read_csv(delim='|')``. It yields the job
        columns (:data:`JOB_COLUMNS`, cast), then ``problem`` (why the line is not a
        job) and ``redo`` (the line needs the reference path, see :meth:`settle`).
        Skipped lines (job steps ...) are left out.
        """
        if self.fields is None:
            return None
        count, select = self.fields
        names = [f"f{i}" for i in range(1, count + 1)] + ["fx"]
        columns = ", ".join(f"'{n}': 'VARCHAR'" for n in names)
        errors, scans = f"{self.table}__errors", f"{self.table}__scans"
        # nullstr: an empty field stays '' and only a missing one is NULL. strict_mode
        # off: fields after fx are dropped, not rejected (fx flags such lines).
        read = (
            f"read_csv($path, columns = {{{columns}}}, header = false, "
            "auto_detect = false, delim = '|', quote = '', escape = '', "
            "null_padding = true, nullstr = $no_delimiter, strict_mode = false, "
            f"ignore_errors = true, store_rejects = true, rejects_table = '{errors}', "
            f"rejects_scan = '{scans}')"
        )
        casts = ", ".join(f"CAST({c} AS {t}) AS {c}" for c, t in JOB_COLUMNS.items())
        return f"""
            WITH fields AS (SELECT row_number() OVER () AS source_row, * FROM {read}),
            records AS ({select})
            SELECT {casts}, redo, CASE WHEN NOT redo THEN coalesce(problem,
                CASE WHEN end_time < start_time
                THEN 'end ' || end_time || ' is before start ' || start_time END)
            END AS problem
            FROM records
        """

    def fast_path_holds(self, con: Connection, irregular: bool) -> bool:
        """Return whether the fast path's result stands (see :func:`irregular_lines`).

        read_csv skips empty lines and rejected lines (not valid UTF-8 ...) without
        counting them. Neither kind is expected in a sacct dump; empty lines at the end
        of the file shift nothing.
        """
        return not irregular and not _scalar(
            con, f"SELECT count(*) FROM {self.table}__errors"
        )

    def settle(self, con: Connection, side: str) -> int:
        """Record the problems of the fast path and parse its ``redo`` lines again.

        ``side`` yields ``(source_row, problem, redo)`` of the rows that are not jobs.
        Creates ``{table}_problems`` and ``{table}__redo`` (the jobs of the redone
        lines, :data:`JOB_COLUMNS`); returns the number of those jobs.
        """
        t = self.table
        con.execute(f"CREATE OR REPLACE TEMP TABLE {t}__side AS {side}")
        if _scalar(con, f"SELECT count(*) FROM {t}__side WHERE redo"):
            # Rare path: a few lines, found by their number in a plain read of lines.
            lines = (
                "SELECT * FROM (SELECT row_number() OVER () AS source_row, line FROM "
                f"{_read_lines_sql()}) WHERE source_row IN "
                f"(SELECT source_row FROM {t}__side WHERE redo)"
            )
            self.run(con, _parse_sql(f"{t}__redo", lines, self.select))
        else:
            columns = ", ".join(
                f"CAST(NULL AS {c}) AS {n}" for n, c in JOB_COLUMNS.items()
            )
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {t}__redo AS SELECT {columns}, "
                "CAST(NULL AS BOOLEAN) AS skip, CAST(NULL AS VARCHAR) AS problem "
                "WHERE false"
            )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {t}_problems AS "
            f"SELECT source_row, 'bad-record' AS problem, problem AS reason "
            f"FROM {t}__side WHERE problem IS NOT NULL AND NOT redo "
            f"UNION ALL SELECT source_row, 'bad-record', problem FROM {t}__redo "
            f"WHERE skip IS NOT TRUE AND problem IS NOT NULL ORDER BY source_row"
        )
        con.execute(f"DELETE FROM {t}__redo WHERE skip IS TRUE OR problem IS NOT NULL")
        return int(_scalar(con, f"SELECT count(*) FROM {t}__redo"))

    def check_rows(self, con: Connection, rows: int) -> None:
        """Raise IngestError when no job was parsed and some line was a problem."""
        if rows:
            return
        # Fetch everything: DuckDB refuses new work while a result is half-read.
        first = con.execute(
            f"SELECT source_row, reason FROM {self.table}_problems "
            "ORDER BY source_row LIMIT 1"
        ).fetchall()
        if first:
            name, (row, reason) = self.path.name, first[0]
            raise IngestError(
                f"文件 {name} 没有可解析的 {self.fmt} 作业记录；第{row}行：{reason}"
                f" / {name}: no {self.fmt} job record could be parsed;"
                f" line {row}: {reason}"
            )


def open_job_log(
    path: Path, fmt: str | None = None, table: str = "jobs_stage", tz: str = "UTC"
) -> JobLog:
    """Check the arguments of :func:`stage_jobs` and build the SQL for ``path``."""
    if not _TABLE_NAME.fullmatch(table):
        raise ValueError(f"not a plain SQL identifier: {table!r}")
    fmt = fmt or detect_format(path)
    if fmt not in FORMATS:
        raise IngestError(
            f"未知的作业日志格式“{fmt}”，可选：{'、'.join(FORMATS)}"
            f" / unknown job log format {fmt!r}; choose one of {', '.join(FORMATS)}"
        )
    _check_time_zone(tz)
    module = importlib.import_module(f"zhangjiang.ingest.jobs_{fmt}")
    _, sample = _first_record(path)
    fields = module.fields_sql(sample, tz) if hasattr(module, "fields_sql") else None
    return JobLog(path, fmt, tz, table, sample, module.select_sql(sample, tz), fields)


def irregular_lines(path: Path, digest: Any = None) -> bool:
    """Return whether ``path`` has lines that the fast path would number wrongly.

    These are an empty line before a non-empty one (read_csv skips it) and line ends
    mixing CRLF with LF (which only the reference path reports). The whole file is
    read, and every chunk is fed to ``digest`` (a hashlib object) when it is given,
    so that one read also yields the file's hash.
    """
    irregular = pending = False
    crlf: bool | None = None  # the line end of the first line decides
    tail = b"\n"  # the start of the file counts as the end of a line
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK_BYTES), b""):
            if digest is not None:
                digest.update(chunk)
            if irregular:
                continue
            window = tail + chunk
            if crlf is None and b"\n" in chunk:
                first = window.index(b"\n", len(tail))
                crlf = window[first - 1 : first] == b"\r"
            if crlf is False:
                irregular = b"\r" in chunk
            elif crlf:
                irregular = chunk.count(b"\n") != window[1:].count(b"\r\n")
            if pending:
                irregular = irregular or _TEXT.search(chunk) is not None
            elif (found := _EMPTY_LINE.search(window)) is not None:
                pending = True
                irregular = irregular or _TEXT.search(window, found.end()) is not None
            tail = window[-2:]
            if irregular and digest is None:
                break
    return irregular


def job_problems(
    con: Connection, path: Path, table: str = "jobs_stage", limit: int = 1000
) -> list[Problem]:
    """Return the first ``limit`` problems that :func:`stage_jobs` recorded for ``path``."""
    if not _TABLE_NAME.fullmatch(table):
        raise ValueError(f"not a plain SQL identifier: {table!r}")
    rows = con.execute(
        f"SELECT source_row, problem, reason FROM {table}_problems "
        "ORDER BY source_row LIMIT $limit",
        {"limit": limit},
    ).fetchall()
    return [
        problem(kind, path.name, row=row, reason=reason) for row, kind, reason in rows
    ]


def _scalar(con: Connection, sql: str) -> Any:
    """Return the single value of ``sql``."""
    return con.execute(sql).fetchall()[0][0]


def _first_record(path: Path) -> tuple[int, str]:
    """Return the line number and text of the first non-blank, non-comment line."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError as exc:
        raise IngestError(
            f"无法读取文件 {path.name}：{exc.strerror}"
            f" / cannot read {path.name}: {exc.strerror}"
        ) from exc
    text = head.decode("utf-8", errors="replace")
    for row, line in enumerate(text.splitlines(), start=1):
        if line.strip() and not line.startswith("#"):
            return row, line
    raise IngestError(
        f"文件 {path.name} 为空，没有作业记录 / {path.name} is empty: no job records"
    )


def _is_slurm(line: str) -> bool:
    """Return True for a sacct --parsable2 header or data line."""
    fields = line.split("|")
    if len(fields) < 2:
        return False
    if "jobid" in (f.strip().lower() for f in fields):
        return True
    return (
        len(fields) >= 10
        and _SLURM_JOB_ID.fullmatch(fields[0]) is not None
        and any(_ISO_TIME.fullmatch(f) for f in fields[9:14])
    )


def _check_time_zone(tz: str) -> None:
    """Raise IngestError unless ``tz`` names an IANA time zone."""
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise IngestError(
            f"未知时区“{tz}”，请写 IANA 名称，如 Asia/Shanghai"
            f" / unknown time zone {tz!r}; use an IANA name such as Asia/Shanghai"
        ) from exc


def _read_lines_sql(errors: str | None = None, scans: str | None = None) -> str:
    """Return a read_csv call yielding each line of $path as one VARCHAR ``line``."""
    # Invalid UTF-8 would otherwise fail the whole file: skip such lines and, on the
    # first read, record them in ``errors`` so that stage_jobs can put them back.
    rejects = (
        f", store_rejects = true, rejects_table = '{errors}', rejects_scan = '{scans}'"
        if errors
        else ""
    )
    return (
        "read_csv($path, columns = {'line': 'VARCHAR'}, header = false, "
        "auto_detect = false, delim = $no_delimiter, quote = '', escape = '', "
        f"ignore_errors = true{rejects})"
    )


def _renumbered_lines_sql(errors: str) -> str:
    """Return raw_lines whose numbers count the lines read_csv skipped, plus those lines."""
    # The k-th line read comes after the i-th skipped line r_i when k > r_i - i, so its
    # true number is k plus the largest such i: an ASOF join on r_i - i.
    return f"""
        WITH skipped AS (
            SELECT line AS r, row_number() OVER (ORDER BY line) AS i, csv_line, bad_utf8
            FROM (
                SELECT line, min(csv_line) AS csv_line,
                    bool_or(error_type = 'INVALID ENCODING') AS bad_utf8
                FROM {errors} GROUP BY line
            )
        ), shift AS (
            SELECT r - i AS read_before, max(i) AS skipped_before
            FROM skipped GROUP BY r - i
        ), read_lines AS (
            SELECT row_number() OVER () AS k, line FROM {_read_lines_sql()}
        )
        SELECT k + coalesce(skipped_before, 0) AS source_row, line
        FROM read_lines ASOF LEFT JOIN shift ON k > read_before
        UNION ALL
        SELECT r, csv_line FROM skipped WHERE bad_utf8
    """


def _parse_sql(table: str, numbered_lines: str, select: str) -> str:
    """Return the statement staging every record with its ``skip`` flag and problem."""
    # The format's ``skip`` flag (step, still running, never ran ...) is stored, not
    # filtered on here: DuckDB would inline the split of each line into the filter
    # once per field it tests, which made parsing twice as slow.
    columns = ", ".join(f"CAST({c} AS {t}) AS {c}" for c, t in JOB_COLUMNS.items())
    return f"""
        CREATE OR REPLACE TEMP TABLE {table} AS
        WITH raw_lines AS (SELECT * FROM ({numbered_lines}) WHERE {_NOT_BLANK}),
        records AS ({select})
        SELECT {columns}, skip, coalesce(problem, CASE WHEN end_time < start_time
            THEN 'end ' || end_time || ' is before start ' || start_time END) AS problem
        FROM records
    """


def _run(con: Connection, path: Path, sql: str, params: dict[str, Any]) -> int:
    """Execute ``sql``, turning a reader failure into an IngestError naming the file.

    Returns the row count that CREATE TABLE AS, INSERT and DELETE report.
    """
    try:
        result = con.execute(sql, params).fetchall()
    except Exception as exc:  # duckdb.Error; only the store module may import duckdb
        name, reason = path.name, str(exc).splitlines()[0]
        hint_zh = hint_en = ""
        if "state machine" in reason:  # what DuckDB says of mixed CRLF and LF
            hint_zh = "；若文件混用 CRLF 与 LF 换行，请先用 dos2unix 统一"
            hint_en = "; if it mixes CRLF and LF line ends, convert it with dos2unix"
        raise IngestError(
            f"文件 {name} 无法读取为作业日志：{reason}{hint_zh}"
            f" / {name} cannot be read as a job log: {reason}{hint_en}"
        ) from exc
    return int(result[0][0]) if result else 0
