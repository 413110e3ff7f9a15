r"""Read publication lists (RIS, WoS, BibTeX, Crossref, CNKI, Scopus, EndNote), dedupe, flag CNS.

The paper indicators count 论文 by publication year and 《自然》《科学》《细胞》 (CNS) papers
among them. This module turns export files into normalised ``Publication`` records:

>>> from pathlib import Path
>>> import tempfile
>>> with tempfile.TemporaryDirectory() as tmp:
...     path = Path(tmp) / "one.ris"
...     _ = path.write_text(
...         "TY  - JOUR\nTI  - The genome of Eucalyptus grandis\nT2  - Nature\n"
...         "PY  - 2014\nDO  - https://doi.org/10.1038/NATURE13308\nER  - \n"
...     )
...     pubs = read_publications(path)
>>> pubs[0].doi, pubs[0].year, is_cns(pubs[0])
('10.1038/nature13308', 2014, True)
"""

from __future__ import annotations

import codecs
import dataclasses
import functools
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from zhangjiang.errors import IngestError
from zhangjiang.ingest.pub_formats import (
    EXPECTED_EN,
    EXPECTED_ZH,
    FORMATS,
    READERS,
    describe_text,
    detect_text_format,
    file_error,
    source_database,
)
from zhangjiang.ingest.pub_model import (
    Publication,
    RecordProblem,
    limit_error,
    normalize_doi,
    normalize_issn,
)
from zhangjiang.ingest.tabular import FileRejected, decode_text
from zhangjiang.journals import JOURNALS, Journal

__all__ = [
    "FORMATS",
    "Export",
    "Merge",
    "Publication",
    "RecordProblem",
    "dedupe",
    "detect_format",
    "is_cns",
    "journal_of",
    "merge_duplicates",
    "normalize_doi",
    "normalize_issn",
    "paper_key",
    "read_export",
    "read_publications",
    "same_first_author",
    "title_key",
]

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_BY_ISSN: dict[str, Journal] = {issn: j for j in JOURNALS for issn in j.issns}


@dataclass(frozen=True)
class Export:
    """One export file read: its format, source database, usable records and problems."""

    format: str  # a key of READERS
    source: (
        str  # the database it came from: "cnki", "wos", "scopus", … (source_database)
    )
    publications: list[Publication]
    problems: list[RecordProblem]


@dataclass(frozen=True)
class Merge:
    """Two records found to be one paper: ``merged`` was folded into ``kept``."""

    kept: Publication
    merged: Publication
    rule: str  # "doi": equal DOIs; "title": equal title, year and first author


def read_export(path: Path, name: str | None = None) -> Export:
    """Read an export file whose format is detected from its content.

    ``name`` is the file name messages give (an upload's own name, not the temporary
    file's); records that cannot be used are in ``problems``.

    Raises
    ------
    IngestError
        The file cannot be read or decoded, is in no known format, holds no records, or
        nests deeper than its parser allows.
    """
    path = Path(path)
    name = name or path.name
    text = _read_text(path, name)
    fmt = _detect(text, name)
    problems: list[RecordProblem] = []
    pubs = _read(text, fmt, name, problems)
    return Export(fmt, source_database(fmt, text), pubs, problems)


def read_publications(
    path: Path,
    fmt: str | None = None,
    *,
    problems: list[RecordProblem] | None = None,
    name: str | None = None,
) -> list[Publication]:
    """Read every record of a bibliographic export file.

    Parameters
    ----------
    path
        The file: RIS, Web of Science plain text or tab-delimited, BibTeX/biblatex,
        Crossref JSON, CNKI NoteExpress, Refer/EndNote tagged, EndNote XML or Scopus
        CSV, in UTF-8 (with or without BOM), UTF-16 with BOM, or GBK/GB18030.
    fmt
        A key of ``FORMATS`` (``"ris"``, ``"noteexpress"``, …); detected from the content
        when None.
    problems
        When given, records that cannot be used (no title, broken syntax, truncated) are
        skipped and appended here. When None, the first such record raises IngestError.
    name
        The file name messages give; ``path.name`` when None.

    Returns
    -------
    list[Publication]
        The usable records in file order; ``source_record`` is the 1-based record number.

    Raises
    ------
    IngestError
        The file cannot be read or decoded, is in no known format, holds no records, or
        (when ``problems`` is None) has a record that cannot be used.
    """
    path = Path(path)
    name = name or path.name
    text = _read_text(path, name)
    if fmt is None:
        fmt = _detect(text, name)
    elif fmt not in READERS:
        raise IngestError(
            f"未知的文献格式“{fmt}”，可选：{'、'.join(FORMATS)} / "
            f"unknown publication format {fmt!r}; expected one of {', '.join(FORMATS)}"
        )
    strict = problems is None
    found: list[RecordProblem] = []
    pubs = _read(text, fmt, name, found)
    if strict and found:
        raise IngestError(found[0].message)
    if problems is not None:
        problems.extend(found)
    return pubs


def detect_format(path: Path, name: str | None = None) -> str:
    """Return the format of ``path`` from its content: a key of ``FORMATS``."""
    path = Path(path)
    name = name or path.name
    return _detect(_read_text(path, name), name)


def dedupe(pubs: Iterable[Publication]) -> list[Publication]:
    """Return ``pubs`` with duplicates merged (see ``merge_duplicates``)."""
    return merge_duplicates(pubs)[0]


def merge_duplicates(
    pubs: Iterable[Publication],
) -> tuple[list[Publication], list[Merge]]:
    """Return ``pubs`` with duplicates merged, and every merge made.

    Records are the same paper when their DOIs are equal. A record without DOI is the
    same as a record, with or without DOI, of equal year, equal title once case, width,
    spaces and punctuation are ignored, and the same first author (``same_first_author``).
    The first of each paper in input order is kept, its empty fields (DOI, journal,
    ISSNs, year, authors) filled from its duplicates.
    """
    items = list(pubs)
    kept: dict[int, Publication] = {}
    merges: list[Merge] = []
    by_doi: dict[str, int] = {}
    by_title: dict[tuple[str, int | None], list[int]] = {}
    # DOI records first, so a DOI-less copy merges into its DOI record wherever it is.
    for index, pub in enumerate(items):
        if pub.doi is None:
            continue
        if pub.doi in by_doi:
            first = by_doi[pub.doi]
            merges.append(Merge(items[first], pub, "doi"))
            kept[first] = _fill_gaps(kept[first], pub)
            continue
        by_doi[pub.doi] = index
        kept[index] = pub
        by_title.setdefault(title_key(pub), []).append(index)
    for index, pub in enumerate(items):
        if pub.doi is not None:
            continue
        key = title_key(pub)
        same = [
            i
            for i in by_title.get(key, [])
            if key[0] and same_first_author(items[i], pub)
        ]
        if same:
            merges.append(Merge(items[same[0]], pub, "title"))
            kept[same[0]] = _fill_gaps(kept[same[0]], pub)
            continue
        by_title.setdefault(key, []).append(index)
        kept[index] = pub
    return [kept[i] for i in sorted(kept)], merges


def same_first_author(a: Publication, b: Publication) -> bool:
    """Return True when the first authors may be one person (or neither record has one).

    Exports write names differently ("HUARD, S", "Huard S.", "Serge Huard"): the names
    match when they share a word of two or more letters once case and width are ignored.
    """
    words_a, words_b = _first_author_words(a), _first_author_words(b)
    if not words_a or not words_b:
        return not words_a and not words_b
    return bool(words_a & words_b)


def paper_key(pub: Publication) -> str:
    """Return the key a paper is counted by: its DOI, else its title, year and first author.

    >>> paper_key(Publication(None, "The Title!", None, (), 2020, ("Huard, S",), "wos", 1))
    'title:thetitle|2020|huard'
    """
    if pub.doi:
        return pub.doi
    title, year = title_key(pub)
    author = "-".join(sorted(_first_author_words(pub)))
    return f"title:{title}|{year or ''}|{author}"


def is_cns(pub: Publication) -> bool:
    """Return True if ``pub`` is in Nature, Science or Cell itself (not a sister journal).

    The ISSNs decide; the journal title decides only when the record has no ISSN, and
    then only an exact title ("Nature", not "Nature Communications") counts.
    """
    if pub.issns:
        return any(
            (j := _BY_ISSN.get(issn)) is not None and j.cns for issn in pub.issns
        )
    journal = journal_of(pub.journal) if pub.journal else None
    return journal is not None and journal.cns


def journal_of(issn_or_name: str) -> Journal | None:
    """Return the listed journal with this ISSN (print or electronic) or exact title."""
    issn = normalize_issn(issn_or_name)
    if issn is not None:
        return _BY_ISSN.get(issn)
    return _journals_by_name().get(_name_key(issn_or_name))


def _read(
    text: str, fmt: str, name: str, problems: list[RecordProblem]
) -> list[Publication]:
    try:
        records = READERS[fmt](text, name)
    except RecursionError as exc:  # a parser's own limit, below ours, was reached
        raise limit_error(
            name,
            "嵌套层数过深，无法解析",
            "nests too deeply to be parsed",
        ) from exc
    if not records and fmt != "crossref":
        raise file_error(name, f"中没有{fmt}记录", f"holds no {fmt} records")
    pubs: list[Publication] = []
    for record in records:
        if isinstance(record, Publication):
            pubs.append(record)
        else:
            problems.append(record)
    return pubs


def _read_text(path: Path, name: str) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise file_error(
            name,
            f"无法读取：{exc.strerror or exc}",
            f"cannot be read: {exc.strerror or exc}",
        ) from exc
    if not data.strip():
        raise file_error(name, "为空", "is empty")
    if b"\x00" in data[:8192] and not data.startswith(_UTF16_BOMS):
        raise file_error(
            name, "是二进制文件，不是文献导出文本", "is binary, not a text export"
        )
    try:
        text, _encoding = decode_text(data, name)
    except FileRejected as exc:
        raise IngestError(
            f"{exc.problem.message_zh} / {exc.problem.message_en}"
        ) from exc
    except (UnicodeDecodeError, LookupError) as exc:
        # decode_text lets a broken BOM file or an encoding guess Python lacks through.
        raise file_error(
            name, f"无法解码为文本：{exc}", f"cannot be decoded as text: {exc}"
        ) from exc
    return text


def _detect(text: str, name: str) -> str:
    fmt = detect_text_format(text)
    if fmt is None:
        seen_zh, seen_en = describe_text(text)
        raise file_error(
            name,
            f"不是可识别的文献格式（{seen_zh}）；可识别的格式：{EXPECTED_ZH}",
            f"is not a recognised publication format ({seen_en}); expected {EXPECTED_EN}",
        )
    return fmt


@functools.cache
def _journals_by_name() -> dict[str, Journal]:
    return {_name_key(name): j for j in JOURNALS for name in (j.title, *j.aliases)}


def _name_key(name: str) -> str:
    # "Nature Structural & Molecular Biology" = "NATURE STRUCTURAL AND MOLECULAR BIOLOGY".
    text = unicodedata.normalize("NFKC", name).casefold().replace("&", " and ")
    return " ".join("".join(ch if ch.isalnum() else " " for ch in text).split())


def title_key(pub: Publication) -> tuple[str, int | None]:
    """Return the title (case, width, spaces and punctuation ignored) and year of ``pub``."""
    text = unicodedata.normalize("NFKC", pub.title).casefold()
    return "".join(ch for ch in text if ch.isalnum()), pub.year


def _first_author_words(pub: Publication) -> set[str]:
    if not pub.authors:
        return set()
    text = unicodedata.normalize("NFKC", pub.authors[0]).casefold()
    words = "".join(ch if ch.isalnum() else " " for ch in text).split()
    return {w for w in words if len(w) >= 2}


def _fill_gaps(kept: Publication, other: Publication) -> Publication:
    return dataclasses.replace(
        kept,
        doi=kept.doi or other.doi,
        journal=kept.journal or other.journal,
        issns=kept.issns or other.issns,
        year=kept.year if kept.year is not None else other.year,
        authors=kept.authors or other.authors,
    )
