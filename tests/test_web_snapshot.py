"""Snapshots: written atomically, re-read when they change, and pages that never wait on the DB."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from starlette.exceptions import StarletteDeprecationWarning

from zhangjiang.config import Settings
from zhangjiang.errors import StoreBusyError
from zhangjiang.indicators import read_values
from zhangjiang.snapshot import (
    SnapshotSource,
    read_snapshot,
    snapshot_path,
    write_snapshot,
)
from zhangjiang.store import Store
from zhangjiang.web.app import create_app

with warnings.catch_warnings():
    # starlette prefers httpx2 to the installed httpx, which it still supports.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

LIVE_URLS = [
    "/",
    "/report",
    "/api/v1/indicators?period=2022",
    "/data",
    "/api/v1/batches",
    "/indicator/projects.count",
]


@contextmanager
def running_server(settings: Settings) -> Iterator[str]:
    """Serve the app with uvicorn in a thread on a free loopback port; yield its base URL."""
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=0,
        log_level="warning",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def copy_store(store: Store, target: Path) -> Store:
    """Copy a store (database, archive, snapshot) into ``target``: tests here write to it."""
    target.mkdir(parents=True, exist_ok=True)
    db = target / store.path.name
    shutil.copyfile(store.path, db)
    shutil.copytree(store.archive_dir, Store(db).archive_dir)
    if snapshot_path(store.path).exists():
        shutil.copyfile(snapshot_path(store.path), snapshot_path(db))
    return Store(db)


def test_snapshot_holds_every_value_catalogue_batch_and_form(
    demo_store: Store, tmp_path: Path
) -> None:
    store = copy_store(demo_store, tmp_path)
    path = write_snapshot(store)
    assert path == snapshot_path(store.path) == tmp_path / "demo.duckdb.snapshot.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    values = read_values(store)
    assert len(data["values"]) == len(values)
    assert set(data["periods"]) == {v["period"] for v in values}
    assert {"2022", "2022-10", "2022-01/2022-10"} <= set(data["periods"]), (
        "years, months and years to date"
    )
    assert all({"previous", "yoy", "change"} <= set(v) for v in data["values"])
    assert data["stale_inputs"] == [], "nothing changed since the compute"
    assert {b["id"] for b in data["batches"]} == {
        b["id"] for b in store.query("SELECT id FROM batches")
    }
    assert {"projects", "facilities"} <= {f["name"] for f in data["forms"]}
    assert all("sql" in i and "style" in i for i in data["indicators"])
    assert not list(tmp_path.glob("*.tmp")), "no temporary file is left behind"


def test_snapshot_is_replaced_atomically_and_reread(
    demo_store: Store, tmp_path: Path
) -> None:
    store = copy_store(demo_store, tmp_path)
    source = SnapshotSource(store.path)
    first = source.current()
    assert source.current() is first, "unchanged file: same snapshot object"
    inode = snapshot_path(store.path).stat().st_ino
    write_snapshot(store)
    assert snapshot_path(store.path).stat().st_ino != inode, (
        "os.replace put a new file in place"
    )
    second = source.current()
    assert second is not first
    assert second.version != first.version


def test_snapshot_is_built_from_the_database_when_missing(
    demo_store: Store, tmp_path: Path
) -> None:
    store = copy_store(demo_store, tmp_path)
    snapshot_path(store.path).unlink(missing_ok=True)
    snap = SnapshotSource(store.path).current()
    assert snapshot_path(store.path).exists()
    assert snap.latest_period == "2022", "the default is a year, not December"
    assert "2022-12" in snap.periods
    assert read_snapshot(snapshot_path(store.path)).periods == snap.periods


def test_pages_are_served_while_another_process_holds_the_database(
    demo_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = copy_store(demo_store, tmp_path)
    monkeypatch.setattr("zhangjiang.store.duckdb._LOCK_RETRY_SECONDS", 0.2)
    with (
        running_server(Settings(db=store.path)) as base,
        httpx.Client(base_url=base, timeout=30) as http,
    ):
        before = http.get("/report?period=2022")
        assert 'class="report"' in before.text, "rendered while the database is free"
        holder = subprocess.Popen(
            [sys.executable, "-c", _HOLD_LOCK, str(store.path)],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert holder.stdout is not None
            assert holder.stdout.readline().strip() == "locked"
            with pytest.raises(StoreBusyError):  # the lock is real
                store.query("SELECT 1")
            _touch_snapshot(
                store
            )  # a new snapshot, whose report cannot be rendered now
            for url in LIVE_URLS:
                response = http.get(url)
                assert response.status_code == 200, (url, response.text[:300])
            report = http.get("/report?period=2022").text
            assert 'id="report-stale"' in report, "the last good report, marked stale"
            assert 'class="report"' in report
        finally:
            holder.kill()
            holder.wait()


@pytest.mark.slow
def test_pages_never_fail_while_the_cli_ingests(
    demo_store: Store, tmp_path: Path
) -> None:
    store = copy_store(demo_store, tmp_path / "store")
    variants = _project_files(demo_store, tmp_path / "inputs", count=3)
    settings = Settings(db=store.path)
    failures: list[str] = []
    served: list[tuple[float, float]] = []  # (start, end) of every answered request
    stop = threading.Event()
    with running_server(settings) as base:
        before = httpx.get(f"{base}/api/v1/overview", timeout=60).json()

        def poll() -> None:
            # Generous timeouts: the machine may be loaded; what matters is that no
            # request fails, not how many are answered.
            with httpx.Client(base_url=base, timeout=120) as http:
                while not stop.is_set():
                    for url in LIVE_URLS:
                        begun = time.monotonic()
                        response = http.get(url)
                        if response.status_code != 200:
                            failures.append(
                                f"{url}: {response.status_code} {response.text[:200]}"
                            )
                        served.append((begun, time.monotonic()))

        pollers = [threading.Thread(target=poll) for _ in range(3)]
        for t in pollers:
            t.start()
        try:
            started = time.monotonic()
            for path in variants:
                result = subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "zhangjiang",
                        "--db",
                        str(store.path),
                        "ingest",
                        "projects",
                        str(path),
                    ],
                    capture_output=True,
                    text=True,
                    timeout=600,
                    env={**os.environ, "NO_COLOR": "1"},
                )
                assert result.returncode == 0, result.stdout + result.stderr
            finished = time.monotonic()
        finally:
            stop.set()
            for t in pollers:
                t.join(timeout=300)
        assert not failures, failures[:5]
        # Pollers request without pause, so some request overlaps the ingests, however
        # slow either is; the outcome checked is that every answer was a 200.
        assert any(b <= finished and e >= started for b, e in served), served[:3]
        after = httpx.get(f"{base}/api/v1/overview", timeout=60).json()
        assert after["generated_at"] != before["generated_at"], "a new snapshot"
        changed = [s["file"] for s in after["stale_inputs"]]
        # Each revision replaces the one before: the last is loaded, since the compute.
        assert variants[-1].name in changed, changed


def _touch_snapshot(store: Store) -> None:
    # Put a copy in place, as write_snapshot does: a new inode is a new version.
    path = snapshot_path(store.path)
    copy = path.with_name(path.name + ".copy")
    shutil.copyfile(path, copy)
    os.replace(copy, path)


_HOLD_LOCK = """
import sys, time
from pathlib import Path
from zhangjiang.store import Store
with Store(Path(sys.argv[1])).transaction() as con:
    con.execute("SELECT count(*) FROM batches").fetchall()
    print("locked", flush=True)
    time.sleep(60)
"""


def _project_files(demo_store: Store, folder: Path, count: int) -> list[Path]:
    # The demo's project register with one project renamed: a new file for each variant.
    source = (
        demo_store.path.parent / "files" / "projects" / "projects_2022_synthetic.csv"
    )
    text = source.read_text(encoding="utf-8-sig")
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"projects_revision_{i + 1}.csv"
        path.write_text(
            text.replace(
                "示例项目1-002（合成）", f"示例项目1-002（合成，修订{i + 1}）"
            ),
            encoding="utf-8-sig",
        )
        paths.append(path)
    return paths


def test_several_periods_give_trends_and_time_charts(
    demo_store: Store, tmp_path: Path
) -> None:
    from zhangjiang.indicators import compute

    store = copy_store(demo_store, tmp_path)
    compute(store, "2021")
    write_snapshot(store)  # the caller of compute refreshes the snapshot
    with TestClient(create_app(Settings(db=store.path))) as client:
        overview = client.get("/api/v1/overview").json()
        assert overview["period"] == "2022", "the latest year is the default"
        assert [p for p in overview["periods"] if len(p) == 4] == ["2021", "2022"]
        trends = [
            f["trend"]
            for a in overview["areas"]
            for c in a["cards"]
            for f in c["figures"]
            if f["trend"]
        ]
        assert any(t["periods"] == ["2021", "2022"] for t in trends), (
            "a figure with values in both years draws a sparkline"
        )
        assert all(set(t["periods"]) <= {"2021", "2022"} for t in trends)
        monthly = [t["months"] for t in trends if t["months"]]
        assert monthly, "monthly indicators draw their months"
        assert all(len(m["periods"]) >= 2 and m["points"] for m in monthly)
        page = client.get("/api/v1/indicators/projects.count?period=2022").json()
        assert {s["period"] for s in page["series"]} == {"2021", "2022"}
        assert any(
            c["layout"]["xaxis"].get("type") == "category" for c in page["charts"]
        )
        html = client.get("/").text
        assert '<svg class="spark"' in html
        assert client.get("/api/v1/overview?period=2021").json()["period"] == "2021"


def test_released_figures_are_not_marked_stale_for_the_public() -> None:
    from zhangjiang.snapshot import Snapshot

    value = {
        "id": "projects.count",
        "dimensions": {},
        "period": "2022",
        "value": 3,
    }
    stale = [
        {"batch_id": 7, "dataset": "projects", "file": "p.csv", "change": "loaded"}
    ]
    data = {
        "periods": ["2022-12", "2022"],
        "indicators": [],
        "forms": [],
        "batches": [],
        "values": [value, {**value, "period": "2022-12"}],
        "stale_inputs": stale,
        "releases": [],
    }
    working = Snapshot(data, "1")
    assert working.latest_period == "2022"
    assert working.public().stale_inputs == stale, "before a release: working values"
    released = Snapshot(
        {**data, "releases": [{"period": "2022", "latest": True, "values": [value]}]},
        "2",
    )
    assert released.stale_inputs == stale, "statisticians see the working values"
    assert released.public().stale_inputs == []
    assert released.public().periods == ["2022"]
