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
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from zhangjiang.errors import IngestError
from zhangjiang.ingest.jobs_problems import (
    NOTICES,
    TABLE_NAME,
    empty_log_error,
    job_notices,
    job_problems,
    record_notices,
    skipped_lines,
)

if TYPE_CHECKING:
    from zhangjiang.ingest.jobs_slurm import FieldsQuery
    from zhangjiang.store.duckdb import Connection

__all__ = [
    "FORMATS",
    "JOB_COLUMNS",
    "NOTICES",
    "JobLog",
    "LineScan",
    "detect_format",
    "empty_log_error",
    "job_notices",
    "job_problems",
    "open_job_log",
    "scan_lines",
    "skipped_lines",
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
# sge covers Univa/Altair Grid Engine (UGE); jobcomp is Slurm's jobcomp/filetxt log.
FORMATS = ("slurm", "pbs", "lsf", "sge", "jobcomp")

# Bytes read to sniff the format: enough for a long LSF record with its job script.
_SNIFF_BYTES = 1 << 20
# A delimiter that never occurs in a text log, so that read_csv yields whole lines.
_NO_DELIMITER = "\x00"
# Cheap test first: trim() of every line costs more than splitting it.
_NOT_BLANK = "line <> '' AND NOT (line[1] = ' ' AND trim(line) = '')"
_LSF_RECORD = re.compile(r'"[A-Z][A-Z0-9_]*" "[0-9.]+" \d+ ')
_PBS_RECORD = re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2};[A-Za-z];[^;]*;")
_JOBCOMP_RECORD = re.compile(r"JobId=\S+ UserId=")
_SLURM_JOB_ID = re.compile(r"\d+([_+][0-9\[\],%-]+)?(\.[\w-]+)?")
_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}|Unknown|None")
_SGE_MIN_FIELDS = 43
_CHUNK_BYTES = 1 << 20
# read_csv's unit of parallel work on the fast path. Smaller than its default (32 MiB),
# it keeps both cores busy while the insert preserves the file's order (measured in
# the insert statement of 1M jobs on 2 cores: 1.07 s instead of 1.2 s).
_CSV_BUFFER_BYTES = 8 << 20
_MISSING = object()
# Values no job can have: the line is a problem, never stored as it is.
_IMPOSSIBLE = """CASE
    WHEN end_time < start_time
        THEN 'end ' || end_time || ' is before start ' || start_time
    WHEN cores < 1 THEN 'cores must be at least 1, got ' || cores
END"""


def detect_format(path: Path, name: str | None = None) -> str:
    """Return the accounting format of ``path`` from its first record line.

    Parameters
    ----------
    path
        A Slurm ``sacct --parsable2`` dump, a PBS/Torque accounting file, an LSF
        ``lsb.acct`` file or an SGE/UGE ``accounting`` file. The name is not used.
    name
        The file's name in messages (default: ``path.name``).

    Returns
    -------
    str
        One of :data:`FORMATS`.

    Raises
    ------
    IngestError
        The file is empty or its first record matches none of the formats.
    """
    name = name or path.name
    row, line = _first_record(path, name)
    if _LSF_RECORD.match(line):
        return "lsf"
    if _PBS_RECORD.match(line):
        return "pbs"
    if _JOBCOMP_RECORD.match(line):
        return "jobcomp"
    if _is_slurm(line):
        return "slurm"
    fields = line.split(":")
    if len(fields) >= _SGE_MIN_FIELDS and all(
        fields[i].isdigit() for i in (5, 8, 9, 10)
    ):
        return "sge"
    hint_zh = hint_en = ""
    if line.count("|") >= 2:
        hint_zh = "；若为无表头的 sacct 输出，请用 --fields 给出其列，如 --fields JobID,User,Start,End,NCPUS"
        hint_en = (
            "; for a sacct dump without header, give its columns with --fields,"
            " e.g. --fields JobID,User,Start,End,NCPUS"
        )
    raise IngestError(
        f"文件 {name} 第{row}行：无法识别的作业记账格式"
        f"（应为 slurm、pbs、lsf、sge 或 jobcomp）{hint_zh}"
        f" / {name} line {row}: unrecognised job accounting format"
        f" (expected slurm, pbs, lsf, sge or jobcomp){hint_en}"
    )


def stage_jobs(
    con: Connection,
    path: Path,
    fmt: str | None = None,
    table: str = "jobs_stage",
    tz: str = "UTC",
    fields: str | None = None,
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
    fields
        The columns of a Slurm dump without header, as sacct's ``--format`` takes
        them (``JobID,User,Start,End,NCPUS``); a header line wins.

    Returns
    -------
    int
        Number of rows in ``table``.

    Raises
    ------
    IngestError
        The file cannot be read, or none of its records could be parsed;
        :class:`~zhangjiang.errors.FileProblemError` when it holds no job at all.

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
    return stage_log(con, open_job_log(path, fmt, table, tz, fields=fields))


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
            scan = pool.submit(scan_lines, path, log.key)
            read = log.run(
                con,
                f"CREATE OR REPLACE TEMP TABLE {table} AS "
                f"SELECT *, CAST(NULL AS BIGINT) AS source_row FROM ({query})",
            )
            log.number_rows(con, table, "source_row", "true")
            held = log.fast_path_holds(
                con, scan.result(), read, table, "source_row", "true"
            )
        if held:
            redone = log.settle(
                con,
                f"SELECT source_row, problem, redo FROM {table} "
                "WHERE problem IS NOT NULL OR redo",
            )
            con.execute(
                f"DELETE FROM {table} WHERE skip OR problem IS NOT NULL OR redo"
            )
            for flag in ("skip", "problem", "redo"):
                con.execute(f"ALTER TABLE {table} DROP COLUMN {flag}")
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

    record_notices(con, table, table)
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
    for flag in ("skip", "problem", "notice"):
        con.execute(f"ALTER TABLE {table} DROP COLUMN {flag}")
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
    fields: FieldsQuery | None  # the fast path, if the format has one
    name: str  # the file's name in messages

    @property
    def key(self) -> int | None:
        """Return the 1-based field of the job id on the fast path, if there is one."""
        return self.fields.key if self.fields is not None else None

    @property
    def params(self) -> dict[str, Any]:
        """Return the parameters of every statement that reads the file."""
        return {"path": str(self.path), "no_delimiter": _NO_DELIMITER}

    def run(
        self, con: Connection, sql: str, params: dict[str, Any] | None = None
    ) -> int:
        """Execute ``sql`` that reads the file (see :func:`_run`); return its count."""
        return _run(con, self.name, sql, self.params | (params or {}))

    def drop_scratch(self, con: Connection) -> None:
        """Drop the scratch tables of an earlier parse."""
        for suffix in ("errors", "scans", "side", "redo"):
            con.execute(f"DROP TABLE IF EXISTS {self.table}__{suffix}")

    def fields_query(self) -> str | None:
        """Return the fast-path SELECT, or None when the format has no fast path.

        The SELECT reads the file once with ``read_csv(delim='|')``, in parallel. It
        yields one row per line read, in the file's order, with the job columns
        (:data:`JOB_COLUMNS` but ``source_row``, cast), then ``skip`` (a job step or
        another line that is not a job), ``problem`` (why the line is not a job) and
        ``redo`` (the line needs the reference path, see :meth:`settle`). The format
        redoes every line with impossible values (:data:`_IMPOSSIBLE`), so that the
        reference path words the problem. Numbering
        the lines in the query would make DuckDB parse on one thread; the caller
        stores the rows in order and numbers them with :meth:`number_rows` instead.
        """
        if self.fields is None:
            return None
        count, _, select = self.fields
        names = [f"f{i}" for i in range(1, count + 1)] + ["fx"]
        columns = ", ".join(f"'{n}': 'VARCHAR'" for n in names)
        # nullstr: an empty field stays '' and only a missing one is NULL. strict_mode
        # off: fields after fx are dropped, not rejected (fx flags such lines). A line
        # read_csv cannot read (invalid UTF-8) is skipped, not stored: the count of
        # lines read then falls short (fast_path_holds), and the reference path,
        # which keeps rejects, parses the file instead.
        read = (
            f"read_csv($path, columns = {{{columns}}}, header = false, "
            f"buffer_size = {_CSV_BUFFER_BYTES}, "
            "auto_detect = false, delim = '|', quote = '', escape = '', "
            "null_padding = true, nullstr = $no_delimiter, strict_mode = false, "
            "ignore_errors = true)"
        )
        casts = ", ".join(
            f"CAST({c} AS {t}) AS {c}"
            for c, t in JOB_COLUMNS.items()
            if c != "source_row"
        )
        return f"""
            WITH fields AS (SELECT * FROM {read}),
            records AS ({select})
            SELECT {casts}, skip, redo, problem
            FROM records
        """

    def number_rows(self, con: Connection, table: str, column: str, where: str) -> None:
        """Set ``column`` of the rows of ``table`` matching ``where`` to their line numbers.

        The rows are those :meth:`fields_query` yielded, stored by one INSERT or CREATE
        TABLE AS: DuckDB keeps a parallel insert in the order of its source
        (``preserve_insertion_order``, its default, which the store never turns off)
        and gives the rows consecutive row ids, so the first row read is line 1. Empty
        lines, which read_csv skips, are ruled out by :func:`scan_lines`, and
        :meth:`fast_path_holds` checks sampled lines against the numbers given, so a
        DuckDB that stored rows out of order would send the file down the reference
        path rather than number a job wrongly.
        """
        con.execute(
            f"UPDATE {table} SET {column} = rowid - "
            f"(SELECT min(rowid) FROM {table} WHERE {where}) + 1 WHERE {where}"
        )

    def fast_path_holds(
        self,
        con: Connection,
        scan: LineScan,
        rows_read: int,
        table: str,
        column: str,
        where: str,
    ) -> bool:
        """Return whether the fast path's result stands (see :func:`scan_lines`).

        read_csv skips empty lines and rejected lines (not valid UTF-8 ...) without
        counting them. Neither kind is expected in a sacct dump, and either makes
        ``rows_read`` fall short of the file's lines; empty lines at the end of the
        file shift nothing. The job id of every line ``scan`` sampled must be the one
        stored under its number in ``column`` of the rows matching ``where``.
        """
        if scan.irregular or rows_read != scan.last_line:
            return False
        if not scan.samples:
            return True
        stored = dict(
            con.execute(
                f"SELECT {column}, job_id FROM {table} WHERE {where} "
                f"AND {column} IN (SELECT unnest($rows))",
                {"rows": list(scan.samples)},
            ).fetchall()
        )
        return all(
            stored.get(row, _MISSING) == key for row, key in scan.samples.items()
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
                "CAST(NULL AS BOOLEAN) AS skip, CAST(NULL AS VARCHAR) AS problem, "
                "CAST(NULL AS VARCHAR) AS notice WHERE false"
            )
        record_notices(con, t, f"{t}__redo")
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
        """Raise IngestError when no job was parsed.

        When some line was a problem, the message names the first; otherwise the log
        holds no job that ended (a header, comments, job steps, running jobs), which
        is the declared problem ``empty-job-log``: a batch of no jobs is never made.
        """
        if rows:
            return
        # Fetch everything: DuckDB refuses new work while a result is half-read.
        first = con.execute(
            f"SELECT source_row, reason FROM {self.table}_problems "
            "ORDER BY source_row LIMIT 1"
        ).fetchall()
        if not first:
            raise empty_log_error(
                self.name,
                "没有已结束的作业（只有表头、注释、作业步或未结束的作业）",
                "no job that ended (only a header, comments, job steps or jobs "
                "still running)",
            )
        name, (row, reason) = self.name, first[0]
        raise IngestError(
            f"文件 {name} 没有可解析的 {self.fmt} 作业记录；第{row}行：{reason}"
            f" / {name}: no {self.fmt} job record could be parsed;"
            f" line {row}: {reason}"
        )


def open_job_log(
    path: Path,
    fmt: str | None = None,
    table: str = "jobs_stage",
    tz: str = "UTC",
    name: str | None = None,
    fields: str | None = None,
) -> JobLog:
    """Check the arguments of :func:`stage_jobs` and build the SQL for ``path``.

    ``name`` is the file's name in messages (an upload is saved under another);
    ``fields`` the columns of a Slurm dump without header (``--fields``).
    """
    if not TABLE_NAME.fullmatch(table):
        raise ValueError(f"not a plain SQL identifier: {table!r}")
    name = name or path.name
    columns: tuple[str, ...] | None = None
    if fields:
        from zhangjiang.ingest.jobs_slurm import parse_field_list

        columns = parse_field_list(fields)
        if fmt not in (None, "slurm"):
            raise IngestError(
                f"--fields 只用于 Slurm sacct 输出，不能与格式 {fmt} 同用"
                f" / --fields applies to Slurm sacct dumps only, not to format {fmt!r}"
            )
        fmt = "slurm"  # a dump with a field list need not look like XDMoD's layouts
    fmt = fmt or detect_format(path, name)
    if fmt not in FORMATS:
        raise IngestError(
            f"未知的作业日志格式“{fmt}”，可选：{'、'.join(FORMATS)}"
            f" / unknown job log format {fmt!r}; choose one of {', '.join(FORMATS)}"
        )
    _check_time_zone(tz)
    module = importlib.import_module(f"zhangjiang.ingest.jobs_{fmt}")
    _, sample = _first_record(path, name)
    given = {"fields": columns} if columns else {}
    try:
        fast = (
            module.fields_sql(sample, tz, **given)
            if hasattr(module, "fields_sql")
            else None
        )
        select = module.select_sql(sample, tz, **given)
    except IngestError as exc:  # the layout is refused (a header lacking columns)
        zh, en = exc.zh_en
        raise IngestError(f"文件 {name}：{zh} / {name}: {en}") from exc
    return JobLog(path, fmt, tz, table, sample, select, fast, name)


@dataclass(frozen=True)
class LineScan:
    """What one read of a log tells the fast path (see :func:`scan_lines`)."""

    irregular: bool  # line ends mixing CRLF with LF
    last_line: int  # number of the last line holding anything but a line end
    samples: dict[int, str | None]  # line number → the job id field of that line
    sha256: str | None = None


def scan_lines(
    path: Path,
    key: int | None = None,
    digest: Any = None,
    sink: Callable[[bytes], Any] | None = None,
    stop: threading.Event | None = None,
) -> LineScan:
    """Read ``path`` once: count its lines and sample job ids for the fast path's checks.

    read_csv skips empty lines without counting them, so the rows it reads number the
    lines right only when it read ``last_line`` rows (empty lines at the end shift
    nothing). Line ends mixing CRLF with LF make the scan ``irregular``: only the
    reference path reports them. With ``key`` (the 1-based ``|`` field holding the
    job id), the first whole line after every chunk boundary is sampled; without it
    (no fast path) lines are not looked at. Every chunk is fed to ``digest`` (a
    hashlib object) and ``sink`` (say, the write of an archive copy) when they are
    given, so that the same read yields the file's hash and copy. Setting ``stop``
    ends the read early (the load it serves has failed).
    """
    irregular = False
    crlf: bool | None = None  # the line end of the first line decides
    lines = last_line = 0  # line ends before the current chunk; last line with text
    previous = b""  # the last byte of the previous chunk
    samples: dict[int, str | None] = {}
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK_BYTES), b""):
            if stop is not None and stop.is_set():
                break
            if digest is not None:
                digest.update(chunk)
            if sink is not None:
                sink(chunk)
            if key is None:
                continue
            ends = chunk.count(b"\n")
            if crlf is None and ends:
                window = previous + chunk
                first = window.find(b"\n")
                crlf = first > 0 and window[first - 1] == ord("\r")
            if crlf is False:
                irregular = irregular or b"\r" in chunk
            elif crlf:
                irregular = irregular or ends != (previous + chunk).count(b"\r\n")
            if lines:
                _sample_line(chunk, lines, key, samples)
            text = chunk.rstrip(b"\r\n")
            if text:
                last_line = lines + ends - chunk.count(b"\n", len(text)) + 1
            lines += ends
            previous = chunk[-1:]
    return LineScan(
        irregular,
        last_line,
        samples,
        digest.hexdigest() if digest is not None else None,
    )


def _sample_line(
    chunk: bytes, lines: int, key: int, samples: dict[int, str | None]
) -> None:
    """Record the job id field of the first line starting inside ``chunk``.

    ``lines`` line ends came before the chunk, so the line after the chunk's first
    line end is line ``lines + 2``. A line that does not end inside the chunk is not
    sampled.
    """
    first = chunk.find(b"\n")
    end = chunk.find(b"\n", first + 1)
    if first < 0 or end < 0:
        return
    fields = chunk[first + 1 : end].rstrip(b"\r").split(b"|")
    value = fields[key - 1].decode("utf-8", "replace") if len(fields) >= key else None
    samples[lines + 2] = value


def _scalar(con: Connection, sql: str) -> Any:
    """Return the single value of ``sql``."""
    return con.execute(sql).fetchall()[0][0]


def _first_record(path: Path, name: str) -> tuple[int, str]:
    """Return the line number and text of the first non-blank, non-comment line."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError as exc:
        raise IngestError(
            f"无法读取文件 {name}：{exc.strerror} / cannot read {name}: {exc.strerror}"
        ) from exc
    text = head.decode("utf-8", errors="replace")
    for row, line in enumerate(text.splitlines(), start=1):
        if line.strip() and not line.startswith("#"):
            return row, line
    if head.strip():
        raise empty_log_error(name, "只有注释行", "only comment lines")
    raise empty_log_error(name, f"{name} 为空", f"{name} is empty")


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
        SELECT {columns}, skip, coalesce(problem, {_IMPOSSIBLE}) AS problem, notice
        FROM records
    """


def _run(con: Connection, name: str, sql: str, params: dict[str, Any]) -> int:
    """Execute ``sql``, turning a reader failure into an IngestError naming the file.

    Returns the row count that CREATE TABLE AS, INSERT and DELETE report.
    """
    try:
        result = con.execute(sql, params).fetchall()
    except Exception as exc:  # duckdb.Error; only the store module may import duckdb
        reason = str(exc).splitlines()[0]
        hint_zh = hint_en = ""
        if "state machine" in reason:  # what DuckDB says of mixed CRLF and LF
            hint_zh = "；若文件混用 CRLF 与 LF 换行，请先用 dos2unix 统一"
            hint_en = "; if it mixes CRLF and LF line ends, convert it with dos2unix"
        raise IngestError(
            f"文件 {name} 无法读取为作业日志：{reason}{hint_zh}"
            f" / {name} cannot be read as a job log: {reason}{hint_en}"
        ) from exc
    return int(result[0][0]) if result else 0
