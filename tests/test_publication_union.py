"""A facility's publication list is the union of its files from each source database."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import shared
from tests.publication_support import register_facilities
from zhangjiang.config import Settings
from zhangjiang.indicators import compute, read_values
from zhangjiang.ingest.load import IngestResult
from zhangjiang.ingest.service import ingest_paths
from zhangjiang.store import Store

DATA = Path(__file__).parent / "data" / "publications"


@pytest.fixture
def registered(
    store: Store, settings: Settings, write_csv: Callable[..., Path]
) -> Store:
    """Return a store whose facility register lists ssrf and protein."""
    return register_facilities(store, settings, write_csv)


PAPERS = ["facility.papers", "facility.papers_cns"]


@pytest.fixture(autouse=True, scope="module")
def _no_snapshot() -> Iterator[None]:
    """Skip the web snapshot written after every ingest and compute."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("zhangjiang.snapshot.write_snapshot", lambda store: store.path)
        yield


def _load(
    store: Store, settings: Settings, path: Path, facility: str = "ssrf"
) -> IngestResult:
    [result] = ingest_paths(store, "publications", [path], settings, facility=facility)
    assert result.outcome == "loaded", [p.message_en for p in result.problems]
    return result


def _papers(store: Store, year: str, facility: str = "ssrf") -> dict[str, float]:
    compute(store, year, ids=PAPERS)
    return {
        v["id"]: float(v["value"])
        for v in read_values(store, year, ids=PAPERS)
        if v["dimensions"]["facility"] == facility
    }


def _loaded_batches(store: Store) -> list[int]:
    rows = store.query(
        "SELECT id FROM batches WHERE dataset = 'publications' AND status = 'loaded' "
        "ORDER BY id"
    )
    return [r["id"] for r in rows]


def _union_warnings(result: IngestResult) -> list[dict[str, Any]]:
    return [
        {"record": p.record, **p.params}
        for p in result.problems
        if p.kind.type == "duplicate-publication-loaded"
    ]


def test_exports_of_two_sources_add_up_and_shared_papers_count_once(
    registered: Store, settings: Settings
) -> None:
    wos = _load(registered, settings, DATA / "wos_savedrecs.txt")
    cnki = _load(registered, settings, DATA / "cnki_endnote.txt")
    assert cnki.superseded == [] and _loaded_batches(registered) == [
        wos.batch_id,
        cnki.batch_id,
    ]
    # Record 3 of the CNKI export is record 1 of the Web of Science one (same DOI).
    assert _union_warnings(cnki) == [
        {
            "record": 3,
            "other_file": "wos_savedrecs.txt",
            "batch": wos.batch_id,
            "source": "wos",
            "first": 1,
            "by_zh": "DOI 10.1364/ol.27.001421",
            "by_en": "DOI 10.1364/ol.27.001421",
        }
    ]
    warning = next(p for p in cnki.problems if p.record == 3)
    assert "cnki_endnote.txt" in warning.message_en
    assert "wos_savedrecs.txt" in warning.message_en
    assert "第1条记录" in warning.message_zh
    assert _papers(registered, "2002")["facility.papers"] == 1
    assert _papers(registered, "2019")["facility.papers"] == 2  # only in CNKI
    assert _papers(registered, "1979")["facility.papers"] == 1  # only in WoS


def test_a_record_without_doi_merges_by_title_year_and_first_author(
    registered: Store, settings: Settings
) -> None:
    _load(registered, settings, DATA / "cnki_endnote.txt")
    endnote = _load(registered, settings, DATA / "endnote_library.xml")
    found = {w["record"]: (w["first"], w["by_en"]) for w in _union_warnings(endnote)}
    assert found == {
        1: (3, "DOI 10.1364/ol.27.001421"),
        2: (1, "same title, year and first author"),
    }
    assert _papers(registered, "2019")["facility.papers"] == 2
    assert _papers(registered, "2021") == {
        "facility.papers": 1,
        "facility.papers_cns": 1,
    }


def test_a_corrected_export_replaces_only_its_own_source(
    registered: Store, settings: Settings, tmp_path: Path
) -> None:
    cnki = _load(registered, settings, DATA / "cnki_endnote.txt")
    wos = _load(registered, settings, DATA / "wos_savedrecs.txt")
    # The corrected CNKI export drops the second paper.
    text = (DATA / "cnki_endnote.txt").read_text(encoding="utf-8")
    records = text.split("\n\n")
    corrected = tmp_path / "cnki_endnote_corrected.txt"
    corrected.write_text("\n\n".join([records[0], records[2]]), encoding="utf-8")
    fixed = _load(registered, settings, corrected)
    assert fixed.superseded == [cnki.batch_id]
    assert _loaded_batches(registered) == [wos.batch_id, fixed.batch_id]
    assert _papers(registered, "2019")["facility.papers"] == 1
    assert _papers(registered, "2002")["facility.papers"] == 1
    assert _papers(registered, "2005")["facility.papers"] == 1  # WoS kept


def test_other_facilities_are_not_matched(
    registered: Store, settings: Settings
) -> None:
    _load(registered, settings, DATA / "wos_savedrecs.txt", facility="protein")
    cnki = _load(registered, settings, DATA / "cnki_endnote.txt")
    assert _union_warnings(cnki) == []


def test_real_cnki_and_wos_exports_of_one_facility_combine(
    registered: Store, settings: Settings, tmp_path: Path
) -> None:
    cnki_path = tmp_path / "cnki_mixed.net"
    shutil.copy(shared("data/publication-samples/cnki2bibtex_mixed.net"), cnki_path)
    wos_path = tmp_path / "wos.txt"
    shutil.copy(DATA / "wos_savedrecs.txt", wos_path)
    cnki = _load(registered, settings, cnki_path)
    wos = _load(registered, settings, wos_path)
    assert (cnki.rows, wos.rows) == (12, 3)
    assert _loaded_batches(registered) == [cnki.batch_id, wos.batch_id]
    stored = registered.query(
        "SELECT count(*) AS n, count(DISTINCT _batch_id) AS b FROM publications "
        "WHERE facility = 'ssrf'"
    )[0]
    assert (stored["n"], stored["b"]) == (15, 2)
    titles = {
        r["title"]
        for r in registered.query(
            "SELECT title FROM publications WHERE authors LIKE '唐伦%'"
        )
    }
    assert titles == {"基于深度信念网络资源需求预测的虚拟网络功能动态迁移算法"}
