"""Load an HPC job-accounting log as one batch of ``hpc-jobs``, streamed through DuckDB.

The log never passes through Python rows: :func:`~zhangjiang.ingest.jobs.stage_jobs`
parses it into a temporary table and one ``INSERT ... SELECT`` copies the jobs into
``ds_hpc_jobs``, inside the same transaction as the batch record and the archived file,
so a load killed half-way leaves the store as it was.

Requeued and repeated jobs: every run of a requeued job is a job row (``sacct
--duplicates`` lists each run with its own start and end). A run already loaded for the
same system from another file (same job id, start and end: overlapping daily dumps) is
skipped and counted in a ``job-already-loaded`` warning, so overlapping logs never count
a run twice. An identical file is refused as a duplicate before it is parsed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from zhangjiang.config import Settings
from zhangjiang.errors import IngestError
from zhangjiang.forms import get_form
from zhangjiang.ingest.jobs import JOB_COLUMNS, job_problems, stage_jobs
from zhangjiang.ingest.load import IngestResult, find_duplicate, insert_batch
from zhangjiang.ingest.problems import PROBLEM_KINDS, Problem, ProblemKind, problem
from zhangjiang.ingest.service import register_connector
from zhangjiang.store import Store
from zhangjiang.store.duckdb import Connection, sha256_file

__all__ = ["JOB_PROBLEM_KINDS", "ingest_jobs", "unmapped_users"]

# Warning kinds of job logs; registered with the declared kinds (setdefault keeps a
# declaration in problems.py, should one be added there).
JOB_PROBLEM_KINDS = (
    ProblemKind("job-record-skipped", "warning", "作业记录已跳过", "Job record skipped",
                "无法解析的作业记录，已跳过：{reason}",
                "job record cannot be parsed and was skipped: {reason}"),
    ProblemKind("job-already-loaded", "warning", "作业已导入", "Job already loaded",
                "{count} 个作业运行（作业号、开始、结束时间相同）已在系统“{system}”的其他批次中，已跳过",
                "{count} job run(s) (same job id, start and end) are already loaded for "
                "system {system!r} from another batch and were skipped"),
    ProblemKind("unmapped-users", "warning", "用户未对应单位", "Users without organisation",
                "{count} 个用户在“超算用户所属单位”中没有对应单位，按作业账户计：{examples}",
                "{count} user(s) have no organisation in hpc-user-organizations and count "
                "under their job account: {examples}"),
)  # fmt: skip
for _kind in JOB_PROBLEM_KINDS:
    PROBLEM_KINDS.setdefault(_kind.type, _kind)

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

    Returns
    -------
    IngestResult
        ``loaded`` with the number of job runs stored, or ``duplicate``.
    """
    name = path.name
    if not system or not system.strip():
        raise IngestError(
            f"导入作业日志 {name} 须用 --system 指明超算系统，例如 --system 魔方III"
            f" / ingesting job log {name} needs --system naming the HPC system,"
            " e.g. --system 魔方III"
        )
    system = system.strip()
    form = get_form(dataset)
    sha = sha256_file(path)
    result = IngestResult(name, dataset, "rejected", sha256=sha)
    duplicate = find_duplicate(store, dataset, sha)
    if duplicate is not None:
        result.outcome, result.batch_id = "duplicate", duplicate
        result.message_zh = f"{name} 已作为批次 {duplicate} 加载，未作改动"
        result.message_en = (
            f"{name} is already loaded as batch {duplicate}; nothing changed"
        )
        return result

    with store.transaction() as con, _progress_bar(con, path, progress) as phase:
        phase("解析 parse")
        staged = stage_jobs(
            con, path, fmt=log_format, table=_STAGE, tz=settings.timezone
        )
        problems = [
            problem(
                "job-record-skipped", name, row=p.row, reason=p.params.get("reason", "")
            )
            for p in job_problems(con, path, _STAGE, limit=_MAX_PROBLEMS)
        ]
        skipped = int(
            con.execute(f"SELECT count(*) FROM {_STAGE}_problems").fetchall()[0][0]
        )
        batch_id = insert_batch(
            con,
            form,
            name,
            sha,
            path.stat().st_size,
            0,
            "loaded",
            period or _single_year(con),
            system,
            settings.user,
            note,
        )
        phase("写入 insert")
        rows = _insert_jobs(con, form.table, form.view, batch_id, system)
        if rows < staged:
            problems.append(
                problem("job-already-loaded", name, count=staged - rows, system=system)
            )
        unmapped = unmapped_users(con, batch_id)
        if unmapped:
            problems.append(_unmapped_problem(name, unmapped))
        warnings = skipped + (rows < staged) + bool(unmapped)
        con.execute(
            "UPDATE batches SET rows = ?, warnings = ? WHERE id = ?",
            [rows, warnings, batch_id],
        )
        store.archive(path, sha)
    result.outcome, result.batch_id, result.rows, result.problems = (
        "loaded",
        batch_id,
        rows,
        problems,
    )
    result.message_zh = (
        f"{name} 已加载为系统“{system}”的批次 {batch_id}，共 {rows} 个作业"
    )
    result.message_en = (
        f"{name} loaded as batch {batch_id} of system {system!r} with {rows} jobs"
    )
    if skipped:
        result.message_zh += f"；{skipped} 行无法解析，已跳过"
        result.message_en += f"; {skipped} line(s) could not be parsed and were skipped"
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


def _insert_jobs(
    con: Connection, table: str, view: str, batch_id: int, system: str
) -> int:
    """Copy the staged jobs not already loaded for ``system`` into ``table``; return the count."""
    columns = [c for c in JOB_COLUMNS if c != "source_row"]
    names = ", ".join(f'"{c}"' for c in columns)
    select = ", ".join(f's."{c}"' for c in columns)
    # Only loaded runs ending within the staged file's span can repeat one of its runs,
    # so the check reads a day's worth of rows when a daily log is appended.
    row = con.execute(
        f"""INSERT INTO {table} ("system", {names}, _batch_id, _row)
            SELECT $system, {select}, $batch_id, s.source_row
            FROM {_STAGE} s
            WHERE NOT EXISTS (
                SELECT 1 FROM {view} j
                WHERE j."system" = $system AND j.job_id = s.job_id
                  AND j.start_time = s.start_time AND j.end_time = s.end_time
                  AND j.end_time BETWEEN (SELECT min(end_time) FROM {_STAGE})
                                     AND (SELECT max(end_time) FROM {_STAGE})
            )""",
        {"system": system, "batch_id": batch_id},
    ).fetchall()
    return int(row[0][0])


def _single_year(con: Connection) -> str | None:
    """Return the year every staged job ended in, when there is one."""
    first, last = con.execute(
        f"SELECT min(year(end_time)), max(year(end_time)) FROM {_STAGE}"
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
