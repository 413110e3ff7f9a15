"""Publication records, their record-level problems, and DOI/ISSN/text normalisation."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from zhangjiang.errors import IngestError, InputLimitError
from zhangjiang.ingest.problems import PROBLEM_KINDS, ProblemKind

__all__ = [
    "Publication",
    "RecordProblem",
    "build_publication",
    "clean_text",
    "doi_from_url",
    "file_error",
    "issns_in",
    "limit_error",
    "normalize_doi",
    "normalize_issn",
    "record_problem",
    "year_in",
]

# A DOI is "10." + registrant code + "/" + suffix (ISO 26324); the suffix runs to whitespace.
_DOI_RE = re.compile(r"10\.\d{4,9}/\S+")
_ISSN_RE = re.compile(r"(?<![\w-])(\d{4})[-\u2010-\u2015 ]?(\d{3}[\dXx])(?![\w-])")
_PAGE_VIEW = re.compile(
    r"/(?:abstract|full|summary|pdf|epdf|epub|fulltext|references)/?$", re.I
)
_OPENER = {")": "(", "]": "[", "}": "{", ">": "<"}
_YEAR_RE = re.compile(r"(?<!\d)(1[5-9]\d\d|2[01]\d\d)(?!\d)")


@dataclass(frozen=True)
class Publication:
    """One bibliographic record, normalised, with where it came from."""

    doi: str | None  # lower case, no resolver prefix: "10.1038/nature13308"
    title: str  # never empty; HTML entities and LaTeX decoded, NFC, spaces collapsed
    journal: str | None  # container title as written (journal, proceedings, book)
    issns: tuple[str, ...]  # NNNN-NNNC, check digit verified, print and electronic
    year: int | None  # publication year (Crossref: "issued", the earliest)
    authors: tuple[str, ...]  # as written in the source, "others" dropped
    source_format: str  # a key of pub_formats.READERS: "ris", "wos", "noteexpress", …
    source_record: int  # 1-based record number in the file


@dataclass(frozen=True)
class RecordProblem:
    """A record that was skipped, located by file name and 1-based record number."""

    kind: ProblemKind
    file: str
    record: int
    params: tuple[tuple[str, str], ...] = ()

    @property
    def type(self) -> str:
        """Return the problem kind's id, e.g. ``missing-title``."""
        return self.kind.type

    @property
    def message_zh(self) -> str:
        """Return the Chinese message with the file and record number."""
        detail = self.kind.template_zh.format(**dict(self.params))
        return f"文件 {self.file} 第{self.record}条记录：{detail}"

    @property
    def message_en(self) -> str:
        """Return the English message with the file and record number."""
        detail = self.kind.template_en.format(**dict(self.params))
        return f"{self.file} record {self.record}: {detail}"

    @property
    def message(self) -> str:
        """Return the bilingual message, Chinese first."""
        return f"{self.message_zh} / {self.message_en}"

    def to_dict(self) -> dict[str, Any]:
        """Return the problem as a JSON-ready dict."""
        return {
            "type": self.kind.type,
            "severity": self.kind.severity,
            "file": self.file,
            "record": self.record,
            "rule_zh": self.kind.title_zh,
            "rule_en": self.kind.title_en,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
        }


def file_error(file: str, zh: str, en: str) -> IngestError:
    """Return an IngestError whose message names the file, Chinese then English."""
    return IngestError(f"文件 {file} {zh} / {file} {en}")


def limit_error(file: str, zh: str, en: str) -> InputLimitError:
    """Return the error of a file beyond a parser's nesting or size limit, naming the file."""
    return InputLimitError(f"文件 {file} {zh} / {file} {en}")


def record_problem(type_: str, file: str, record: int, **params: str) -> RecordProblem:
    """Build a RecordProblem of a declared kind."""
    return RecordProblem(PROBLEM_KINDS[type_], file, record, tuple(params.items()))


def normalize_doi(s: str | None) -> str | None:
    """Return the DOI in ``s`` in lower case without resolver prefix, or None.

    Examples
    --------
    >>> normalize_doi(" https://doi.org/10.1038/NATURE13308 ")
    '10.1038/nature13308'
    >>> normalize_doi("doi:10.1126/science.280.5362.421")
    '10.1126/science.280.5362.421'
    >>> normalize_doi("not a doi") is None
    True
    """
    if not s:
        return None
    text = s.strip()
    if "%" in text:
        text = unquote(text)
    match = _DOI_RE.search(text)
    if match is None:
        return None
    doi = match.group(0)
    # Drop trailing punctuation, and closing brackets that the DOI did not open:
    # 10.1016/0014-5793(81)80778-8 keeps its ")".
    while doi:
        last = doi[-1]
        unbalanced = last in _OPENER and doi.count(last) > doi.count(_OPENER[last])
        if last not in ".,;'\"" and not unbalanced:
            break
        doi = doi[:-1]
    return doi.lower()


def normalize_issn(s: str | None) -> str | None:
    """Return ``s`` as NNNN-NNNC if it is one ISSN with a valid check digit, else None.

    Examples
    --------
    >>> normalize_issn("1546170x")
    '1546-170X'
    >>> normalize_issn("0028-0837") is None
    True
    """
    if not s:
        return None
    if _ISSN_RE.fullmatch(s.strip()) is None:
        return None
    found = issns_in(s)
    return found[0] if found else None


def issns_in(text: str | Iterable[str] | None) -> tuple[str, ...]:
    """Return the valid ISSNs found in ``text`` (a string or strings), without repeats."""
    if not text:
        return ()
    parts = [text] if isinstance(text, str) else list(text)
    found: list[str] = []
    for part in parts:
        for match in _ISSN_RE.finditer(part):
            issn = f"{match.group(1)}-{match.group(2).upper()}"
            if _issn_check_ok(issn) and issn not in found:
                found.append(issn)
    return tuple(found)


def doi_from_url(url: str | None) -> str | None:
    """Return the DOI in a resolver or publisher ``/doi/`` URL, or None."""
    if not url or "10." not in url:
        return None
    parts = urlsplit(url.strip())
    if "doi" in parts.netloc.lower():
        return normalize_doi(unquote(parts.path))
    if "/doi/" not in parts.path.lower():
        return None
    # Publisher pages append the view: /doi/10.1002/x.ch2/summary, /doi/pdf/10.1021/y.
    return normalize_doi(_PAGE_VIEW.sub("", unquote(parts.path)))


def year_in(*values: str | None) -> int | None:
    """Return the first plausible publication year (1500-2199) found in ``values``."""
    for value in values:
        if value:
            match = _YEAR_RE.search(str(value))
            if match:
                return int(match.group(1))
    return None


def clean_text(s: str | None) -> str:
    """Return ``s`` with HTML entities decoded, Unicode composed (NFC) and spaces collapsed."""
    if not s:
        return ""
    if "&" in s:
        s = html.unescape(s)
    return " ".join(unicodedata.normalize("NFC", s).split())


def build_publication(
    fmt: str,
    file: str,
    record: int,
    *,
    title: str | None,
    doi: str | None,
    journal: str | None,
    issns: Iterable[str],
    year: int | None,
    authors: Iterable[str],
) -> Publication | RecordProblem:
    """Return a Publication from raw field values, or the problem that prevents one."""
    clean_title = clean_text(title)
    if not clean_title:
        return record_problem("missing-title", file, record)
    names: list[str] = []
    for author in authors:
        name = clean_text(author)
        if name and name.lower() != "others" and name not in names:
            names.append(name)
    return Publication(
        doi=normalize_doi(doi),
        title=clean_title,
        journal=clean_text(journal) or None,
        issns=issns_in(list(issns)),
        year=year,
        authors=tuple(names),
        source_format=fmt,
        source_record=record,
    )


def _issn_check_ok(issn: str) -> bool:
    digits = issn.replace("-", "")
    total = sum(int(d) * w for d, w in zip(digits[:7], range(8, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return digits[7] == ("X" if check == 10 else str(check))
