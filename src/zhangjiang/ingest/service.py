"""Ingest entry points shared by the CLI, the web app and the demo: pick the connector."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from zhangjiang.config import Settings
from zhangjiang.forms import get_form
from zhangjiang.ingest.load import IngestResult, ingest_file
from zhangjiang.store import Store

__all__ = ["CONNECTORS", "ingest_paths", "list_batches"]

Connector = Callable[..., IngestResult]
CONNECTORS: dict[str, Connector] = {"tabular": ingest_file}


def register_connector(name: str, connector: Connector) -> None:
    """Register the loader used for forms whose ``connector`` is ``name``."""
    CONNECTORS[name] = connector


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
    _load_connectors()
    connector = CONNECTORS[form.connector]
    if form.connector == "tabular":
        for option in ("system", "log_format", "facility"):
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
