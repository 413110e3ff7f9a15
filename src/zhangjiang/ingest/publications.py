r"""Read publication lists (RIS, Web of Science, BibTeX, Crossref JSON), dedupe, flag CNS.

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
from pathlib import Path

from zhangjiang.errors import IngestError
from zhangjiang.ingest.pub_formats import (
    FORMATS,
    READERS,
    detect_text_format,
    file_error,
)
from zhangjiang.ingest.pub_model import (
    Publication,
    RecordProblem,
    normalize_doi,
    normalize_issn,
)
from zhangjiang.ingest.tabular import FileRejected, decode_text
from zhangjiang.journals import JOURNALS, Journal

__all__ = [
    "FORMATS",
    "Publication",
    "RecordProblem",
    "dedupe",
    "detect_format",
    "is_cns",
    "journal_of",
    "normalize_doi",
    "normalize_issn",
    "read_publications",
]

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_BY_ISSN: dict[str, Journal] = {issn: j for j in JOURNALS for issn in j.issns}


def read_publications(
    path: Path, fmt: str | None = None, *, problems: list[RecordProblem] | None = None
) -> list[Publication]:
    """Read every record of a bibliographic export file.

    Parameters
    ----------
    path
        The file: RIS, Web of Science plain text, BibTeX/biblatex or Crossref JSON, in
        UTF-8 (with or without BOM), UTF-16 with BOM, or GBK/GB18030.
    fmt
        ``"ris"``, ``"wos"``, ``"bibtex"`` or ``"crossref"``; detected from the content
        when None.
    problems
        When given, records that cannot be used (no title, broken syntax, truncated) are
        skipped and appended here. When None, the first such record raises IngestError.

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
    text = _read_text(path)
    if fmt is None:
        fmt = _detect(text, path.name)
    elif fmt not in READERS:
        raise IngestError(
            f"未知的文献格式“{fmt}”，可选：{'、'.join(FORMATS)} / "
            f"unknown publication format {fmt!r}; expected one of {', '.join(FORMATS)}"
        )
    records = READERS[fmt](text, path.name)
    if not records and fmt != "crossref":
        raise file_error(path.name, f"中没有{fmt}记录", f"holds no {fmt} records")
    pubs: list[Publication] = []
    for record in records:
        if isinstance(record, Publication):
            pubs.append(record)
        elif problems is None:
            raise IngestError(record.message)
        else:
            problems.append(record)
    return pubs


def detect_format(path: Path) -> str:
    """Return the format of ``path`` from its content: ris, wos, bibtex or crossref."""
    path = Path(path)
    return _detect(_read_text(path), path.name)


def dedupe(pubs: Iterable[Publication]) -> list[Publication]:
    """Return ``pubs`` with duplicates merged, keeping the first of each in input order.

    Records are the same paper when their DOIs are equal. A record without DOI is the
    same as any record, with or without DOI, of equal year and equal title once case,
    width, spaces and punctuation are ignored. The kept record's empty fields (DOI,
    journal, ISSNs, year, authors) are filled from its duplicates.
    """
    items = list(pubs)
    kept: dict[int, Publication] = {}
    by_doi: dict[str, int] = {}
    by_title: dict[tuple[str, int | None], int] = {}
    # DOI records first, so a DOI-less copy merges into its DOI record wherever it is.
    for index, pub in enumerate(items):
        if pub.doi is None:
            continue
        if pub.doi in by_doi:
            first = by_doi[pub.doi]
            kept[first] = _fill_gaps(kept[first], pub)
            continue
        by_doi[pub.doi] = index
        kept[index] = pub
        by_title.setdefault(_title_key(pub), index)
    for index, pub in enumerate(items):
        if pub.doi is not None:
            continue
        key = _title_key(pub)
        if key[0] and key in by_title:
            first = by_title[key]
            kept[first] = _fill_gaps(kept[first], pub)
            continue
        by_title[key] = index
        kept[index] = pub
    return [kept[i] for i in sorted(kept)]


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


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise file_error(
            path.name,
            f"无法读取：{exc.strerror or exc}",
            f"cannot be read: {exc.strerror or exc}",
        ) from exc
    if not data.strip():
        raise file_error(path.name, "为空", "is empty")
    if b"\x00" in data[:8192] and not data.startswith(_UTF16_BOMS):
        raise file_error(
            path.name, "是二进制文件，不是文献导出文本", "is binary, not a text export"
        )
    try:
        text, _encoding = decode_text(data, path.name)
    except FileRejected as exc:
        raise IngestError(
            f"{exc.problem.message_zh} / {exc.problem.message_en}"
        ) from exc
    return text


def _detect(text: str, name: str) -> str:
    fmt = detect_text_format(text)
    if fmt is None:
        raise file_error(
            name,
            "不是可识别的文献格式（RIS、Web of Science、BibTeX、Crossref JSON）",
            "is not a recognised publication format (RIS, Web of Science, BibTeX, Crossref JSON)",
        )
    return fmt


@functools.cache
def _journals_by_name() -> dict[str, Journal]:
    return {_name_key(name): j for j in JOURNALS for name in (j.title, *j.aliases)}


def _name_key(name: str) -> str:
    # "Nature Structural & Molecular Biology" = "NATURE STRUCTURAL AND MOLECULAR BIOLOGY".
    text = unicodedata.normalize("NFKC", name).casefold().replace("&", " and ")
    return " ".join("".join(ch if ch.isalnum() else " " for ch in text).split())


def _title_key(pub: Publication) -> tuple[str, int | None]:
    text = unicodedata.normalize("NFKC", pub.title).casefold()
    return "".join(ch for ch in text if ch.isalnum()), pub.year


def _fill_gaps(kept: Publication, other: Publication) -> Publication:
    return dataclasses.replace(
        kept,
        doi=kept.doi or other.doi,
        journal=kept.journal or other.journal,
        issns=kept.issns or other.issns,
        year=kept.year if kept.year is not None else other.year,
        authors=kept.authors or other.authors,
    )
