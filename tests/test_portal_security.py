"""Security: CSRF, login throttling, cookies, upload checks, formula injection, file names."""

from __future__ import annotations

import csv
import hashlib
import io
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest

from tests.portal_support import (
    FORM,
    PASSWORD,
    World,
    build_world,
    client_as,
    csrf_of,
    laser_csv,
    login,
)
from zhangjiang.web.app import create_app


@pytest.fixture
def world(tmp_path: Path) -> World:
    """Return a fresh portal world for each test (they change it)."""
    return build_world(tmp_path)


def _upload(client, name: str, body: bytes, content_type: str = "text/csv", **data):  # type: ignore[no-untyped-def]
    fields = {"dataset": FORM, "csrf_token": csrf_of(client), **data}
    return client.post(
        "/portal/upload", data=fields, files={"file": (name, body, content_type)}
    )


def test_post_without_csrf_is_refused(world: World) -> None:
    app = create_app(world.settings)
    with client_as(app, "stat1") as stat:
        url = f"/portal/batches/{world.pending_a}/approve"
        assert stat.post(url).status_code == 403
        assert stat.post(url, data={"csrf_token": "forged"}).status_code == 403
        api = f"/api/v1/portal/batches/{world.pending_a}/approve"
        refused = stat.post(api, headers={"X-CSRF-Token": "forged"})
        assert refused.status_code == 403
        assert refused.json()["ok"] is False
        assert stat.post("/portal/compute", data={"period": "2024"}).status_code == 403
    with client_as(app, "op_a") as op:
        body = laser_csv([["FAC-A", "2024-05-01", "大能量", 1]])
        refused = op.post(
            "/portal/upload",
            data={"dataset": FORM},
            files={"file": ("a.csv", body, "text/csv")},
        )
        assert refused.status_code == 403
    with client_as(app, None) as anon:
        csrf_of(anon)  # a pre-login session exists, but its token is not sent
        no_token = anon.post("/login", data={"username": "op_a", "password": PASSWORD})
        assert no_token.status_code == 403
    status = world.store.query(
        "SELECT status FROM batches WHERE id = ?", [world.pending_a]
    )
    assert status[0]["status"] == "pending"


def test_session_token_changes_at_login(world: World) -> None:
    app = create_app(world.settings)
    with client_as(app, None) as client:
        before = csrf_of(client)
        cookie_before = client.cookies.get("zj_session")
        assert login(client, "op_a").status_code == 303
        assert client.cookies.get("zj_session") != cookie_before
        stale = client.post("/logout", data={"csrf_token": before})
        assert stale.status_code == 403


def test_wrong_passwords_are_throttled(world: World) -> None:
    app = create_app(world.settings)
    attempts = world.settings.login_attempts
    with client_as(app, None) as client:
        for _ in range(attempts):
            assert login(client, "op_b", "wrong-password!").status_code == 401
        throttled = login(client, "op_b", PASSWORD)  # even the right password now
        assert throttled.status_code == 429
        assert "登录失败次数过多" in throttled.text
        assert "Too many failed sign-ins" in throttled.text
        assert login(client, "op_a").status_code == 303, "other accounts still work"
    from zhangjiang.portal import audit
    from zhangjiang.portal.state import open_state

    actions = [e["action"] for e in audit.read(open_state(world.settings.db))]
    assert actions.count("login-failed") == attempts
    assert "login-throttled" in actions


def test_session_cookie_flags(world: World) -> None:
    app = create_app(world.settings)
    with client_as(app, None) as client:
        token = csrf_of(client)
        plain = client.post(
            "/login",
            data={"username": "op_a", "password": PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
        cookie = plain.headers["set-cookie"].lower()
        assert "httponly" in cookie
        assert "samesite=lax" in cookie
        assert "secure" not in cookie
    with client_as(app, None) as client:
        token = csrf_of(client)
        proxied = client.post(
            "/login",
            data={"username": "op_a", "password": PASSWORD, "csrf_token": token},
            headers={"X-Forwarded-Proto": "https"},
            follow_redirects=False,
        )
        assert "secure" in proxied.headers["set-cookie"].lower()


def test_rejected_upload_shows_report_and_loads_nothing(world: World) -> None:
    app = create_app(world.settings)
    before = world.store.query("SELECT count(*) AS n FROM batches")[0]["n"]
    with client_as(app, "op_a") as op:
        bad = laser_csv(
            [
                ["FAC-A", "2024-13-01", "大能量", 5],
                ["FAC-A", "2024-05-02", "巨大", -3],
                ["FAC-B", "2024-05-03", "大能量", 1],
            ]
        )
        response = _upload(op, "bad.csv", bad)
        assert response.status_code == 422
        html = response.text
        assert 'id="validation-report"' in html
        for expected in (
            "2024-13-01",
            "巨大",
            "-3",
            "FAC-B",
            "日期",
            "不属于本单位",
        ):
            assert expected in html, expected
        for_b = _upload(
            op,
            "ok.csv",
            laser_csv([["FAC-A", "2024-05-01", "大能量", 1]]),
            facility="FAC-B",
        )
        assert for_b.status_code == 422, "an operator submits only for their facilities"
    after = world.store.query("SELECT count(*) AS n FROM batches")[0]["n"]
    assert after == before


@pytest.mark.parametrize(
    ("name", "body", "content_type"),
    [
        pytest.param(
            "data.xlsx",
            b"facility,shots\nFAC-A,1\n",
            "application/octet-stream",
            id="xlsx-not-zip",
        ),
        pytest.param(
            "data.csv", b"PK\x03\x04" + b"\x00" * 64, "text/csv", id="csv-is-zip"
        ),
        pytest.param("data.csv", b"facility\x00,shots\n", "text/csv", id="csv-binary"),
        pytest.param("data.csv", b"facility,shots\n", "image/png", id="wrong-type"),
        pytest.param(
            "data.exe", b"MZ\x90\x00", "application/octet-stream", id="extension"
        ),
    ],
)
def test_upload_content_is_sniffed(
    world: World, name: str, body: bytes, content_type: str
) -> None:
    app = create_app(world.settings)
    with client_as(app, "op_a") as op:
        response = _upload(op, name, body, content_type)
        assert response.status_code == 422
        assert "wrong-file-type" in response.text or "文件类型不符" in response.text


def test_upload_size_is_limited(world: World) -> None:
    small = replace(world.settings, max_file_mb=0.01)
    app = create_app(small)
    with client_as(app, "op_a") as op:
        big = laser_csv(
            [["FAC-A", f"2024-05-{d:02d}", "大能量", 1] for d in range(1, 29)] * 2000
        )
        assert len(big) > 0.01 * 1024 * 1024 + 1024 * 1024
        assert _upload(op, "big.csv", big).status_code == 413
        medium = laser_csv([["FAC-A", "2024-05-01", "大能量", n] for n in range(600)])
        assert 0.01 * 1024 * 1024 < len(medium) < 1024 * 1024
        refused = _upload(op, "medium.csv", medium)
        assert refused.status_code == 422
        assert "文件过大" in refused.text


def test_formula_injection_is_neutralised_in_exports(world: World) -> None:
    app = create_app(world.settings)
    evil = ["=1+2", "@SUM(1)", "+cmd", "-2+3"]
    rows = [[v, f"2024-06-0{i + 1}", "大能量", 1] for i, v in enumerate(evil)]
    with client_as(app, "stat1") as stat:
        response = _upload(stat, "evil.csv", laser_csv(rows))
        assert response.status_code == 200, response.text
        batch = max(
            b["id"] for b in stat.get("/api/v1/portal/batches").json()["batches"]
        )
        text = stat.get(f"/portal/batches/{batch}/rows.csv").content.decode("utf-8-sig")
        cells = {r["facility"] for r in csv.DictReader(io.StringIO(text))}
        assert cells == {"'" + v for v in evil}
        from openpyxl import load_workbook

        sheet = load_workbook(
            io.BytesIO(stat.get(f"/portal/batches/{batch}/rows.xlsx").content)
        ).active
        assert sheet is not None
        column = [r[1] for r in sheet.iter_rows(min_row=2, values_only=True)]
        assert set(column) == {"'" + v for v in evil}
        token = csrf_of(stat)
        assert (
            stat.post(
                f"/portal/batches/{batch}/approve",
                data={"csrf_token": token},
                follow_redirects=False,
            ).status_code
            == 303
        )
        stat.post("/portal/compute", data={"csrf_token": token, "period": "2024"})
        export = stat.get("/api/v1/indicators/facility.laser_shots.csv?period=2024")
        facilities = {
            r["facility"]
            for r in csv.DictReader(io.StringIO(export.content.decode("utf-8-sig")))
        }
        assert {"'" + v for v in evil} <= facilities
        assert not any(f.startswith(("=", "+", "-", "@")) for f in facilities)


def test_path_traversal_in_file_name_is_harmless(world: World) -> None:
    app = create_app(world.settings)
    passwd = Path("/etc/passwd")
    before = (
        hashlib.sha256(passwd.read_bytes()).hexdigest() if passwd.exists() else None
    )
    temp = Path(tempfile.gettempdir())
    leftovers = set(temp.glob("zj-upload-*"))
    body = laser_csv([["FAC-A", "2024-07-01", "大能量", 7]])
    with client_as(app, "op_a") as op:
        for name in ("../../etc/passwd.csv", "..\\..\\windows\\evil.csv", "/abs/x.csv"):
            response = _upload(
                op,
                name,
                body
                if name.startswith("..") and "etc" in name
                else body + b"\n" * len(name),
            )
            assert response.status_code == 200, response.text
        listed = op.get("/api/v1/portal/batches").json()["batches"]
        names = {b["file"] for b in listed}
        assert {"passwd.csv", "evil.csv", "x.csv"} <= names
        assert not any("/" in n or "\\" in n or ".." in n for n in names)
        mine = next(b for b in listed if b["file"] == "passwd.csv")
        download = op.get(f"/portal/batches/{mine['id']}/file")
        assert download.content == body
    if before is not None:
        assert hashlib.sha256(passwd.read_bytes()).hexdigest() == before
    assert not (world.settings.db.parent.parent / "etc").exists()
    # No new folder is left; another test run on the machine may remove its own.
    assert set(temp.glob("zj-upload-*")) <= leftovers, "upload folders are removed"
    archived = [p for p in world.store.archive_dir.rglob("*") if p.is_file()]
    assert all(len(p.name) == 64 for p in archived), "files are stored by sha256 only"
