"""Tests for publication ingest: formats, encodings, DOI/ISSN normalisation, dedupe, CNS."""

from __future__ import annotations

import doctest
import shutil
from pathlib import Path

import pytest

from tests.conftest import SHARED, shared
from zhangjiang.errors import IngestError
from zhangjiang.ingest import pub_model, publications
from zhangjiang.ingest.publications import (
    Publication,
    RecordProblem,
    dedupe,
    detect_format,
    is_cns,
    journal_of,
    normalize_doi,
    normalize_issn,
    read_publications,
)
from zhangjiang.journals import JOURNALS


def sample(name: str) -> Path:
    """Return an export of ``../shared/data/publication-samples`` (or skip: see ``shared``)."""
    return shared(f"data/publication-samples/{name}")


DATA = Path(__file__).resolve().parent / "data/publications"


def read_lenient(path: Path) -> tuple[list[Publication], list[RecordProblem]]:
    """Read ``path`` collecting record problems instead of raising."""
    problems: list[RecordProblem] = []
    return read_publications(path, problems=problems), problems


def pub(**fields: object) -> Publication:
    """Build a Publication with defaults for the fields a test does not care about."""
    values: dict[str, object] = {
        "doi": None,
        "title": "A title",
        "journal": None,
        "issns": (),
        "year": 2024,
        "authors": (),
        "source_format": "ris",
        "source_record": 1,
    }
    values.update(fields)
    return Publication(**values)  # type: ignore[arg-type]


# --- every shared sample parses -----------------------------------------------------


# (file, format, usable records, record problems)
SAMPLE_CASES = [
    ("jabref_RisImporterTestScopus.ris", "ris", 1, 0),
    ("jabref_RisImporterTestDOI.ris", "ris", 1, 0),
    ("jabref_RisImporterTestScience.ris", "ris", 1, 0),
    ("jabref_RisImporterTest5a.ris", "ris", 1, 0),
    ("rispy_example_utf_chars.ris", "ris", 1, 0),
    ("rispy_example_wos.ris", "wos", 2, 0),
    ("jabref_Chocolate.bib", "bibtex", 15, 0),
    ("jabref_complex.bib", "bibtex", 20, 0),
    ("bibtexparser_article_comma_normal_multiple.bib", "bibtex", 3, 0),
    ("bibtexparser_gbk_test.bib", "bibtex", 1, 0),
    # 458 entries (the 460 "@" blocks less 2 @Comment); 24 are stubs without a title.
    ("biblatex-gb7714-2015_example.bib", "bibtex", 434, 24),
    ("crossref_work_nature_10.1038_d41586-020-02761-z.json", "crossref", 1, 0),
    ("crossref_work_science_10.1126_science.280.5362.421.json", "crossref", 1, 0),
    (
        "crossref_work_natrevmethprimers_10.1038_s43586-021-00024-3.json",
        "crossref",
        1,
        0,
    ),
    ("crossref_worklist_fatcat_crossref_api_works.json", "crossref", 3, 0),
]


# The CNKI exports, the Scopus CSV and the Web of Science file that issue #17 made
# readable (more of them in test_publication_exports.py).
SAMPLE_CASES += [
    ("cnki2bibtex_ChineseColon.net", "noteexpress", 1, 0),
    ("cnki2bibtex_Classic5Test.net", "noteexpress", 5, 0),
    ("cnki2bibtex_CoverAllTest15Entries.net", "noteexpress", 15, 0),
    ("cnki2bibtex_mixed.net", "noteexpress", 12, 0),
    ("metaknowledge_scopus_testing.csv.scopus", "scopus-csv", 220, 0),
    ("metaknowledge_testFile.isi", "wos", 34, 0),
]
# The bibliographies CNKI_2_BibTeX's tests expect from the .net files: references, not
# inputs. Listed by name, so a sample that nobody accounts for still fails the test below.
REFERENCES = {
    "expected_cnki2bibtex_title_ChineseColon.bib",
    "expected_cnki2bibtex_title_Classic5Test.bib",
    "expected_cnki2bibtex_title_CoverAllTest15Entries.bib",
    "expected_cnki2bibtex_title_mixed.bib",
}


@pytest.mark.parametrize(
    ("name", "fmt", "n_pubs", "n_problems"),
    [pytest.param(*case, id=case[0].split(".")[0]) for case in SAMPLE_CASES],
)
def test_shared_sample_parses(
    name: str, fmt: str, n_pubs: int, n_problems: int
) -> None:
    path = sample(name)
    assert detect_format(path) == fmt
    pubs, problems = read_lenient(path)
    assert len(pubs) == n_pubs
    assert len(problems) == n_problems
    assert all(p.source_format == fmt and p.title for p in pubs)
    numbers = [p.source_record for p in pubs] + [p.record for p in problems]
    assert sorted(numbers) == list(range(1, n_pubs + n_problems + 1))


def test_every_shared_sample_is_covered() -> None:
    folder = SHARED / "data/publication-samples"
    if not folder.is_dir():
        pytest.skip(f"inventories {folder}, which is absent")
    on_disk = {p.name for p in folder.iterdir() if p.name != "SOURCES.md"}
    assert on_disk - REFERENCES == {case[0] for case in SAMPLE_CASES}


def test_scopus_ris() -> None:
    [p] = read_publications(sample("jabref_RisImporterTestScopus.ris"))
    assert p.doi == "10.1016/j.jmps.2004.03.010"
    assert p.title.startswith("A transversely isotropic composite")
    assert p.journal == "Journal of the Mechanics and Physics of Solids"
    assert p.year == 2004
    assert p.authors == ("Federico, S.", "Grillo, A.", "Herzog, W.")
    assert p.issns == ()


def test_pubmed_ris_keeps_both_issns() -> None:
    [p] = read_publications(sample("jabref_RisImporterTestDOI.ris"))
    assert p.doi == "10.1589/jpts.28.186"
    assert p.issns == ("0915-5287", "2187-5626")
    assert p.year == 2016
    assert p.journal == "Journal of physical therapy science"
    assert len(p.authors) == 5


def test_sciencedirect_ris_doi_written_as_url() -> None:
    [p] = read_publications(sample("jabref_RisImporterTestScience.ris"))
    assert p.doi == "10.1016/j.actamat.2016.09.028"
    assert (
        p.title
        == "Phase separation and ω transformation in binary V-Ti and ternary V-Ti-Cr alloys"
    )
    assert p.journal == "Acta Materialia"
    assert p.year == 2016
    assert not is_cns(p)


def test_scifinder_ris() -> None:
    [p] = read_publications(sample("jabref_RisImporterTest5a.ris"))
    assert p.doi == "10.1016/j.powtec.2012.01.008"
    assert "β-cyclodextrin" in p.title
    assert p.year == 2012
    assert p.issns == ("0032-5910",)
    assert p.journal == "Powder Technology"
    assert len(p.authors) == 6


def test_ris_with_bom_and_short_title_only() -> None:
    [p] = read_publications(sample("rispy_example_utf_chars.ris"))
    assert p.title.startswith("Состояние рецепторного аппарата")
    assert p.journal == "Gynecology, Obstetrics and Perinatology"
    assert p.year == 2009
    assert p.doi is None
    assert p.authors[0] == "Dobrokhotova, Yu E."


def test_web_of_science_export() -> None:
    first, second = read_publications(sample("rispy_example_wos.ris"))
    assert first.doi == "10.1021/bi049798f"
    assert first.title == (
        "Interactions stabilizing the structure of the core light-harvesting complex (LHl) "
        "of photosynthetic bacteria and its subunit (B820)"
    )
    assert first.authors == ("Parkes-Loach, PS", "Majeed, AP", "Law, CJ", "Loach, PA")
    assert (first.year, first.issns, first.journal) == (
        2004,
        ("0006-2960",),
        "BIOCHEMISTRY",
    )
    assert second.doi == "10.1021/bi0497291"
    assert second.source_record == 2


def test_biblatex_chocolate() -> None:
    pubs = read_publications(sample("jabref_Chocolate.bib"))
    assert all(p.doi and p.issns for p in pubs)
    corti = pubs[0]
    assert corti.doi == "10.1161/circulationaha.108.827022"
    assert corti.year == 2009  # from date = {2009-03}
    assert corti.journal == "Circulation"  # from journaltitle
    assert corti.authors[-1] == "Lüscher, Thomas F."  # composed from u + U+0308
    assert pubs[2].journal == "Nutrition & Metabolism"  # &amp; decoded
    assert pubs[-1].title == "Effect of Chocolate on Acne Vulgaris"  # braces removed
    di_renzo = next(p for p in pubs if p.doi == "10.3109/14767058.2012.683085")
    assert di_renzo.journal == "The Journal of Maternal-Fetal & Neonatal Medicine"


def test_bibtex_complex_library() -> None:
    pubs = read_publications(sample("jabref_complex.bib"))
    by_key = {p.source_record: p for p in pubs}
    assert by_key[2].doi == "10.1007/s00779-005-0347-6"  # from http://dx.doi.org/…
    assert by_key[3].doi == "10.1145/1137627.1137631"  # from http://doi.acm.org/…
    assert by_key[3].authors[:3] == ("Gustav Boström", "Jaana Wäyrynen", "Marine Bodén")
    assert by_key[1].title.startswith("The postcranial anatomy of Procolophon (")
    # Entries 1025014 and 10250999 share DOI 10.1109/MSP.2004.81.
    assert len(dedupe(pubs)) == 19


def test_bibtex_sister_journals_by_name_are_not_cns() -> None:
    pubs = read_publications(sample("bibtexparser_article_comma_normal_multiple.bib"))
    assert [p.doi for p in pubs] == [
        "10.1038/s41578-019-0080-9",
        "10.1021/cr300459q",
        "10.1038/nenergy.2016.151",
    ]
    assert [p.year for p in pubs] == [2019, 2014, 2016]
    assert pubs[0].journal == "Nature Reviews Materials"
    assert not any(is_cns(p) for p in pubs)


def test_gbk_bibtex_decodes_chinese() -> None:
    [p] = read_publications(sample("bibtexparser_gbk_test.bib"))
    assert p.authors == ("凯撒",)
    assert p.journal == "测试期刊"
    assert (p.title, p.year) == ("Test Title", 2013)


def test_gb7714_example_with_460_blocks() -> None:
    path = sample("biblatex-gb7714-2015_example.bib")
    pubs, problems = read_lenient(path)
    assert len(pubs) + len(problems) == 458
    assert {p.type for p in problems} == {"missing-title"}
    beidou = next(p for p in pubs if p.doi == "10.3771/j.issn.1009-2307.2008.05.002")
    assert beidou.title == "“北斗一号”监控管理网设计与实现"
    assert (beidou.journal, beidou.year) == ("测绘科学", 2008)
    assert beidou.authors == ("武丽丽", "华一新", "张亚军")  # "and others" dropped
    myburg = next(p for p in pubs if p.doi == "10.1038/nature13308")
    assert myburg.title == "The genome of Eucalyptus grandis"
    assert is_cns(myburg)  # no ISSN: the exact title "Nature" decides
    acs = next(p for p in pubs if p.title.startswith("Revealing nature's synthetic"))
    assert acs.doi == "10.1021/cb3005325"  # from a publisher /doi/pdfplus/ URL
    assert len(dedupe(pubs)) < len(pubs)


def test_gb7714_example_strict_names_first_bad_record() -> None:
    with pytest.raises(IngestError) as err:
        read_publications(sample("biblatex-gb7714-2015_example.bib"))
    assert str(err.value) == (
        "文件 biblatex-gb7714-2015_example.bib 第1条记录：缺少题名 / "
        "biblatex-gb7714-2015_example.bib record 1: title missing"
    )


def test_crossref_nature_and_science_are_cns() -> None:
    [nature] = read_publications(
        sample("crossref_work_nature_10.1038_d41586-020-02761-z.json")
    )
    assert nature.doi == "10.1038/d41586-020-02761-z"
    assert nature.title == "Attention science: some people have only one name"
    assert (nature.journal, nature.year) == ("Nature", 2020)
    assert nature.issns == ("0028-0836", "1476-4687")
    assert nature.authors == ("Sheherazade", "Ardiantiono")
    assert is_cns(nature)
    [science] = read_publications(
        sample("crossref_work_science_10.1126_science.280.5362.421.json")
    )
    assert science.doi == "10.1126/science.280.5362.421"
    assert (science.year, science.authors) == (1998, ("Glaser, S. J.",))
    assert is_cns(science)


def test_crossref_nature_reviews_methods_primers_is_not_cns() -> None:
    [p] = read_publications(
        sample("crossref_work_natrevmethprimers_10.1038_s43586-021-00024-3.json")
    )
    assert p.doi == "10.1038/s43586-021-00024-3"
    assert p.title == "Parallel nuclear magnetic resonance spectroscopy"
    assert (p.year, p.issns) == (2021, ("2662-8449",))
    assert p.authors[0] == "Kupče, Ēriks"
    assert not is_cns(p)
    assert journal_of("2662-8449").title == "Nature Reviews Methods Primers"  # type: ignore[union-attr]


def test_crossref_work_list() -> None:
    it_pro, infovis, math_prog = read_publications(
        sample("crossref_worklist_fatcat_crossref_api_works.json")
    )
    assert (it_pro.doi, it_pro.year, it_pro.issns) == (
        "10.1109/mitp.2002.1041177",
        2002,
        ("1520-9202",),
    )
    assert infovis.doi == "10.1109/infvis.2005.1532150"
    assert (infovis.year, infovis.issns) == (None, ())  # issued [[null]], no ISSN
    assert infovis.authors[:3] == ("Doantam Phan", "Ling Xiao", "Yeh, R.")
    # "issued" (online 2009) wins over published-print (2011).
    assert (math_prog.year, math_prog.issns) == (2009, ("0025-5610", "1436-4646"))


# --- our own edge-case inputs ---------------------------------------------------------


def test_ris_edge_cases() -> None:
    pubs, problems = read_lenient(DATA / "edge_cases.ris")
    nature, ncomms, beidou, nrmp = pubs
    assert nature.doi == "10.1038/nature13308"  # upper-case resolver URL
    assert nature.issns == ("0028-0836", "1476-4687")
    assert nature.year == 2014
    assert is_cns(nature)
    assert ncomms.doi == "10.1038/s41467-023-37706-3"  # only in UR
    assert not is_cns(ncomms)
    assert beidou.doi is None
    assert beidou.title == "“北斗一号”监控管理网设计与实现"
    assert beidou.authors == ("武丽丽", "华一新", "张亚军")
    assert (
        nrmp.title == "Parallel nuclear magnetic resonance spectroscopy"
    )  # continuation
    assert nrmp.issns == ("2662-8449",)  # written 26628449
    assert nrmp.doi is None  # the L2 link is a publisher page, not a DOI
    assert nrmp.source_record == 5
    [problem] = problems
    assert (problem.type, problem.record) == ("missing-title", 4)
    assert problem.to_dict()["message_en"] == "edge_cases.ris record 4: title missing"


def test_ris_missing_title_raises_when_strict() -> None:
    with pytest.raises(IngestError) as err:
        read_publications(DATA / "edge_cases.ris")
    assert str(err.value) == (
        "文件 edge_cases.ris 第4条记录：缺少题名 / edge_cases.ris record 4: title missing"
    )


def test_truncated_ris_reports_the_cut_record() -> None:
    pubs, problems = read_lenient(DATA / "truncated.ris")
    assert [p.title for p in pubs] == ["Shaking without quaking"]
    assert [(p.type, p.record) for p in problems] == [("unterminated-record", 2)]
    with pytest.raises(IngestError, match=r"第2条记录.*ER"):
        read_publications(DATA / "truncated.ris")


def test_ris_record_without_end_tag_is_not_merged(tmp_path: Path) -> None:
    path = tmp_path / "sloppy.ris"
    path.write_text(
        "TY  - JOUR\nTI  - First\nPY  - 2001\n"
        "TY  - JOUR\nTI  - Second\nPY  - 2002\nER  - \n",
        encoding="utf-8",
    )
    pubs, problems = read_lenient(path)
    assert [(p.title, p.year, p.source_record) for p in pubs] == [("Second", 2002, 2)]
    assert [(p.type, p.record) for p in problems] == [("unterminated-record", 1)]


def test_broken_bibtex_entry_is_a_record_problem() -> None:
    pubs, problems = read_lenient(DATA / "broken.bib")
    assert [(p.title, p.source_record) for p in pubs] == [
        ("Shaking without quaking", 1),
        ("Cataloging internet resources", 3),  # repeated key: still a record
        ("Second title", 4),  # repeated field: the last value wins
    ]
    [problem] = problems
    assert (problem.type, problem.record) == ("unparsable-record", 2)
    assert "(line 3)" in problem.message_en


def test_gb18030_ris() -> None:
    [p] = read_publications(DATA / "gb18030.ris")
    assert (p.title, p.journal, p.authors) == (
        "从数字地球到智慧地球",
        "国图资源导刊",
        ("陈建军",),
    )
    assert p.doi == "10.3969/j.issn.1672-5603.2010.10.038"


def test_bibtex_edge_cases() -> None:
    pubs, problems = read_lenient(DATA / "edge_cases.bib")
    myburg, dubar, chen, kanamori, ncomms, bostrom = pubs
    assert myburg.title == "The genome of Eucalyptus grandis"
    assert myburg.journal == "Nature"  # from @String{nat}
    assert myburg.issns == ("0028-0836", "1476-4687")  # two ISSNs in one field
    assert myburg.doi == "10.1038/nature13308"  # doi: prefix removed
    assert myburg.authors == ("Myburg, Alexander A.", "Grattapaglia, Dario")
    assert dubar.doi == "10.1021/cb3005325"  # only in the url field
    assert dubar.authors == ("DUBAR, K L.", "MITCHELL, D A.")  # upper-case AND
    assert (dubar.year, dubar.journal) == (2013, "ACS chemical biology")
    assert (chen.title, chen.year, chen.doi) == ("从数字地球到智慧地球", 2010, None)
    assert is_cns(kanamori)  # journal = {Science}, no ISSN
    assert not is_cns(ncomms)  # journal = {Nature Communications}, no ISSN
    assert ncomms.year == 2023
    assert bostrom.authors == ("Gustav Boström", "Jaana Wäyrynen", "Marine Bodén")
    assert bostrom.doi == "10.1145/1137627.1137631"
    assert (
        bostrom.title
        == "Extending XP practices to support security requirements engineering"
    )
    assert [(p.type, p.record) for p in problems] == [("missing-title", 7)]


def test_crossref_nature_communications_is_not_cns() -> None:
    [p] = read_publications(DATA / "crossref_nature_communications.json")
    assert p.doi == "10.1038/s41467-023-37706-3"
    assert (p.journal, p.issns, p.year, p.authors) == (
        "Nature Communications",
        ("2041-1723",),
        2023,
        (),
    )
    assert not is_cns(p)


def test_crossref_bare_list_with_markup() -> None:
    pubs, problems = read_lenient(DATA / "crossref_items.json")
    [p] = pubs
    assert p.title == "In situ X-ray diffraction of Li2O & LiOH"
    assert p.doi == "10.5555/test.0001"
    assert p.year == 2021  # issued [[null]]: published-online
    assert p.authors == ("Zhangjiang Test Consortium", "Zhang, Wei")
    assert [(x.type, x.record) for x in problems] == [("missing-title", 2)]


def test_format_is_detected_from_content_not_name(tmp_path: Path) -> None:
    cases = {
        "export.txt": sample("jabref_RisImporterTestDOI.ris"),
        "refs.json": sample("jabref_complex.bib"),
        "work.bib": sample("crossref_work_science_10.1126_science.280.5362.421.json"),
        "savedrecs.ris": sample("rispy_example_wos.ris"),
    }
    for name, source in cases.items():
        shutil.copy(source, tmp_path / name)
    assert [detect_format(tmp_path / n) for n in cases] == [
        "ris",
        "bibtex",
        "crossref",
        "wos",
    ]


def test_explicit_format_must_match(tmp_path: Path) -> None:
    assert len(read_publications(sample("jabref_complex.bib"), fmt="bibtex")) == 20
    with pytest.raises(IngestError, match="holds no ris records"):
        read_publications(sample("jabref_complex.bib"), fmt="ris")
    with pytest.raises(IngestError, match="unknown publication format 'endnote'"):
        read_publications(sample("jabref_complex.bib"), fmt="endnote")


@pytest.mark.parametrize(
    ("content", "match"),
    [
        pytest.param(b"", "empty", id="empty"),
        pytest.param(
            b"Title,Year\nA,2020\n", "不是可识别的文献格式.*not a recognised", id="csv"
        ),
        pytest.param(
            b'{"DOI": "10.1/x",', "不是有效的 JSON.*not valid JSON", id="bad-json"
        ),
        pytest.param(b'{"foo": 1}', "not a Crossref work", id="not-crossref"),
        pytest.param(
            b'{"status": "error", "message": "Resource not found."}',
            "Crossref error response",
            id="crossref-error",
        ),
    ],
)
def test_unreadable_file_raises_with_file_name(
    tmp_path: Path, content: bytes, match: str
) -> None:
    path = tmp_path / "a.dat"
    path.write_bytes(content)
    with pytest.raises(IngestError, match=match) as err:
        read_publications(path)
    assert "a.dat" in str(err.value)


def test_binary_file_raises(tmp_path: Path) -> None:
    path = tmp_path / "scan.ris"
    path.write_bytes(b"TY  - JOUR\x00\x01\x02" * 10)
    with pytest.raises(IngestError, match=r"scan.ris 是二进制文件.*is binary"):
        read_publications(path)


def test_utf16_export_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "endnote.ris"
    text = (sample("jabref_RisImporterTestScopus.ris")).read_text(encoding="utf-8")
    path.write_bytes(text.encode("utf-16"))
    [p] = read_publications(path)
    assert p.doi == "10.1016/j.jmps.2004.03.010"


def test_bibtex_bare_percent_and_ampersand(tmp_path: Path) -> None:
    path = tmp_path / "crossref.bib"
    path.write_text(
        "@article{x, title = {Solar cells over 25% efficient -- R&D {MoS$_2$}},"
        " journal = {Joule}, year = {2020}}\n",
        encoding="utf-8",
    )
    [p] = read_publications(path)
    assert p.title == "Solar cells over 25% efficient – R&D MoS_2"


def test_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match=r"无法读取.*cannot be read"):
        read_publications(tmp_path / "nope.ris")


# --- normalisation, dedupe, CNS --------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "doi"),
    [
        pytest.param("https://doi.org/10.1038/XYZ", "10.1038/xyz", id="https-resolver"),
        pytest.param(
            "http://dx.doi.org/10.1016/j.actamat.2016.09.028",
            "10.1016/j.actamat.2016.09.028",
            id="dx",
        ),
        pytest.param("doi:10.1038/nature13308", "10.1038/nature13308", id="doi-prefix"),
        pytest.param("DOI: 10.1038/Nature13308 ", "10.1038/nature13308", id="label"),
        pytest.param("  10.1038/xyz\n", "10.1038/xyz", id="whitespace"),
        pytest.param(
            "https://doi.org/10.1002%2Fanie.201000001",
            "10.1002/anie.201000001",
            id="url-encoded",
        ),
        pytest.param(
            "10.1016/0014-5793(81)80778-8", "10.1016/0014-5793(81)80778-8", id="parens"
        ),
        pytest.param("(doi:10.1038/xyz).", "10.1038/xyz", id="trailing-punctuation"),
        pytest.param("http://rozinov.sfs.poly.edu/papers/x.pdf", None, id="not-a-doi"),
        pytest.param("", None, id="empty"),
    ],
)
def test_normalize_doi(raw: str, doi: str | None) -> None:
    assert normalize_doi(raw) == doi


@pytest.mark.parametrize(
    ("raw", "issn"),
    [
        pytest.param("0028-0836", "0028-0836", id="plain"),
        pytest.param("1546170x", "1546-170X", id="no-hyphen-lower-x"),
        pytest.param(" 2041-1723 ", "2041-1723", id="spaces"),
        pytest.param("0028-0837", None, id="bad-check-digit"),
        pytest.param("Nature", None, id="name"),
        pytest.param("0028-0836, 1476-4687", None, id="two"),
    ],
)
def test_normalize_issn(raw: str, issn: str | None) -> None:
    assert normalize_issn(raw) == issn


def test_same_doi_in_two_spellings_counts_once() -> None:
    a = pub(doi=normalize_doi("https://doi.org/10.1038/XYZ"), title="First copy")
    b = pub(doi=normalize_doi("10.1038/xyz"), title="Second copy", source_record=2)
    assert dedupe([a, b]) == [a]


def test_same_paper_across_files_counts_once() -> None:
    ris = read_lenient(DATA / "edge_cases.ris")[0]
    bib = read_lenient(DATA / "edge_cases.bib")[0]
    merged = dedupe(ris + bib)
    dois = [p.doi for p in merged if p.doi]
    assert dois.count("10.1038/nature13308") == 1
    # The DOI-less Nature Communications BibTeX entry joins the RIS record with its DOI.
    assert sum("Hsp104" in p.title for p in merged) == 1
    assert sum(is_cns(p) for p in merged) == 2  # Myburg (Nature), Kanamori (Science)


def test_dedupe_without_doi_uses_title_and_year() -> None:
    a = pub(title="王夫之“乾坤并建”的诠释面向", year=2010)
    b = pub(title='王夫之"乾坤并建"的诠释面向', year=2010, journal="哲学研究")
    c = pub(title="王夫之“乾坤并建”的诠释面向", year=2011)
    kept = dedupe([a, b, c])
    assert kept == [pub(title=a.title, year=2010, journal="哲学研究"), c]


def test_dedupe_fills_gaps_and_keeps_order() -> None:
    a = pub(title="Shaking without quaking", year=1998, journal="Science")
    b = pub(
        doi="10.1126/science.279.5359.2063",
        title="Shaking Without Quaking.",
        year=1998,
        issns=("0036-8075",),
        source_record=2,
    )
    c = pub(title="Another paper", year=1998, source_record=3)
    kept = dedupe([a, b, c])
    assert [p.source_record for p in kept] == [2, 3]
    assert kept[0].journal == "Science"  # filled from the DOI-less copy


def test_is_cns_decided_by_issn_first() -> None:
    assert is_cns(pub(issns=("1097-4172",), journal="Cell Reports"))  # Cell's e-ISSN
    assert not is_cns(pub(issns=("2211-1247",), journal="Cell"))  # Cell Reports' ISSN
    assert not is_cns(pub(issns=("0032-5910",), journal="Nature"))  # unknown ISSN
    assert is_cns(pub(journal="NATURE"))
    assert is_cns(pub(journal="Science (New York, N.Y.)"))
    for sister in (
        "Nature Communications",
        "Science Advances",
        "Cell Reports",
        "Cell Research",
    ):
        assert not is_cns(pub(journal=sister))
    assert not is_cns(pub())


def test_journal_table() -> None:
    cns = {j.title for j in JOURNALS if j.cns}
    assert cns == {"Nature", "Science", "Cell"}
    issns = [i for j in JOURNALS for i in j.issns]
    assert len(issns) == len(set(issns))
    assert all(normalize_issn(i) == i for i in issns)  # format and check digit


@pytest.mark.parametrize(
    ("key", "title"),
    [
        pytest.param("0028-0836", "Nature", id="nature-print"),
        pytest.param("1476-4687", "Nature", id="nature-online"),
        pytest.param("0036-8075", "Science", id="science-print"),
        pytest.param("1095-9203", "Science", id="science-online"),
        pytest.param("0092-8674", "Cell", id="cell-print"),
        pytest.param("1097-4172", "Cell", id="cell-online"),
        pytest.param("2041-1723", "Nature Communications", id="ncomms"),
        pytest.param("2375-2548", "Science Advances", id="sciadv"),
        pytest.param("nature communications", "Nature Communications", id="by-name"),
        pytest.param(
            "Nature Structural and Molecular Biology",
            "Nature Structural & Molecular Biology",
            id="and",
        ),
        pytest.param("Nature Reviews", None, id="no-prefix-match"),
        pytest.param("9999-9999", None, id="unknown-issn"),
    ],
)
def test_journal_of(key: str, title: str | None) -> None:
    journal = journal_of(key)
    assert (journal.title if journal else None) == title


@pytest.mark.parametrize("module", [publications, pub_model], ids=lambda m: m.__name__)
def test_docstring_examples(module: object) -> None:
    result = doctest.testmod(module)  # type: ignore[arg-type]
    assert result.attempted > 0
    assert result.failed == 0
