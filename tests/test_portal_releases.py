"""Review, releases and amendments, what the public sees, the audit log, the users CLI."""

from __future__ import annotations

import inspect
import re
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.portal_support import FORM, World, build_world, client_as, csrf_of, laser_csv
from zhangjiang.cli import app as cli_app
from zhangjiang.portal import audit
from zhangjiang.portal.state import open_state
from zhangjiang.web.app import create_app

INDICATOR = "/api/v1/indicators/facility.laser_shots?period=2024"


@pytest.fixture
def world(tmp_path: Path) -> World:
    """Return a fresh portal world."""
    return build_world(tmp_path)


def _values(client) -> dict[str, int]:  # type: ignore[no-untyped-def]
    rows = client.get(INDICATOR).json()["values"]
    return {r["dimensions"]["facility"]: r["value"] for r in rows}


def test_approve_compute_release_and_amend(world: World) -> None:
    app = create_app(world.settings)
    with client_as(app, None) as anon, client_as(app, "stat1") as stat:
        assert _values(anon) == {"FAC-A": 100, "FAC-B": 50}
        token = csrf_of(stat)
        for batch in (world.pending_a, world.pending_b):
            approved = stat.post(
                f"/api/v1/portal/batches/{batch}/approve",
                headers={"X-CSRF-Token": token},
            )
            assert approved.status_code == 200, approved.text
        again = stat.post(
            f"/api/v1/portal/batches/{world.pending_a}/approve",
            headers={"X-CSRF-Token": token},
        )
        assert again.status_code == 409
        stat.post("/portal/compute", data={"csrf_token": token, "period": "2024"})
        assert _values(stat) == {"FAC-A": 220, "FAC-B": 120}
        assert "notice-working" in stat.get("/indicator/facility.laser_shots").text
        assert _values(anon) == {"FAC-A": 100, "FAC-B": 50}, "not released yet"
        assert "notice-working" not in anon.get("/indicator/facility.laser_shots").text
        report = anon.get("/api/v1/report?period=2024").json()
        assert report["available"] is False, "the report shows working values"
        assert anon.get("/report.md?period=2024").status_code == 404
        released = stat.post(
            "/portal/releases",
            data={"csrf_token": token, "period": "2024", "note": "补报4月数据"},
            follow_redirects=False,
        )
        assert released.status_code == 303
        assert _values(anon) == {"FAC-A": 220, "FAC-B": 120}
        assert {r["status"] for r in anon.get(INDICATOR).json()["values"]} == {"final"}
        releases = anon.get("/api/v1/releases").json()["releases"]
        assert [(r["version"], r["latest"]) for r in releases] == [
            (2, True),
            (1, False),
        ]
        changes = {
            (c["dimensions"]["facility"], c["old"], c["new"])
            for c in releases[0]["changes"]
        }
        assert changes == {("FAC-A", "100", "220"), ("FAC-B", "50", "120")}
        page = anon.get("/releases").text
        assert "补报4月数据" in page
        assert re.search(r"100</td><td class=\"num\">220", page)
        unchanged = stat.post(
            "/portal/releases", data={"csrf_token": token, "period": "2024"}
        )
        assert unchanged.status_code == 409
    kept = world.store.query(
        "SELECT version, count(*) AS n FROM releases JOIN release_values "
        "ON release_id = id GROUP BY version ORDER BY version"
    )
    assert [(r["version"], r["n"]) for r in kept] == [(1, 2), (2, 2)]
    first = world.store.query(
        "SELECT value FROM release_values JOIN releases ON release_id = id "
        "WHERE version = 1 ORDER BY value"
    )
    assert [int(r["value"]) for r in first] == [50, 100], "version 1 is never changed"


def test_rejected_batch_is_never_shown(world: World) -> None:
    app = create_app(world.settings)
    with client_as(app, "stat1") as stat, client_as(app, "op_b") as op_b:
        token = csrf_of(stat)
        out = stat.post(
            f"/portal/batches/{world.pending_b}/reject",
            data={"csrf_token": token, "reason": "数据有误"},
            follow_redirects=False,
        )
        assert out.status_code == 303
        stat.post("/portal/compute", data={"csrf_token": token, "period": "2024"})
        assert _values(stat) == {"FAC-A": 100, "FAC-B": 50}
        mine = op_b.get(f"/api/v1/portal/batches/{world.pending_b}").json()
        assert mine["batch"]["status"] == "rejected"
        assert "数据有误" in mine["batch"]["note"]


def test_viewer_and_operator_see_released_figures_only(world: World) -> None:
    app = create_app(world.settings)
    with client_as(app, "stat1") as stat:
        token = csrf_of(stat)
        stat.post(
            f"/portal/batches/{world.pending_a}/approve", data={"csrf_token": token}
        )
        stat.post("/portal/compute", data={"csrf_token": token, "period": "2024"})
    for name in ("view1", "op_a", "admin1"):
        with client_as(app, name) as client:
            assert _values(client) == {"FAC-A": 100, "FAC-B": 50}, name


def test_every_action_is_audited(world: World) -> None:
    app = create_app(world.settings)
    with client_as(app, None) as anon:
        token = csrf_of(anon)
        anon.post(
            "/login",
            data={
                "username": "op_a",
                "password": "nope-nope-nope",
                "csrf_token": token,
            },
        )
    with client_as(app, "op_a") as op:
        op.post(
            "/portal/upload",
            data={"dataset": FORM, "csrf_token": csrf_of(op)},
            files={
                "file": (
                    "a.csv",
                    laser_csv([["FAC-A", "2024-08-01", "大能量", 3]]),
                    "text/csv",
                )
            },
        )
    with client_as(app, "stat1") as stat:
        token = csrf_of(stat)
        stat.post(
            f"/portal/batches/{world.pending_a}/approve", data={"csrf_token": token}
        )
        stat.post(
            f"/portal/batches/{world.pending_b}/reject",
            data={"csrf_token": token, "reason": "x"},
        )
        stat.post("/portal/compute", data={"csrf_token": token, "period": "2024"})
        stat.post("/portal/releases", data={"csrf_token": token, "period": "2024"})
    with client_as(app, "admin1") as admin:
        token = csrf_of(admin)
        admin.post(
            "/portal/users",
            data={
                "csrf_token": token,
                "action": "add",
                "name": "op_c",
                "role": "operator",
                "facilities": "FAC-C",
                "password": "another-long-password",
            },
        )
        admin.post(
            "/portal/users",
            data={
                "csrf_token": token,
                "action": "update",
                "name": "op_c",
                "active": "0",
            },
        )
        page = admin.get("/portal/audit")
        assert page.status_code == 200
        entries = admin.get("/api/v1/portal/audit").json()["entries"]
    actions = {e["action"] for e in entries}
    assert {
        "login",
        "login-failed",
        "upload",
        "approve",
        "reject",
        "compute",
        "release",
        "user-add",
        "user-change",
    } <= actions
    for entry in entries:
        assert entry["actor"] and entry["at"]
    assert "another-long-password" not in page.text
    assert 'data-action="release"' in page.text


def test_audit_log_is_append_only(world: World) -> None:
    state = open_state(world.settings.db)
    audit.record(state, "tester", "compute", "period 2024")
    with sqlite3.connect(state.path) as con:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute("UPDATE audit SET actor = 'someone else'")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute("DELETE FROM audit")
    assert audit.read(state)[0]["actor"] == "tester"
    source = inspect.getsource(audit)
    assert not re.search(
        r"\b(UPDATE|DELETE)\b", source.replace("UPDATE and DELETE", "")
    )
    assert [n for n in audit.__all__ if n not in ("AUDIT_ACTIONS",)] == [
        "read",
        "record",
    ]


def test_users_cli_adds_and_lists(tmp_path: Path) -> None:
    runner = CliRunner()
    db = str(tmp_path / "cli.duckdb")
    added = runner.invoke(
        cli_app,
        [
            "--db",
            db,
            "users",
            "add",
            "lin",
            "--role",
            "operator",
            "--facility",
            "SSRF",
            "--facility",
            "SXFEL",
            "--password-stdin",
        ],
        input="a-very-long-password\n",
    )
    assert added.exit_code == 0, added.output
    listed = runner.invoke(cli_app, ["--db", db, "users", "list", "--format", "json"])
    assert listed.exit_code == 0, listed.output
    assert '"SXFEL"' in listed.output and '"operator"' in listed.output
    twice = runner.invoke(
        cli_app,
        ["--db", db, "users", "add", "lin", "--role", "viewer", "--password-stdin"],
        input="a-very-long-password\n",
    )
    assert twice.exit_code != 0
    bad_role = runner.invoke(
        cli_app,
        ["--db", db, "users", "add", "zhao", "--role", "root", "--password-stdin"],
        input="a-very-long-password\n",
    )
    assert bad_role.exit_code != 0
    stored = (
        sqlite3.connect(tmp_path / "cli.duckdb.app.sqlite")
        .execute("SELECT password_hash FROM users")
        .fetchone()[0]
    )
    assert stored.startswith("$argon2")
    assert "user-add" in {e["action"] for e in audit.read(open_state(db))}
