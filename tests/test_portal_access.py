"""Authorisation: every route × every role answers the declared status."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from starlette.routing import Mount

from tests.portal_support import (
    FORM,
    PASSWORD,
    TestClient,
    World,
    build_world,
    client_as,
    csrf_of,
    laser_csv,
)
from zhangjiang.indicators import compute
from zhangjiang.ingest.load import ingest_file
from zhangjiang.portal.releases import release_period
from zhangjiang.snapshot import write_snapshot
from zhangjiang.web.app import create_app

ROLES = ("anonymous", "viewer", "operator", "statistician", "admin")
USERS = {
    "anonymous": None,
    "viewer": "view1",
    "operator": "op_a",
    "statistician": "stat1",
    "admin": "admin1",
}
EVERYONE = dict.fromkeys(ROLES, 200)


def _by_role(
    anonymous: int, viewer: int, operator: int, stat: int, admin: int
) -> dict[str, int]:
    return dict(zip(ROLES, (anonymous, viewer, operator, stat, admin), strict=True))


#: (method, route template, concrete URL, expected status by role). Placeholders in
#: the URL: {loaded} (a loaded batch of FAC-A and FAC-B), {mine} (op_a's pending batch
#: of FAC-A), {theirs} (op_b's pending batch of FAC-B).
MATRIX: list[tuple[str, str, str, dict[str, int]]] = [
    ("GET", "/", "/", EVERYONE),
    ("GET", "/area/{domain}", "/area/facilities", EVERYONE),
    ("GET", "/facility/{facility}", "/facility/FAC-A", EVERYONE),
    ("GET", "/indicators", "/indicators", EVERYONE),
    ("GET", "/indicator/{indicator_id}", "/indicator/facility.laser_shots", EVERYONE),
    ("GET", "/report", "/report", EVERYONE),
    ("GET", "/report.{fmt}", "/report.md", EVERYONE),
    ("GET", "/data", "/data", EVERYONE),
    ("GET", "/explore", "/explore", EVERYONE),
    ("GET", "/api/v1/explore", "/api/v1/explore", EVERYONE),
    ("GET", "/api/v1/explore.csv", "/api/v1/explore.csv", EVERYONE),
    ("GET", "/releases", "/releases", EVERYONE),
    ("GET", "/login", "/login", EVERYONE),
    ("GET", "/forms/{name}/template.xlsx", f"/forms/{FORM}/template.xlsx", EVERYONE),
    ("GET", "/static/vendor/plotly.min.js", "/static/vendor/plotly.min.js", EVERYONE),
    ("GET", "/static", "/static/css/site.css", EVERYONE),
    ("GET", "/api/v1/openapi.json", "/api/v1/openapi.json", EVERYONE),
    ("GET", "/api/v1/overview", "/api/v1/overview", EVERYONE),
    ("GET", "/api/v1/areas/{domain}", "/api/v1/areas/facilities", EVERYONE),
    ("GET", "/api/v1/facilities/{facility}", "/api/v1/facilities/FAC-A", EVERYONE),
    ("GET", "/api/v1/indicators", "/api/v1/indicators", EVERYONE),
    (
        "GET",
        "/api/v1/indicators/{indicator_id}",
        "/api/v1/indicators/facility.laser_shots",
        EVERYONE,
    ),
    (
        "GET",
        "/api/v1/indicators/{indicator_id}/series",
        "/api/v1/indicators/facility.laser_shots/series",
        EVERYONE,
    ),
    (
        "GET",
        "/api/v1/indicators/{indicator_id}.csv",
        "/api/v1/indicators/facility.laser_shots.csv",
        EVERYONE,
    ),
    (
        "GET",
        "/api/v1/indicators/{indicator_id}.xlsx",
        "/api/v1/indicators/facility.laser_shots.xlsx",
        EVERYONE,
    ),
    (
        "GET",
        "/api/v1/indicators/{indicator_id}.sdmx.csv",
        "/api/v1/indicators/facility.laser_shots.sdmx.csv",
        EVERYONE,
    ),
    ("GET", "/api/v1/report", "/api/v1/report", EVERYONE),
    ("GET", "/api/v1/data", "/api/v1/data", EVERYONE),
    ("GET", "/api/v1/batches", "/api/v1/batches", EVERYONE),
    ("GET", "/api/v1/forms", "/api/v1/forms", EVERYONE),
    ("GET", "/api/v1/releases", "/api/v1/releases", EVERYONE),
    # Original files are for the statistician by default (public_downloads off), even
    # of released batches; see test_public_downloads_* for the setting turned on.
    (
        "GET",
        "/batches/{batch_id}/file",
        "/batches/{loaded}/file",
        _by_role(403, 403, 403, 200, 403),
    ),
    (
        "GET",
        "/batches/{batch_id}/file",
        "/batches/{theirs}/file",
        _by_role(403, 403, 403, 200, 403),
    ),
    # The portal.
    ("GET", "/portal", "/portal", _by_role(303, 403, 200, 200, 200)),
    (
        "GET",
        "/portal/batches/{batch_id}",
        "/portal/batches/{mine}",
        _by_role(303, 403, 200, 200, 403),
    ),
    (
        "GET",
        "/portal/batches/{batch_id}",
        "/portal/batches/{theirs}",
        _by_role(303, 403, 404, 200, 403),
    ),
    (
        "GET",
        "/portal/batches/{batch_id}/file",
        "/portal/batches/{mine}/file",
        _by_role(401, 403, 200, 200, 403),
    ),
    (
        "GET",
        "/portal/batches/{batch_id}/file",
        "/portal/batches/{theirs}/file",
        _by_role(401, 403, 404, 200, 403),
    ),
    (
        "GET",
        "/portal/batches/{batch_id}/rows.{fmt}",
        "/portal/batches/{mine}/rows.csv",
        _by_role(401, 403, 200, 200, 403),
    ),
    (
        "GET",
        "/portal/batches/{batch_id}/rows.{fmt}",
        "/portal/batches/{theirs}/rows.xlsx",
        _by_role(401, 403, 404, 200, 403),
    ),
    (
        "GET",
        "/api/v1/portal/batches",
        "/api/v1/portal/batches",
        _by_role(401, 403, 200, 200, 403),
    ),
    (
        "GET",
        "/api/v1/portal/batches/{batch_id}",
        "/api/v1/portal/batches/{mine}",
        _by_role(401, 403, 200, 200, 403),
    ),
    (
        "GET",
        "/api/v1/portal/batches/{batch_id}",
        "/api/v1/portal/batches/{theirs}",
        _by_role(401, 403, 404, 200, 403),
    ),
    # Review of a loaded batch: the statistician passes every check, then 409 (not pending).
    (
        "POST",
        "/portal/batches/{batch_id}/approve",
        "/portal/batches/{loaded}/approve",
        _by_role(401, 403, 403, 409, 403),
    ),
    (
        "POST",
        "/portal/batches/{batch_id}/reject",
        "/portal/batches/{loaded}/reject",
        _by_role(401, 403, 403, 409, 403),
    ),
    (
        "POST",
        "/api/v1/portal/batches/{batch_id}/approve",
        "/api/v1/portal/batches/{loaded}/approve",
        _by_role(401, 403, 403, 409, 403),
    ),
    (
        "POST",
        "/api/v1/portal/batches/{batch_id}/reject",
        "/api/v1/portal/batches/{loaded}/reject",
        _by_role(401, 403, 403, 409, 403),
    ),
    # An upload with errors: refused for the roles that may not upload, 422 otherwise.
    ("POST", "/portal/upload", "/portal/upload", _by_role(401, 403, 422, 422, 403)),
    ("POST", "/portal/compute", "/portal/compute", _by_role(401, 403, 403, 303, 403)),
    ("GET", "/portal/releases", "/portal/releases", _by_role(303, 403, 403, 200, 403)),
    # Releasing an unchanged period: 409 for the statistician, nothing released.
    ("POST", "/portal/releases", "/portal/releases", _by_role(401, 403, 403, 409, 403)),
    (
        "GET",
        "/api/v1/portal/quality",
        "/api/v1/portal/quality?period=2024",
        _by_role(401, 403, 403, 200, 403),
    ),
    # Explaining an unknown warning: 404 for the statistician, nothing recorded.
    (
        "POST",
        "/portal/quality/explain",
        "/portal/quality/explain",
        _by_role(401, 403, 403, 404, 403),
    ),
    # Collection status: operators see their own obligations, statisticians all.
    ("GET", "/portal/status", "/portal/status", _by_role(303, 403, 200, 200, 403)),
    (
        "GET",
        "/api/v1/portal/status",
        "/api/v1/portal/status",
        _by_role(401, 403, 200, 200, 403),
    ),
    ("GET", "/portal/users", "/portal/users", _by_role(303, 403, 403, 403, 200)),
    ("POST", "/portal/users", "/portal/users", _by_role(401, 403, 403, 403, 303)),
    ("GET", "/portal/audit", "/portal/audit", _by_role(303, 403, 403, 403, 200)),
    (
        "GET",
        "/api/v1/portal/audit",
        "/api/v1/portal/audit",
        _by_role(401, 403, 403, 403, 200),
    ),
    # A wrong password is 401 whoever asks.
    ("POST", "/login", "/login", dict.fromkeys(ROLES, 401)),
]
#: Routes tested on their own (they end the session): see test_logout_*.
SEPARATE = {("POST", "/logout")}
_BODIES: dict[str, dict[str, Any]] = {
    "/portal/compute": {"data": {"period": "2024"}},
    "/portal/releases": {"data": {"period": "2024", "note": "unchanged"}},
    "/portal/quality/explain": {"data": {"warning_id": "q-000000000000", "text": "x"}},
    "/portal/users": {"data": {"name": "view1", "action": "update"}},
    "/login": {"data": {"username": "nobody", "password": "wrong-password-x"}},
    "/portal/batches/{batch_id}/reject": {"data": {"reason": "test"}},
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """Return the portal world, built once for the module."""
    return build_world(tmp_path_factory.mktemp("portal-access"))


@pytest.fixture(scope="module")
def clients(world: World) -> Iterator[dict[str, TestClient]]:
    """Return one signed-in client per role (anonymous has a pre-login session)."""
    app = create_app(world.settings)
    out = {role: client_as(app, USERS[role]) for role in ROLES}
    yield out
    for client in out.values():
        client.close()


def test_matrix_covers_every_route(world: World) -> None:
    app = create_app(world.settings)
    declared = {(m, route) for m, route, _, _ in MATRIX} | SEPARATE
    for route in _flatten(app.routes):
        if isinstance(route, Mount):
            assert ("GET", route.path) in declared, route.path
            continue
        methods = getattr(route, "methods", None) or {"GET"}
        for method in methods - {"HEAD"}:
            assert (method, route.path) in declared, (method, route.path)
        assert isinstance(route, APIRoute) or route.path in ("/api/v1/openapi.json",), (
            route.path
        )


def _flatten(routes: list[Any]) -> Iterator[Any]:
    # FastAPI keeps an included router as one entry holding the router's own routes.
    for route in routes:
        inner = getattr(route, "original_router", None)
        yield from _flatten(inner.routes) if inner is not None else [route]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "route", "url", "expected"),
    [pytest.param(*row, id=f"{row[0]} {row[2]}") for row in MATRIX],
)
def test_route_answers_role(
    clients: dict[str, TestClient],
    world: World,
    role: str,
    method: str,
    route: str,
    url: str,
    expected: dict[str, int],
) -> None:
    client = clients[role]
    target = url.format(
        loaded=world.loaded_a, mine=world.pending_a, theirs=world.pending_b
    )
    if method == "GET":
        response = client.get(target, follow_redirects=False)
    else:
        kwargs: dict[str, Any] = {
            k: dict(v) for k, v in _BODIES.get(route, _BODIES.get(url, {})).items()
        }
        token = csrf_of(client)
        if route.startswith("/api/"):
            kwargs["headers"] = {"X-CSRF-Token": token}
        else:
            kwargs.setdefault("data", {})["csrf_token"] = token
        if route == "/portal/upload":
            kwargs["data"]["dataset"] = FORM
            kwargs["files"] = {
                "file": (
                    "bad.csv",
                    laser_csv([["FAC-A", "2024-13-01", "大能量", -1]]),
                    "text/csv",
                )
            }
        response = client.post(target, follow_redirects=False, **kwargs)
    want = expected[role]
    assert response.status_code == want, (role, target, response.text[:300])
    if want == 303 and method == "GET":
        assert response.headers["location"].startswith("/login?next=")


def test_operator_cannot_reach_another_facility_by_guessing(
    world: World, clients: dict[str, TestClient]
) -> None:
    op_a = clients["operator"]
    theirs = world.pending_b
    listed = op_a.get("/api/v1/portal/batches").json()["batches"]
    assert {b["id"] for b in listed} == {world.pending_a}
    assert f"portal-batch-{theirs}" not in op_a.get("/portal").text
    for guess in range(1, theirs + 5):
        if guess == world.pending_a:
            continue
        for url in (
            f"/portal/batches/{guess}",
            f"/portal/batches/{guess}/file",
            f"/portal/batches/{guess}/rows.csv",
            f"/api/v1/portal/batches/{guess}",
            f"/batches/{guess}/file" if guess != world.loaded_a else "/data",
        ):
            # Public downloads are off: every /batches/<id>/file answers 403 alike.
            expected = {"/data": 200, f"/batches/{guess}/file": 403}.get(url, 404)
            assert op_a.get(url).status_code == expected, url
        token = csrf_of(op_a)
        approve = op_a.post(
            f"/api/v1/portal/batches/{guess}/approve", headers={"X-CSRF-Token": token}
        )
        assert approve.status_code == 403
    assert all(
        b["id"] != theirs for b in op_a.get("/api/v1/batches").json()["batches"]
    ), "the public batch list never shows pending batches"
    status = world.store.query("SELECT status FROM batches WHERE id = ?", [theirs])
    assert status[0]["status"] == "pending"


def test_logout_ends_the_session(world: World) -> None:
    app = create_app(world.settings)
    with client_as(app, "op_a") as client:
        assert client.get("/portal").status_code == 200
        refused = client.post("/logout", follow_redirects=False)
        assert refused.status_code == 403, "logout needs the CSRF token too"
        out = client.post(
            "/logout", data={"csrf_token": csrf_of(client)}, follow_redirects=False
        )
        assert out.status_code == 303
        assert client.get("/portal", follow_redirects=False).status_code == 303


def test_disabled_account_loses_its_session(world: World, tmp_path: Path) -> None:
    from zhangjiang.portal.accounts import update_user
    from zhangjiang.portal.state import open_state

    app = create_app(world.settings)
    with client_as(app, "view1") as client:
        update_user(open_state(world.settings.db), "view1", active=False)
        assert client.get("/portal", follow_redirects=False).status_code == 303
        update_user(open_state(world.settings.db), "view1", active=True)


# --- Personal data and unreleased batches --------------------------------------------


@dataclass
class Exposure:
    """A world with a released personal-data batch and a loaded but unreleased batch."""

    world: World
    personal: int
    unreleased: int


@pytest.fixture(scope="module")
def exposure(tmp_path_factory: pytest.TempPathFactory) -> Exposure:
    """Return a portal world plus user visits (personal) and an unreleased laser batch."""
    folder = tmp_path_factory.mktemp("exposure")
    world = build_world(folder)
    visits = folder / "visits.csv"
    visits.write_text(
        "facility,person_id,institution,arrival_date\n"
        "FAC-A,P-0001-张三,复旦大学,2024-03-05\n"
        "FAC-A,P-0002-李四,上海交通大学,2024-03-06\n",
        encoding="utf-8",
    )
    personal = ingest_file(world.store, "user-visits", visits, world.settings)
    assert personal.outcome == "loaded", personal.to_dict()
    compute(world.store, "2024")
    release_period(world.store, "2024", "stat1", "含到访")
    later = folder / "later.csv"
    later.write_bytes(laser_csv([["FAC-B", "2024-05-01", "大能量", 9]]))
    unreleased = ingest_file(world.store, FORM, later, world.settings)
    assert unreleased.outcome == "loaded", unreleased.to_dict()
    write_snapshot(world.store)
    assert personal.batch_id is not None and unreleased.batch_id is not None
    return Exposure(world, personal.batch_id, unreleased.batch_id)


def _app(exposure: Exposure, **settings: Any) -> Any:
    return create_app(replace(exposure.world.settings, **settings))


@pytest.mark.parametrize("role", ["anonymous", "viewer"])
def test_raw_files_rows_and_unreleased_batches_are_denied_by_default(
    exposure: Exposure, role: str
) -> None:
    world = exposure.world
    ids = (world.loaded_a, world.pending_a, exposure.personal, exposure.unreleased)
    with client_as(_app(exposure), USERS[role]) as client:
        for batch_id in ids:
            raw = client.get(f"/batches/{batch_id}/file", follow_redirects=False)
            assert raw.status_code == 403, (batch_id, raw.text[:200])
            for fmt in ("csv", "xlsx"):
                rows = client.get(
                    f"/portal/batches/{batch_id}/rows.{fmt}", follow_redirects=False
                )
                assert rows.status_code in (401, 403), (batch_id, rows.status_code)
            one = client.get(f"/api/v1/portal/batches/{batch_id}")
            assert one.status_code in (401, 403)
        listed = client.get("/api/v1/batches").json()["batches"]
        data = client.get("/api/v1/data").json()["batches"]
        page = client.get("/data").text
    released = {world.loaded_a, exposure.personal}
    assert {b["id"] for b in listed} <= released
    assert {b["id"] for b in data} <= released
    assert world.loaded_a in {b["id"] for b in listed}, "released lineage stays public"
    for batch in listed:
        assert batch["loaded_by"] == "" and batch["note"] == ""
        assert batch["download"] is None
        assert {"dataset", "period", "rows", "sha256"} <= set(batch)
    assert "张三" not in page and "P-0001" not in page


@pytest.mark.parametrize("role", ["anonymous", "viewer"])
def test_public_downloads_never_expose_personal_or_unreleased_batches(
    exposure: Exposure, role: str
) -> None:
    world = exposure.world
    with client_as(_app(exposure, public_downloads=True), USERS[role]) as client:
        released = client.get(f"/batches/{world.loaded_a}/file")
        assert released.status_code == 200
        assert b"FAC-A" in released.content
        personal = client.get(f"/batches/{exposure.personal}/file")
        assert personal.status_code in (403, 404), personal.text[:200]
        assert "张三".encode() not in personal.content
        for hidden in (exposure.unreleased, world.pending_a, world.pending_b):
            assert client.get(f"/batches/{hidden}/file").status_code == 404
        rows = client.get("/api/v1/batches").json()["batches"]
        listed = {b["id"] for b in rows}
        assert not listed & {exposure.unreleased, world.pending_a, world.pending_b}
        offered = {b["dataset"] for b in rows if b["download"]}
        assert offered and "user-visits" not in offered, rows


def test_the_statistician_still_gets_every_file(exposure: Exposure) -> None:
    with client_as(_app(exposure), USERS["statistician"]) as client:
        for batch_id in (exposure.personal, exposure.unreleased):
            response = client.get(f"/batches/{batch_id}/file")
            assert response.status_code == 200, response.text[:200]
        assert (
            "张三".encode() in client.get(f"/batches/{exposure.personal}/file").content
        )


def test_forms_declare_personal_columns() -> None:
    from zhangjiang.forms import FORMS
    from zhangjiang.snapshot import RECORD_DATASETS

    public_records = [n for n in RECORD_DATASETS if n in FORMS]
    assert not [n for n in public_records if FORMS[n].personal_columns]

    assert FORMS["user-visits"].personal_columns == ("person_id",)
    assert FORMS["hpc-jobs"].personal_columns == ("user_name",)
    assert FORMS["hpc-user-organizations"].personal_columns == ("user",)


def _throttle(client: TestClient, name: str, attempts: int, **headers: str) -> int:
    last = 0
    for _ in range(attempts):
        token = csrf_of(client)
        last = client.post(
            "/login",
            data={"username": name, "password": "wrong-password!", "csrf_token": token},
            headers=headers,
            follow_redirects=False,
        ).status_code
    return last


def test_forged_forwarded_for_does_not_escape_throttling(exposure: Exposure) -> None:
    settings = exposure.world.settings
    with client_as(_app(exposure), None) as client:
        assert _throttle(client, "op_b", settings.login_attempts) == 401
        for n in range(10):  # ten forged addresses: still throttled, right password too
            token = csrf_of(client)
            forged = client.post(
                "/login",
                data={"username": "op_b", "password": PASSWORD, "csrf_token": token},
                headers={"X-Forwarded-For": f"203.0.113.{n}"},
                follow_redirects=False,
            )
            assert forged.status_code == 429, (n, forged.status_code)


def test_forwarded_for_is_believed_from_a_trusted_proxy_only(
    exposure: Exposure,
) -> None:
    from zhangjiang.portal import audit
    from zhangjiang.portal.state import open_state

    settings = exposure.world.settings
    app = _app(exposure, trusted_proxies="testclient")  # TestClient's peer address
    with client_as(app, None) as client:
        forwarded = {"X-Forwarded-For": "198.51.100.7"}
        _throttle(client, "view1", settings.login_attempts, **forwarded)
        token = csrf_of(client)
        other = client.post(
            "/login",
            data={"username": "view1", "password": PASSWORD, "csrf_token": token},
            headers={"X-Forwarded-For": "198.51.100.8"},
            follow_redirects=False,
        )
        assert other.status_code == 303, "another client behind the proxy may sign in"
    addresses = {e.get("address") for e in audit.read(open_state(settings.db))}
    assert "198.51.100.7" in addresses


def test_serve_leaves_forwarded_headers_to_the_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import uvicorn
    from typer.testing import CliRunner

    from zhangjiang.cli import app as cli

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda web, **kw: seen.update(kw))
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "z.duckdb"), "serve"])
    assert result.exit_code == 0, result.output
    assert seen["proxy_headers"] is False, "uvicorn would believe 127.0.0.1's header"
