"""Ingest entry points shared by the CLI, the web app and the demo: pick the connector."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from zhangjiang.config import Settings
from zhangjiang.forms import get_form
from zhangjiang.ingest.load import IngestResult, ingest_file
from zhangjiang.ingest.problems import Problem
from zhangjiang.store import Store

__all__ = [
    "CONNECTORS",
    "connector_for",
    "ingest_paths",
    "list_batches",
    "validate_path",
]

Connector = Callable[..., IngestResult]
CONNECTORS: dict[str, Connector] = {"tabular": ingest_file}


def register_connector(name: str, connector: Connector) -> None:
    """Register the loader used for forms whose ``connector`` is ``name``."""
    CONNECTORS[name] = connector


def connector_for(dataset: str) -> Connector:
    """Return the loader of the form ``dataset`` (tabular, job log, publication list)."""
    form = get_form(dataset)
    if form.connector not in CONNECTORS:
        _load_connectors()
    return CONNECTORS[form.connector]


def ingest_paths(
    store: Store,
    dataset: str,
    paths: Sequence[Path],
    settings: Settings,
    *,
    progress: bool = False,
    snapshot: bool = True,
    **options: Any,
) -> list[IngestResult]:
    """Ingest each file into ``dataset`` with the form's connector; one batch per file.

    With ``snapshot`` (the default) the web app's snapshot is rewritten afterwards so that
    the data page shows the new batches; bulk loaders pass False and write it once.
    """
    form = get_form(dataset)
    connector = connector_for(dataset)
    if form.connector == "tabular":
        for option in ("system", "log_format", "facility", "fields"):
            options.pop(option, None)
    results = []
    for path in paths:
        kwargs = {k: v for k, v in options.items() if v is not None}
        if form.connector != "tabular":
            kwargs["progress"] = progress
        results.append(connector(store, dataset, path, settings, **kwargs))
    if snapshot and any(r.outcome in ("loaded", "pending") for r in results):
        from zhangjiang.snapshot import (
            write_snapshot,  # late: the snapshot reads the indicators
        )

        write_snapshot(store)
    return results


def list_batches(store: Store, dataset: str | None = None) -> list[dict[str, Any]]:
    """Return every batch, newest first, as dicts (``file`` is the original file name)."""
    sql = (
        "SELECT id, dataset, file_name AS file, sha256, size, rows, status, period, scope, "
        "loaded_at, loaded_by, note, superseded_by, warnings FROM batches"
    )
    params: list[Any] = []
    if dataset:
        sql += " WHERE dataset = ?"
        params.append(dataset)
    return store.query(sql + " ORDER BY id DESC", params)


def _load_connectors() -> None:
    # Connectors for job logs and publication lists register themselves on import.
    for module in (
        "zhangjiang.ingest.jobs_load",
        "zhangjiang.ingest.publications_load",
    ):
        try:
            __import__(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


def validate_path(
    dataset: str,
    path: Path,
    settings: Settings,
    *,
    period: str | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
    facility: str | None = None,
    log_format: str | None = None,
    store: Store | None = None,
    fields: str | None = None,
) -> IngestResult:
    """Check a file against its form without storing anything (a dry run of ingest).

    With ``store``, a valid tabular file also gets the plan of what loading it would
    do: cells added, cells replaced (with the batch holding them), cells unchanged.
    """
    from zhangjiang.ingest.load import check_file, derived_period, plan_file
    from zhangjiang.periods import parse_period

    plan = None
    form = get_form(dataset)
    if form.connector == "publications":
        from zhangjiang.ingest.publications_load import check_publications

        rows, problems = check_publications(path, facility or "", period, store=store)
        count = len(rows)
    elif form.connector == "hpc-jobs":
        count, problems = _check_jobs(path, log_format, settings, fields)
    else:
        checked = check_file(
            form,
            path,
            settings,
            period=parse_period(period) if period else None,
            sheet=sheet,
            encoding=encoding,
        )
        count, problems = len(checked.rows), checked.problems
        if store is not None and not checked.errors:
            batch_period = period or derived_period(form, checked.rows)
            plan = plan_file(store, form, checked.rows, batch_period)
    errors = [p for p in problems if p.is_error]
    result = IngestResult(
        path.name,
        dataset,
        "rejected" if errors else "valid",
        rows=count,
        problems=problems,
        plan=plan,
    )
    if errors:
        result.message_zh = f"{path.name} 有 {len(errors)} 个错误"
        result.message_en = f"{path.name} has {len(errors)} error(s)"
    else:
        result.message_zh = f"{path.name} 校验通过，{count} 行"
        result.message_en = f"{path.name} is valid: {count} rows"
    return result


def _check_jobs(
    path: Path, log_format: str | None, settings: Settings, fields: str | None = None
) -> tuple[int, list[Problem]]:
    """Parse a job log in a throwaway in-memory database and report its problems."""
    from zhangjiang.errors import FileProblemError
    from zhangjiang.ingest.jobs import job_notices, skipped_lines, stage_jobs

    scratch = Store(Path(":memory:"))
    with scratch.connect() as con:
        try:
            count = stage_jobs(
                con, path, log_format, tz=settings.timezone, fields=fields
            )
        except FileProblemError as exc:
            return 0, exc.problems
        return count, skipped_lines(con, path.name) + job_notices(con, path.name)
