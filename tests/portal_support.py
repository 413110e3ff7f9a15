"""A small portal world for the tests: accounts of every role, batches of two facilities."""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.exceptions import StarletteDeprecationWarning

from zhangjiang.config import Settings
from zhangjiang.indicators import compute
from zhangjiang.ingest.load import ingest_file
from zhangjiang.portal.accounts import add_user, get_user
from zhangjiang.portal.releases import release_period
from zhangjiang.portal.state import open_state
from zhangjiang.portal.uploads import submit_upload
from zhangjiang.snapshot import write_snapshot
from zhangjiang.store import Store, open_store

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

PASSWORD = "correct-horse-battery"
FORM = "laser-shots"
HEADER = ["facility", "shot_date", "energy_class", "shots"]
#: Each test account: role and facilities.
ACCOUNTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "admin1": ("admin", ()),
    "stat1": ("statistician", ()),
    "op_a": ("operator", ("FAC-A",)),
    "op_b": ("operator", ("FAC-B",)),
    "view1": ("viewer", ()),
}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class World:
    """The store, settings and the ids of the batches the tests use."""

    settings: Settings
    store: Store
    loaded_a: int
    pending_a: int
    pending_b: int


def laser_csv(rows: list[list[Any]]) -> bytes:
    """Return a laser-shots CSV with the header and ``rows``."""
    lines = [",".join(HEADER)] + [",".join(str(c) for c in r) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def build_world(folder: Path) -> World:
    """Create the store, accounts, a released period and two pending batches."""
    settings = Settings(db=folder / "portal.duckdb", user="tester")
    store = open_store(settings.db)
    state = open_state(settings.db)
    for name, (role, facilities) in ACCOUNTS.items():
        add_user(state, name, role, PASSWORD, facilities)
    first = folder / "first.csv"
    first.write_bytes(
        laser_csv(
            [
                ["FAC-A", "2024-03-01", "大能量", 100],
                ["FAC-B", "2024-03-02", "大能量", 50],
            ]
        )
    )
    loaded = ingest_file(store, FORM, first, settings)
    assert loaded.outcome == "loaded", loaded.to_dict()
    compute(store, "2024")
    release_period(store, "2024", "stat1", "首次发布")
    pending = {}
    for user, fac, shots in (("op_a", "FAC-A", 120), ("op_b", "FAC-B", 70)):
        account = get_user(state, user)
        assert account is not None
        body = laser_csv([[fac, "2024-04-01", "大能量", shots]])
        out = submit_upload(
            store,
            state,
            settings,
            account,
            FORM,
            io.BytesIO(body),
            f"{fac}.csv",
            "text/csv",
        )
        assert out.outcome == "pending", out.to_dict()
        pending[fac] = out.batch_id
    write_snapshot(store)
    assert loaded.batch_id is not None
    return World(settings, store, loaded.batch_id, pending["FAC-A"], pending["FAC-B"])


def csrf_of(client: TestClient) -> str:
    """Return the CSRF token of the client's session (opening one if needed)."""
    match = _CSRF.search(client.get("/login").text)
    assert match, "the login page carries a CSRF token"
    return match.group(1)


def login(client: TestClient, name: str, password: str = PASSWORD) -> Any:
    """Sign ``client`` in as ``name``; return the response of the POST."""
    token = csrf_of(client)
    return client.post(
        "/login",
        data={"username": name, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


def client_as(app: Any, name: str | None) -> TestClient:
    """Return a client of ``app`` signed in as ``name`` (anonymous when None)."""
    client = TestClient(app)
    if name is not None:
        response = login(client, name)
        assert response.status_code == 303, response.text
    return client
