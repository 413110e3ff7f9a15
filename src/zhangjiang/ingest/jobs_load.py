"""Load an HPC job-accounting log as one batch of ``hpc-jobs``, streamed through DuckDB.

The log never passes through Python rows. A Slurm dump is read once by DuckDB's CSV
reader and inserted straight into ``ds_hpc_jobs`` (``JobLog.fields_query`` in
:mod:`~zhangjiang.ingest.jobs`), every line in the file's order, on every core; the
lines that are not jobs (steps, problems) are taken out again before the commit. The
other formats, and Slurm dumps with empty lines, mixed line ends or invalid UTF-8, are
staged by :func:`~zhangjiang.ingest.jobs.stage_log` in a temporary table first.
Either way it all happens inside the same transaction as the batch record and the
archived file, so a load killed half-way leaves the store as it was. The HPC rollup
(:mod:`~zhangjiang.ingest.jobs_rollup`) sums the batch in a second transaction. The file's sha256
is computed, and the file copied into the archive, on a second thread during the parse
(the hash first when a batch of the same size exists).

Requeued and repeated jobs: every run of a requeued job is a job row (``sacct
--duplicates`` lists each run with its own start and end). A run already loaded for the
same system from another file (same job id, start and end: overlapping daily dumps) is
skipped and counted in a ``job-already-loaded`` warning, so overlapping logs never count
a run twice. An identical file is refused as a duplicate before it is parsed.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from zhangjiang.config import Settings
from zhangjiang.errors import FileProblemError, IngestError
from zhangjiang.forms import get_form
from zhangjiang.ingest import jobs_rollup
from zhangjiang.ingest.jobs import (
    JOB_COLUMNS,
    JobLog,
    LineScan,
    job_notices,
    open_job_log,
    scan_lines,
    skipped_lines,
    stage_log,
)
from zhangjiang.ingest.load import IngestResult, find_duplicate, insert_batch
from zhangjiang.ingest.problems import Problem, problem
from zhangjiang.ingest.service import register_connector
from zhangjiang.store import Store
from zhangjiang.store.duckdb import ArchiveCopy, Connection, sha256_file

__all__ = ["drop_repeated_runs", "ingest_jobs", "unmapped_users"]

_CONNECTOR = "hpc-jobs"
_STAGE = "jobs_stage"
_MAX_PROBLEMS = 100
_EXAMPLES = 5


def ingest_jobs(
    store: Store,
    dataset: str,
    path: Path,
    settings: Settings,
    *,
    system: str | None = None,
    log_format: str | None = None,
    progress: bool = False,
    note: str = "",
    period: str | None = None,
    status: str = "loaded",
    display_name: str | None = None,
    fields: str | None = None,
    **_: Any,
) -> IngestResult:
    """Load the job log ``path`` of ``system`` as one batch (identical file: no-op).

    Parameters
    ----------
    store, dataset, path, settings
        As for every connector; ``dataset`` is a form whose connector is ``hpc-jobs``.
    system
        Name of the HPC system the log comes from (required; the batch's scope).
    log_format
        ``slurm``, ``pbs``, ``lsf`` or ``sge``; detected from the file when None.
    progress
        Show a progress bar with the parse rate in jobs per second.
    note, period
        Recorded on the batch.
    status
        ``loaded``, or ``pending`` for a portal upload awaiting review (its runs are
        checked against the loaded ones again when it is approved).
    display_name
        The file's name as the user knows it (an upload is saved under another).
    fields
        The columns of a Slurm dump without header, as sacct's ``--format`` takes
        them (``JobID,User,Account,Start,End,NCPUS,State``); a header line wins.

    Returns
    -------
    IngestResult
        ``loaded`` (or ``pending``) with the number of job runs stored,
        ``duplicate``, or ``rejected`` (nothing stored) for a log that holds no job
        (``empty-job-log``).
    """
    name = display_name or path.name
    try:
        return _ingest_jobs(
            store, dataset, path, settings, system, log_format, progress, note,
            period, status, name, fields,
        )  # fmt: skip
    except FileProblemError as exc:
        return IngestResult(name, dataset, "rejected").set_rejected(exc.problems)


def _ingest_jobs(
    store: Store,
    dataset: str,
    path: Path,
    settings: Settings,
    system: str | None,
    log_format: str | None,
    progress: bool,
    note: str,
    period: str | None,
    status: str,
    name: str,
    fields: str | None,
) -> IngestResult:
    """Load the job log as :func:`ingest_jobs` does; raise FileProblemError to refuse it."""
    if not system or not system.strip():
        raise IngestError(
            f"导入作业日志 {name} 须用 --system 指明超算系统，例如 --system 魔方III"
            f" / ingesting job log {name} needs --system naming the HPC system,"
            " e.g. --system 魔方III"
        )
    system = system.strip()
    form = get_form(dataset)
    size = path.stat().st_size
    sha: str | None = None
    if _same_size_batch(store, dataset, size):
        # Only a file of the same size can be identical: hash it before parsing.
        sha = sha256_file(path)
        duplicate = find_duplicate(store, dataset, sha)
        if duplicate is not None:
            return IngestResult(name, dataset, "duplicate", sha256=sha).set_duplicate(
                duplicate
            )
    log = open_job_log(path, log_format, _STAGE, settings.timezone, name, fields)
    fast = log.fields_query()

    # On a second thread while DuckDB parses and inserts: copy the file into the
    # archive, hash it (unless done above) and scan its lines for the fast path.
    with (
        store.archive_copy(path) as copy,
        _reading(path, sha is None, log.key, copy) as reading,
        store.transaction() as con,
        _progress_bar(con, path, progress) as phase,
    ):
        # DuckDB tries three string compressions on every segment it writes; DICT_FSST
        # alone (a dictionary, its strings FSST-compressed) gives a job log's columns
        # the same size for ~2 CPU-s less per 10M jobs. The setting lasts while the
        # database is open in this process.
        con.execute("SET disabled_compression_methods = 'fsst,dictionary'")
        batch_id = insert_batch(
            con, form, name, sha or "", size, 0, status, period, system,
            settings.user, note,
        )  # fmt: skip
        phase("解析 parse")
        staged: int | None = None
        if fast is not None:
            inserted = _insert_fast(con, log, fast, form.table, batch_id, system)
            if log.fast_path_holds(
                con, reading.result(), inserted, form.table, "_row", _own_rows(batch_id)
            ):
                staged = _settle_fast(con, log, form.table, batch_id, system, inserted)
            else:  # rare: empty lines, mixed line ends, invalid UTF-8, misnumbered
                con.execute(
                    f"DELETE FROM {form.table} WHERE _batch_id IN (?, ?)",
                    [batch_id, -batch_id],
                )
        if staged is None:
            stage_log(con, log, fast=False)
            staged = _insert_staged(con, form.table, batch_id, system)
        log.check_rows(con, staged)
        log.drop_scratch(con)
        problems = skipped_lines(con, name, _STAGE, limit=_MAX_PROBLEMS)
        skipped = int(
            con.execute(f"SELECT count(*) FROM {_STAGE}_problems").fetchall()[0][0]
        )
        notices = job_notices(con, name, _STAGE)
        problems += notices
        phase("写入 insert")
        period = period or _single_year(con, form.table, batch_id)
        rows = staged - _drop_loaded_runs(
            con, form.table, form.view, dataset, batch_id, system
        )
        if rows < staged:
            problems.append(
                problem("job-already-loaded", name, count=staged - rows, system=system)
            )
        unmapped = unmapped_users(con, batch_id)
        if unmapped:
            problems.append(_unmapped_problem(name, unmapped))
        warnings = skipped + (rows < staged) + bool(unmapped) + len(notices)
        scan = reading.result()  # the archive copy is complete only then
        sha = sha or scan.sha256
        con.execute(
            "UPDATE batches SET rows = ?, warnings = ?, period = ?, sha256 = ? "
            "WHERE id = ?",
            [rows, warnings, period, sha, batch_id],
        )
        copy.file(sha)
    # Summed once the rows are committed, so the transaction of the load never holds
    # both; until then (or if this is interrupted) the indicators read the rows.
    with store.transaction() as con:
        jobs_rollup.refresh(con, batch_id)
    result = IngestResult(name, dataset, status, batch_id, rows, sha, problems=problems)
    done_zh, done_en = (
        ("已加载", "loaded") if status == "loaded" else ("已提交", status)
    )
    result.message_zh = (
        f"{name} {done_zh}为系统“{system}”的批次 {batch_id}，共 {rows} 个作业"
    )
    result.message_en = (
        f"{name} {done_en} as batch {batch_id} of system {system!r} with {rows} jobs"
    )
    if skipped:
        result.message_zh += f"；{skipped} 行无法解析，已跳过"
        result.message_en += f"; {skipped} line(s) could not be parsed and were skipped"
    for notice in notices:
        count = notice.params["count"]
        result.message_zh += f"；{count} 个作业有提示（{notice.kind.title_zh}）"
        result.message_en += f"; {count} job(s) with a notice ({notice.kind.title_en})"
    return result


def unmapped_users(con: Connection, batch_id: int | None = None) -> list[str]:
    """Return the users of loaded jobs (of one batch) that have no organisation, sorted."""
    where = "WHERE j._batch_id = ?" if batch_id is not None else ""
    params = [batch_id] if batch_id is not None else []
    rows = con.execute(
        f"""SELECT DISTINCT j.user_name FROM ds_hpc_jobs j
            LEFT JOIN hpc_user_organizations o ON o."user" = j.user_name
            {where} {"AND" if where else "WHERE"} o."user" IS NULL AND j.user_name IS NOT NULL
            ORDER BY 1""",
        params,
    ).fetchall()
    return [r[0] for r in rows]


def drop_repeated_runs(con: Connection, batch_id: int) -> int:
    """Delete the runs of a just-approved batch that a loaded batch already holds.

    A pending upload was checked against the runs loaded when it arrived; others may
    have been loaded since. Updates the batch's row count; returns the runs dropped.
    """
    dataset, system = con.execute(
        "SELECT dataset, scope FROM batches WHERE id = ?", [batch_id]
    ).fetchall()[0]
    form = get_form(dataset)
    dropped = _drop_loaded_runs(con, form.table, form.view, dataset, batch_id, system)
    if dropped:
        con.execute(
            "UPDATE batches SET rows = rows - ? WHERE id = ?", [dropped, batch_id]
        )
        jobs_rollup.refresh(con, batch_id)
    return dropped


def _same_size_batch(store: Store, dataset: str, size: int) -> bool:
    """Return whether a loaded or pending batch of ``dataset`` has a file of ``size``."""
    return bool(
        store.query(
            "SELECT 1 FROM batches WHERE dataset = ? AND size = ? "
            "AND status IN ('loaded', 'pending') LIMIT 1",
            [dataset, size],
        )
    )


@contextmanager
def _reading(
    path: Path, digest: bool, key: int | None, copy: ArchiveCopy
) -> Iterator[Future[LineScan]]:
    """Read ``path`` once on a second thread; yield the future of its :class:`LineScan`.

    The read copies the file into the archive, hashes it (when ``digest``) and, for
    the fast path (a ``key`` field), counts and samples its lines. When the block
    fails, the read stops at its next chunk; either way the block is left only once
    the thread is done, so the copy's part file is never written after its removal.
    """
    stop = threading.Event()
    with ThreadPoolExecutor(1) as pool:

        def read() -> LineScan:
            with copy.writer() as out:
                return scan_lines(
                    path, key, hashlib.sha256() if digest else None, out.write, stop
                )

        future = pool.submit(read)
        try:
            yield future
        except BaseException:
            stop.set()
            raise


def _job_names() -> tuple[str, str]:
    """Return the quoted job columns of the row table, and the same as ``s."col"``."""
    columns = [c for c in JOB_COLUMNS if c != "source_row"]
    return ", ".join(f'"{c}"' for c in columns), ", ".join(f's."{c}"' for c in columns)


def _insert_fast(
    con: Connection, log: JobLog, query: str, table: str, batch_id: int, system: str
) -> int:
    """Parse ``log`` with the fast path straight into ``table``; return the rows inserted.

    Every line goes in, in the file's order, and is then numbered by
    :meth:`~zhangjiang.ingest.jobs.JobLog.number_rows`. Lines that are not jobs go
    in under batch ``-batch_id`` (which no view shows), their kind in ``state``
    (``skip``, ``problem`` or ``redo``) and a problem's reason as the job name.
    :func:`_settle_fast` takes them out again. So the file is read once, on every
    core, and the jobs are never copied; the transaction keeps those rows from every
    other connection.
    """
    names, _ = _job_names()
    side = "skip OR redo OR problem IS NOT NULL"
    kind = (
        "CASE WHEN skip THEN 'skip' WHEN redo THEN 'redo' "
        "WHEN problem IS NOT NULL THEN 'problem' ELSE state END"
    )
    special = {
        '"job_name"': f"CASE WHEN {side} THEN problem ELSE job_name END",
        '"state"': kind,
    }
    values = ", ".join(special.get(c, c) for c in names.split(", "))
    log.drop_scratch(con)
    inserted = log.run(
        con,
        f"""INSERT INTO {table} ("system", {names}, _batch_id, _row)
            SELECT $system, {values},
                CASE WHEN {side} THEN -$batch_id ELSE $batch_id END, 0
            FROM ({query})""",
        {"system": system, "batch_id": batch_id},
    )
    log.number_rows(con, table, "_row", _own_rows(batch_id))
    return inserted


def _own_rows(batch_id: int) -> str:
    """Return the condition of the rows the fast path inserted for ``batch_id``."""
    return f"_batch_id IN ({int(batch_id)}, {-int(batch_id)})"


def _settle_fast(
    con: Connection, log: JobLog, table: str, batch_id: int, system: str, inserted: int
) -> int:
    """Move the fast path's side rows out of ``table``; return the jobs staged."""
    names, select = _job_names()
    side = con.execute(
        f"SELECT count(*) FROM {table} WHERE _batch_id = ?", [-batch_id]
    ).fetchall()[0][0]
    redone = log.settle(
        con,
        f"SELECT _row AS source_row, job_name AS problem, state = 'redo' AS redo "
        f"FROM {table} WHERE _batch_id = {-int(batch_id)} AND state <> 'skip'",
    )
    if side:
        con.execute(f"DELETE FROM {table} WHERE _batch_id = ?", [-batch_id])
    if redone:
        con.execute(
            f"""INSERT INTO {table} ("system", {names}, _batch_id, _row)
                SELECT $system, {select}, $batch_id, s.source_row
                FROM {log.table}__redo s""",
            {"system": system, "batch_id": batch_id},
        )
    return inserted - int(side) + redone


def _insert_staged(con: Connection, table: str, batch_id: int, system: str) -> int:
    """Copy the jobs staged in the temporary table into ``table``; return the count."""
    names, select = _job_names()
    row = con.execute(
        f"""INSERT INTO {table} ("system", {names}, _batch_id, _row)
            SELECT $system, {select}, $batch_id, s.source_row FROM {_STAGE} s""",
        {"system": system, "batch_id": batch_id},
    ).fetchall()
    return int(row[0][0])


def _drop_loaded_runs(
    con: Connection, table: str, view: str, dataset: str, batch_id: int, system: str
) -> int:
    """Delete the runs of batch ``batch_id`` already loaded for ``system``; return how many.

    A run is the same when its job id, start and end are. Nothing to do, and nothing
    read, when no other batch of ``dataset`` is loaded (the first load of a store).
    """
    others = con.execute(
        "SELECT count(*) FROM batches WHERE dataset = ? AND status = 'loaded' "
        "AND id <> ?",
        [dataset, batch_id],
    ).fetchall()[0][0]
    if not others:
        return 0
    # Only loaded runs ending within the new batch's span can repeat one of its runs,
    # so the check reads a day's worth of rows when a daily log is appended.
    first, last = con.execute(
        f"SELECT min(end_time), max(end_time) FROM {table} WHERE _batch_id = ?",
        [batch_id],
    ).fetchall()[0]
    if first is None:
        return 0
    row = con.execute(
        f"""DELETE FROM {table} AS s
            WHERE s._batch_id = $batch_id AND EXISTS (
                SELECT 1 FROM {view} j
                WHERE j."system" = $system AND j._batch_id <> $batch_id
                  AND j.end_time BETWEEN $first AND $last
                  AND j.job_id = s.job_id AND j.start_time = s.start_time
                  AND j.end_time = s.end_time
            )""",
        {"system": system, "batch_id": batch_id, "first": first, "last": last},
    ).fetchall()
    return int(row[0][0])


def _single_year(con: Connection, table: str, batch_id: int) -> str | None:
    """Return the year every job of the batch ended in, when there is one."""
    first, last = con.execute(
        f"SELECT min(year(end_time)), max(year(end_time)) FROM {table} "
        "WHERE _batch_id = ?",
        [batch_id],
    ).fetchall()[0]
    return str(first) if first is not None and first == last else None


def _unmapped_problem(file: str, users: list[str]) -> Problem:
    examples = "、".join(users[:_EXAMPLES]) + ("…" if len(users) > _EXAMPLES else "")
    return problem("unmapped-users", file, count=len(users), examples=examples)


@contextmanager
def _progress_bar(
    con: Connection, path: Path, enabled: bool
) -> Iterator[Callable[[str], None]]:
    """Show DuckDB's query progress as a bar with an estimated jobs/s; yield a phase setter."""
    # DuckDB would print its own bar over the CLI's output (and into --output json).
    con.execute("SET enable_progress_bar_print = false")
    if not enabled:
        yield lambda _phase: None
        return
    con.execute("SET enable_progress_bar = true")
    con.execute("SET progress_bar_time = 0")
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    lines = _estimated_lines(path)
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        transient=False,
    )
    state = {"task": None, "started": time.monotonic()}
    stop = threading.Event()

    def set_phase(label: str) -> None:
        if state["task"] is not None:
            bar.update(state["task"], completed=100)
        state["task"] = bar.add_task(label, total=100, rate="")
        state["started"] = time.monotonic()

    def poll() -> None:
        while not stop.wait(0.2):
            task = state["task"]
            if task is None:
                continue
            percent = max(float(con.query_progress()), 0.0)
            elapsed = max(time.monotonic() - float(state["started"]), 1e-6)  # type: ignore[arg-type]
            rate = lines * percent / 100 / elapsed
            bar.update(task, completed=percent, rate=f"≈{rate:,.0f} 作业/秒 jobs/s")

    with bar:
        thread = threading.Thread(target=poll, daemon=True)
        thread.start()
        try:
            yield set_phase
        finally:
            stop.set()
            thread.join()
            if state["task"] is not None:
                bar.update(state["task"], completed=100)


def _estimated_lines(path: Path) -> int:
    """Estimate the number of lines from the file size and the first megabyte."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    per_line = len(head) / max(head.count(b"\n"), 1)
    return int(size / per_line) if per_line else 0


register_connector(_CONNECTOR, ingest_jobs)
