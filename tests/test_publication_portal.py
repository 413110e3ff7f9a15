"""Publication exports uploaded in the portal: CNKI and Web of Science lists add up on
approval, and a file the parsers refuse is named as the user named it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from zhangjiang.ingest.load import ingest_file
from zhangjiang.portal.accounts import get_user
from zhangjiang.portal.review import approve_batch
from zhangjiang.portal.state import open_state
from zhangjiang.portal.uploads import Submitted, submit_upload

from .conftest import table_counts
from .portal_support import World, build_world

DATA = Path(__file__).parent / "data" / "publications"


@pytest.fixture
def world(tmp_path: Path) -> World:
    world = build_world(tmp_path)
    register = tmp_path / "facilities.csv"
    register.write_text(
        "设施编号,设施名称,英文名称,设施类型\nFAC-A,设施甲,Facility A,光源\n",
        encoding="utf-8",
    )
    assert ingest_file(world.store, "facilities", register, world.settings).rows == 1
    return world


def _upload(world: World, body: bytes, name: str) -> Submitted:
    state = open_state(world.settings.db)
    account = get_user(state, "op_a")
    assert account is not None
    return submit_upload(
        world.store,
        state,
        world.settings,
        account,
        "publications",
        io.BytesIO(body),
        name,
        "text/plain",
        submitted_for="FAC-A",
    )


def test_cnki_and_wos_uploads_add_up_when_approved(world: World) -> None:
    cnki = _upload(world, (DATA / "cnki_endnote.txt").read_bytes(), "知网导出.enw")
    wos = _upload(world, (DATA / "wos_savedrecs.txt").read_bytes(), "savedrecs.txt")
    assert (cnki.outcome, cnki.rows, wos.outcome, wos.rows) == (
        "pending",
        3,
        "pending",
        3,
    )
    approve_batch(world.store, cnki.batch_id)
    approve_batch(world.store, wos.batch_id)
    rows = world.store.query(
        "SELECT _batch_id AS b, count(*) AS n FROM publications "
        "WHERE facility = 'FAC-A' GROUP BY 1 ORDER BY 1"
    )
    assert rows == [{"b": cnki.batch_id, "n": 3}, {"b": wos.batch_id, "n": 3}]


def test_a_refused_upload_names_the_users_file(world: World) -> None:
    before = table_counts(world.store)
    nested = "@article{k, title={" + "{" * 500 + "x" + "}" * 500 + "}, year=2020}\n"
    out = _upload(world, nested.encode(), "设施论文.bib")
    assert out.outcome == "rejected"
    (found,) = out.problems
    assert found.kind.type == "file-unreadable"
    assert "设施论文.bib" in found.message_zh and "设施论文.bib" in found.message_en
    assert "upload" not in found.message_en
    assert table_counts(world.store) == before
