"""Exports as other systems write them: CNKI NoteExpress and Refer, EndNote XML, Scopus CSV,
Web of Science plain text and tab-delimited; detection messages; nesting limits."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import bibtexparser
import pytest
from bibtexparser.middlewares.names import split_multiple_persons_names

from tests.conftest import shared, table_counts
from tests.publication_support import register_facilities
from zhangjiang.config import Settings
from zhangjiang.errors import IngestError, InputLimitError
from zhangjiang.ingest.publications import read_export
from zhangjiang.ingest.publications_load import check_publications
from zhangjiang.ingest.service import ingest_paths
from zhangjiang.store import Store

DATA = Path(__file__).parent / "data" / "publications"


@pytest.fixture
def registered(
    store: Store, settings: Settings, write_csv: Callable[..., Path]
) -> Store:
    """Return a store whose facility register lists ssrf and protein."""
    return register_facilities(store, settings, write_csv)


SAMPLES = "data/publication-samples"

# CNKI_2_BibTeX's tests assert these entry counts (expected_cnki2bibtex_title_*.bib).
CNKI = [
    ("Classic5Test", 5),
    ("CoverAllTest15Entries", 15),
    ("mixed", 12),
    ("ChineseColon", 1),
]


@pytest.mark.parametrize(("stem", "count"), CNKI, ids=[c[0] for c in CNKI])
def test_cnki_noteexpress_matches_the_bibtex_cnki2bibtex_expects(
    stem: str, count: int
) -> None:
    export = read_export(shared(f"{SAMPLES}/cnki2bibtex_{stem}.net"))
    expected = bibtexparser.parse_string(
        shared(f"{SAMPLES}/expected_cnki2bibtex_title_{stem}.bib").read_text("utf-8")
    ).entries
    assert (export.format, export.source) == ("noteexpress", "cnki")
    assert export.problems == []
    assert len(export.publications) == len(expected) == count
    for pub, entry in zip(export.publications, expected, strict=True):
        # Titles are stored with spaces collapsed (an ideographic space becomes " ").
        assert pub.title == " ".join(entry["title"].split())
        # CNKI_2_BibTeX keeps only the last of repeated {Author} lines; we keep them all.
        field = entry.fields_dict.get("author")
        names = split_multiple_persons_names(field.value) if field else []
        names = [n for n in names if n != "Null"]  # its placeholder for "no author"
        assert set(names) <= set(pub.authors), (pub.source_record, pub.authors)
        assert bool(names) == bool(pub.authors)


def test_cnki_chinese_titles_authors_and_comma_separated_names_survive() -> None:
    pubs = read_export(shared(f"{SAMPLES}/cnki2bibtex_mixed.net")).publications
    assert pubs[0].title == "基于深度信念网络资源需求预测的虚拟网络功能动态迁移算法"
    assert pubs[0].authors == ("唐伦", "赵培培", "赵国繁", "陈前斌")
    assert pubs[0].journal == "电子与信息学报" and pubs[0].issns == ("1009-5896",)
    assert pubs[0].year is None  # the record has no {Year}: a warning when loaded
    assert pubs[10].authors == ("周岷江", "王天益", "李英伦")  # "周岷江,王天益,李英伦"
    [colon] = read_export(
        shared(f"{SAMPLES}/cnki2bibtex_ChineseColon.net")
    ).publications
    # Full-width colons and a value without a space after the colon.
    assert colon.issns == ("0253-3766",) and colon.year == 2016
    assert colon.authors == ("中国抗癌协会肉瘤专业委员会", "中国临床肿瘤学会")


def test_scopus_csv_has_its_220_records() -> None:
    export = read_export(shared(f"{SAMPLES}/metaknowledge_scopus_testing.csv.scopus"))
    pubs = export.publications
    assert (export.format, export.source, len(pubs), export.problems) == (
        "scopus-csv",
        "scopus",
        220,
        [],
    )
    assert pubs[0].doi == "10.1109/tasc.2016.2541670"
    assert pubs[0].issns == ("1051-8223",) and pubs[0].year == 2016
    assert pubs[0].authors[:2] == ("Yagai T.", "Kimura Y.")
    assert len(pubs[0].authors) == 11
    assert all(p.year for p in pubs)


def test_web_of_science_plain_text_loads_34_records_with_every_merge_warned(
    registered: Store, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "savedrecs.isi"
    shutil.copy(shared(f"{SAMPLES}/metaknowledge_testFile.isi"), path)
    assert len(read_export(path).publications) == 34
    result = ingest_paths(
        registered, "publications", [path], settings, facility="ssrf"
    )[0]
    assert result.outcome == "loaded", [p.message_en for p in result.problems]
    merges = [
        (p.kind.type, p.record, p.params["first"])
        for p in result.problems
        if p.kind.type.startswith("duplicate-publication")
    ]
    # Two DOI duplicates, and record 31 (no DOI) is record 22 by title, year, first author.
    assert merges == [
        ("duplicate-publication", 6, 5),
        ("duplicate-publication", 8, 7),
        ("duplicate-publication-title", 31, 22),
    ]
    assert result.rows == 34 - len(merges)
    warned = next(p for p in result.problems if p.record == 31)
    assert "第22条" in warned.message_zh and "savedrecs.isi" in warned.message_en


def test_cnki_refer_export_reads_one_author_per_line_or_in_one_field() -> None:
    export = read_export(DATA / "cnki_endnote.txt")
    assert (export.format, export.source) == ("refer", "cnki")
    first, second, third = export.publications
    assert first.authors == ("唐伦", "赵培培", "赵国繁", "陈前斌")
    assert (first.year, first.issns, first.journal) == (
        2019,
        ("1009-5896",),
        "电子与信息学报",
    )
    assert second.authors == ("李玉琢", "刘攀")
    assert third.doi == "10.1364/ol.27.001421"


def test_endnote_xml_reads_styled_text_and_doi_urls() -> None:
    export = read_export(DATA / "endnote_library.xml")
    assert export.format == "endnote-xml"
    first, second, third = export.publications
    assert first.doi == "10.1364/ol.27.001421" and first.journal == "Optics Letters"
    assert first.authors == ("Gilles, H.", "Girard, S.") and first.year == 2002
    assert second.title.startswith("基于深度信念网络") and second.doi is None
    assert third.doi == "10.5555/test.endnote.0003" and third.issns == ("0028-0836",)


def test_web_of_science_tab_delimited_savedrecs() -> None:
    export = read_export(DATA / "wos_savedrecs.txt")
    assert (export.format, export.source) == ("wos-tab", "wos")
    pubs = export.publications
    assert [p.doi for p in pubs] == [
        "10.1364/ol.27.001421",
        "10.1364/josab.22.001290",
        None,
    ]
    assert pubs[0].issns == ("0146-9592",) and pubs[0].authors[0] == "Gilles, H"
    assert pubs[1].authors[-1] == "Gazibegovic, A" and len(pubs[1].authors) == 6
    assert pubs[2].authors == ("HUARD, S",) and pubs[2].year == 1979
    assert pubs[2].title.endswith("SURFACE-WAVE - THEORY AND EXPERIMENT")


def test_noteexpress_is_not_taken_for_json(tmp_path: Path) -> None:
    path = tmp_path / "知网.net"
    path.write_text(
        "{Reference Type}: Journal Article\n{Title}: 一篇论文\n{Year}: 2021\n",
        encoding="utf-8",
    )
    assert read_export(path).format == "noteexpress"


@pytest.mark.parametrize(
    ("content", "seen"),
    [
        pytest.param("Name,Facility,Count\na,b,1\n", "Name, Facility, Count", id="csv"),
        pytest.param("<html><body/></html>\n", "XML", id="xml"),
        pytest.param("just some notes\n", "just some notes", id="text"),
    ],
)
def test_unrecognised_export_says_what_was_seen_and_what_is_expected(
    tmp_path: Path, content: str, seen: str
) -> None:
    path = tmp_path / "list.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(IngestError) as err:
        read_export(path)
    zh, en = err.value.zh_en
    assert seen in zh and seen in en
    for expected in ("NoteExpress", "Scopus CSV", "EndNote XML", "RIS", "BibTeX"):
        assert expected in zh and expected in en


def _nested_bib(levels: int) -> str:
    return "@article{k, title={" + "{" * levels + "x" + "}" * levels + "}, year=2020}\n"


@pytest.mark.parametrize(
    ("suffix", "content"),
    [
        pytest.param(".bib", _nested_bib(500), id="bibtex-500"),
        pytest.param(".bib", _nested_bib(2000), id="bibtex-2000"),
        pytest.param(".json", "[" * 100_000 + "]" * 100_000, id="json-100000"),
        pytest.param(
            ".xml",
            "<xml><records>" + "<a>" * 5000 + "</a>" * 5000 + "</records></xml>",
            id="xml-5000",
        ),
    ],
)
def test_deep_nesting_is_a_clean_file_unreadable_problem(
    registered: Store, settings: Settings, tmp_path: Path, suffix: str, content: str
) -> None:
    path = tmp_path / f"nested{suffix}"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputLimitError):
        read_export(path)
    before = table_counts(registered)
    result = ingest_paths(
        registered, "publications", [path], settings, facility="ssrf"
    )[0]
    assert result.outcome == "rejected"
    [found] = result.problems
    assert found.kind.type == "file-unreadable"
    assert "nest" in found.message_en and "嵌套" in found.message_zh
    assert table_counts(registered) == before


def test_xml_entity_declarations_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xml"
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><xml><records><record>'
        "<titles><title>&b;</title></titles></record></records></xml>",
        encoding="utf-8",
    )
    with pytest.raises(IngestError, match="DOCTYPE"):
        read_export(path)


def test_problems_name_the_users_file_not_the_temporary_one(tmp_path: Path) -> None:
    path = tmp_path / "upload.json"
    path.write_text(_nested_bib(100), encoding="utf-8")
    _rows, problems = check_publications(path, "ssrf", name="设施论文2022.bib")
    [found] = problems
    assert (
        "设施论文2022.bib" in found.message_zh
        and "设施论文2022.bib" in found.message_en
    )
    assert "upload.json" not in found.message_zh + found.message_en
