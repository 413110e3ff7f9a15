"""The archive of original files: content-addressed, compact, verifiable (store.duckdb)."""

from __future__ import annotations

import os
import shutil
import warnings
from pathlib import Path

import pytest
from starlette.exceptions import StarletteDeprecationWarning

from tests.portal_support import PASSWORD, login
from zhangjiang.config import Settings
from zhangjiang.indicators.engine import refresh_snapshot
from zhangjiang.ingest.service import ingest_paths
from zhangjiang.portal.accounts import add_user
from zhangjiang.portal.state import open_state
from zhangjiang.store import Store, open_store
from zhangjiang.store import duckdb as store_duckdb
from zhangjiang.web.app import create_app

with warnings.catch_warnings():
    # starlette prefers httpx2 to the installed httpx, which it still supports.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient


def _log(path: Path, jobs: int) -> Path:
    lines = ["JobID|User|Account|Partition|Start|End|NCPUS|NNodes|State|JobName"]
    lines += [
        f"{i}|u{i % 97}|acct{i % 7}|cpu|2022-03-{1 + i % 28:02d}T01:00:00"
        f"|2022-03-{1 + i % 28:02d}T0{2 + i % 7}:00:00|{1 + i % 64}|1|COMPLETED|job{i}"
        for i in range(jobs)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_job_log_is_archived_compressed_and_read_back_as_is(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    log = _log(tmp_path / "jobs.log", 60_000)
    (res,) = ingest_paths(store, "hpc-jobs", [log], settings, system="s")
    archived = store.archived(res.sha256)
    assert archived is not None and archived.name == f"{res.sha256}.zst"
    assert archived.stat().st_size <= 0.4 * log.stat().st_size
    assert b"".join(store.read_archived(res.sha256)) == log.read_bytes()
    assert store.verify_archived(res.sha256)
    incoming = store.archive_dir / "incoming"
    assert list(incoming.glob("*")) == []
    # The web download answers the original bytes (to staff: job logs name users).
    refresh_snapshot(store)
    add_user(open_state(settings.db), "stat", "statistician", PASSWORD)
    with TestClient(create_app(settings)) as client:
        assert client.get(f"/batches/{res.batch_id}/file").status_code == 403
        assert login(client, "stat").status_code == 303
        response = client.get(f"/batches/{res.batch_id}/file")
    assert response.status_code == 200
    assert response.content == log.read_bytes()
    assert "jobs.log" in response.headers["content-disposition"]
    # A damaged archive file no longer verifies.
    archived.write_bytes(archived.read_bytes()[:-8])
    assert not store.verify_archived(res.sha256)


def test_a_reflink_is_used_where_the_file_system_clones(
    store: Store, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cloned: list[Path] = []

    def clone(source: Path, target: Path) -> bool:  # a copy-on-write file system
        shutil.copyfile(source, target)
        cloned.append(source)
        return True

    monkeypatch.setattr(store_duckdb, "_reflink", clone)
    log = _log(tmp_path / "jobs.log", 2_000)
    (res,) = ingest_paths(store, "hpc-jobs", [log], settings, system="s")
    assert cloned == [log]
    assert store.archived(res.sha256) == store.archive_path(res.sha256)
    assert store.verify_archived(res.sha256)


def test_partial_copies_of_ended_processes_are_removed_at_start(
    settings: Settings,
) -> None:
    store = open_store(settings.db)
    incoming = store.archive_dir / "incoming"
    incoming.mkdir(parents=True)
    dead = incoming / "999999999.1.2.part"
    alive = incoming / f"{os.getpid()}.1.2.part"
    dead.write_bytes(b"half a log")
    alive.write_bytes(b"being written")
    open_store(settings.db)
    assert not dead.exists() and alive.exists()
    assert store.archived("0" * 64) is None
