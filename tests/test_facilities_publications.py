"""Papers using the facilities: RIS, BibTeX and Crossref ingest, DOI dedupe, CNS and SCI."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import table_counts
from zhangjiang.config import Settings
from zhangjiang.indicators import compute, read_values
from zhangjiang.ingest.load import IngestResult
from zhangjiang.ingest.publications_load import check_publications
from zhangjiang.ingest.service import ingest_paths
from zhangjiang.store import Store

DATA = Path(__file__).parent / "data" / "facilities"
PAPER_IDS = ["facility.papers", "facility.papers_cns", "facility.papers_sci"]


@pytest.fixture(autouse=True, scope="module")
def _no_snapshot() -> Iterator[None]:
    """Skip the web snapshot written after every ingest and compute: these tests read the store."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("zhangjiang.snapshot.write_snapshot", lambda store: store.path)
        yield


@pytest.fixture
def registered(
    store: Store, settings: Settings, write_csv: Callable[..., Path]
) -> Store:
    """Return a store whose facility register lists ssrf, protein and ward."""
    path = write_csv(
        "facilities.csv",
        [
            ["设施编号", "设施名称", "英文名称", "设施类型"],
            ["ssrf", "上海光源一期", "SSRF phase I", "光源"],
            [
                "protein",
                "国家蛋白质科学研究（上海）设施",
                "Protein facility",
                "蛋白质设施",
            ],
            [
                "ward",
                "转化医学国家重大科技基础设施（上海）",
                "Translational medicine",
                "研究型病房",
            ],
        ],
    )
    _load(store, settings, "facilities", path)
    return store


def test_ris_dedupes_doi_forms_and_keeps_sister_journals_out_of_cns(
    registered: Store, settings: Settings
) -> None:
    result = _load(
        registered, settings, "publications", DATA / "ssrf_papers.ris", facility="ssrf"
    )
    # 5 records, A twice (https://doi.org/10.1038/XYZ and 10.1038/xyz): 4 papers.
    assert result.rows == 4
    assert [p.kind.type for p in result.problems] == ["duplicate-publication"]
    rows = registered.query("SELECT doi, is_cns FROM publications ORDER BY doi")
    assert [(r["doi"], r["is_cns"]) for r in rows] == [
        ("10.1038/xyz", True),  # Nature
        ("10.5555/test.fac.0002", False),  # Nature Communications: a sister journal
        ("10.5555/test.fac.0003", True),  # Science
        ("10.5555/test.fac.0004", False),  # no ISSN, not a CNS title
    ]
    values = _values(registered, "2022")
    # 2022: A (Nature), B (Nature Communications), D (no ISSN); only A is CNS.
    assert values[("facility.papers", "ssrf")] == 3
    assert values[("facility.papers_cns", "ssrf")] == 1
    # No SCI list loaded yet: no paper is an SCI paper.
    assert values[("facility.papers_sci", "ssrf")] == 0
    assert (
        _values(registered, "2021")[("facility.papers_cns", "ssrf")] == 1
    )  # C in Science


def test_bibtex_and_crossref_papers_by_facility(
    registered: Store, settings: Settings
) -> None:
    _load(
        registered,
        settings,
        "publications",
        DATA / "protein_papers.bib",
        facility="protein",
    )
    _load(
        registered, settings, "publications", DATA / "ward_papers.json", facility="ward"
    )
    values = _values(registered, "2022")
    # protein: E (Cell; 10.5555/TEST.FAC.0005 and doi:10.5555/test.fac.0005) and F (Cell Reports).
    assert values[("facility.papers", "protein")] == 2
    assert values[("facility.papers_cns", "protein")] == 1
    # ward: G (Science), H (Science Advances), I (no ISSN).
    assert values[("facility.papers", "ward")] == 3
    assert values[("facility.papers_cns", "ward")] == 1


def test_sci_papers_follow_the_journal_list(
    registered: Store, settings: Settings, write_csv: Callable[..., Path]
) -> None:
    _load(
        registered, settings, "publications", DATA / "ssrf_papers.ris", facility="ssrf"
    )
    _load(
        registered, settings, "publications", DATA / "ward_papers.json", facility="ward"
    )
    journals = write_csv(
        "sci.csv",
        [
            ["ISSN", "电子版ISSN", "刊名"],
            ["0028-0836", "1476-4687", "Nature"],
            ["00368075", "", "Science"],  # written without hyphen: still matches
            ["2041-1723", "", "Nature Communications"],
        ],
    )
    sci = _load(registered, settings, "sci-journals", journals)
    values = _values(registered, "2022")
    assert values[("facility.papers_sci", "ssrf")] == 2  # A and B; D has no ISSN
    assert (
        values[("facility.papers_sci", "ward")] == 1
    )  # G; Science Advances is not listed
    sources = {
        v["dimensions"]["facility"]: v["sources"]
        for v in read_values(registered, "2022", ids=["facility.papers_sci"])
    }
    assert sci.batch_id in sources["ssrf"]


def test_paper_in_two_loaded_lists_counts_once(
    registered: Store, settings: Settings, tmp_path: Path
) -> None:
    _load(
        registered,
        settings,
        "publications",
        DATA / "ssrf_papers.ris",
        facility="ssrf",
        period=None,
    )
    # A second list of the same facility for 2021 only (C again): a different period,
    # so both batches stay loaded; C is one paper.
    copy = tmp_path / "ssrf_2021.ris"
    copy.write_text(
        "TY  - JOUR\nTI  - Synthetic test paper C published the year before\nT2  - Science\n"
        "PY  - 2021\nSN  - 0036-8075\nDO  - 10.5555/TEST.FAC.0003\nER  - \n",
        encoding="utf-8",
    )
    second = _load(
        registered, settings, "publications", copy, facility="ssrf", period="2021"
    )
    assert second.superseded == []
    assert _values(registered, "2021")[("facility.papers", "ssrf")] == 1


def test_same_file_is_duplicate_for_one_facility_but_loads_for_another(
    registered: Store, settings: Settings
) -> None:
    first = _load(
        registered, settings, "publications", DATA / "ward_papers.json", facility="ward"
    )
    again = ingest_paths(
        registered,
        "publications",
        [DATA / "ward_papers.json"],
        settings,
        facility="ward",
    )[0]
    assert again.outcome == "duplicate" and again.batch_id == first.batch_id
    other = _load(
        registered,
        settings,
        "publications",
        DATA / "ward_papers.json",
        facility="protein",
    )
    assert other.batch_id != first.batch_id
    assert _values(registered, "2022")[("facility.papers", "protein")] == 3


@pytest.mark.parametrize(
    ("file", "options", "kinds"),
    [
        pytest.param("ward_papers.json", {}, ["facility-missing"], id="no-facility"),
        pytest.param(
            "ward_papers.json",
            {"facility": "sssrf"},
            ["unknown-facility"],
            id="typo-facility",
        ),
        pytest.param(
            "missing_title.json",
            {"facility": "ward"},
            ["missing-title"],
            id="missing-title",
        ),
        pytest.param(
            "truncated.ris",
            {"facility": "ssrf"},
            ["unterminated-record"],
            id="truncated",
        ),
        pytest.param(
            "README.md",
            {"facility": "ssrf"},
            ["unreadable-publications"],
            id="not-a-list",
        ),
        pytest.param(
            "ssrf_papers.ris",
            {"facility": "ssrf", "period": "2022"},
            ["outside-period"],
            id="outside-period",
        ),
    ],
)
def test_bad_files_are_rejected_and_store_nothing(
    registered: Store,
    settings: Settings,
    tmp_path: Path,
    file: str,
    options: dict[str, Any],
    kinds: list[str],
) -> None:
    path = tmp_path / file
    shutil.copy(DATA / file, path)
    before = table_counts(registered)
    result = ingest_paths(registered, "publications", [path], settings, **options)[0]
    assert result.outcome == "rejected", result.message_en
    assert sorted({p.kind.type for p in result.problems if p.is_error}) == kinds
    assert table_counts(registered) == before
    assert all(p.to_dict()["message_zh"] for p in result.problems)


def _load(
    store: Store, settings: Settings, dataset: str, path: Path, **options: Any
) -> IngestResult:
    result = ingest_paths(store, dataset, [path], settings, **options)[0]
    assert result.outcome == "loaded", [p.message_en for p in result.problems]
    return result


def _values(store: Store, period: str) -> dict[tuple[str, str], float]:
    compute(store, period, ids=PAPER_IDS)
    return {
        (v["id"], v["dimensions"]["facility"]): float(v["value"])
        for v in read_values(store, period, ids=PAPER_IDS)
    }


def test_dry_run_reads_and_checks_without_storing(registered: Store) -> None:
    before = table_counts(registered)
    rows, problems = check_publications(DATA / "ssrf_papers.ris", "ssrf", "2022")
    assert len(rows) == 4
    assert [p.kind.type for p in problems] == [
        "duplicate-publication",
        "outside-period",
    ]
    assert table_counts(registered) == before


def test_publication_problems_name_the_record_not_a_row(
    registered: Store, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "missing_title.json"
    shutil.copy(DATA / "missing_title.json", path)
    result = ingest_paths(
        registered, "publications", [path], settings, facility="ward"
    )[0]
    (found,) = [p for p in result.problems if p.kind.type == "missing-title"]
    assert found.row is None and found.record is not None
    assert f"第{found.record}条记录" in found.message_zh
    assert f"record {found.record}" in found.message_en
    assert "行" not in found.message_zh.split("：")[0]
    assert found.to_dict()["record"] == found.record
