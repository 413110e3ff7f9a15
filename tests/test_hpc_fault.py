"""Fault test of the hpc-jobs connector: a load killed half-way leaves the store unchanged."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from zhangjiang.config import Settings
from zhangjiang.ingest.service import ingest_paths, list_batches
from zhangjiang.store import Store, open_store

from .conftest import REPO, table_counts

LINES = 1_500_000


def _write_slurm_log(path: Path, jobs: int) -> None:
    spec = importlib.util.spec_from_file_location(
        "hpc_bench", REPO / "benchmarks" / "hpc_ingest.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.write_slurm_log(path, jobs)


@pytest.mark.slow
def test_sigkill_during_insert_leaves_the_store_as_it_was(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    log = tmp_path / "big.log"
    _write_slurm_log(log, LINES)
    small = tmp_path / "small.log"
    with log.open(encoding="utf-8") as fh:
        small.write_text(fh.readline(), encoding="utf-8")
    ingest_paths(store, "hpc-jobs", [small], settings, system="other")
    before = table_counts(store)
    initial_size = store.path.stat().st_size

    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "zhangjiang",
            "--db",
            str(store.path),
            "ingest",
            "hpc-jobs",
            str(log),
            "--system",
            "s",
            "--format",
            "json",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Parsing leaves the database file alone; it grows once rows are being inserted.
    deadline = time.monotonic() + 60
    while store.path.stat().st_size < initial_size + (8 << 20):
        assert child.poll() is None, "the load finished before it could be killed"
        assert time.monotonic() < deadline, "the load never started inserting"
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()

    reopened = open_store(store.path)
    assert table_counts(reopened) == before
    assert [b["status"] for b in list_batches(reopened, "hpc-jobs")] == ["loaded"]
    (res,) = ingest_paths(reopened, "hpc-jobs", [log], settings, system="s")
    assert (res.outcome, res.rows) == ("loaded", LINES)
    with reopened.connect(read_only=True) as con:
        assert (
            con.execute("SELECT count(*) FROM hpc_jobs WHERE system = 's'").fetchall()[
                0
            ][0]
            == LINES
        )
