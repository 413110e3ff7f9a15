"""Readers for tagged-text exports of CNKI and EndNote: NoteExpress (``.net``) and Refer.

No maintained Python package reads either (the PyPI converters are unmaintained
one-off scripts), and both are simple line formats, so they are read here:

- **NoteExpress** (CNKI 知网 "NoteExpress" export): a record starts with
  ``{Reference Type}: Journal Article``; each field is ``{Name}: value`` (CNKI also writes
  the full-width colon ``{Abstract}：…`` and no space ``{ISBN/ISSN}:0253-3766``); authors
  are separated by ``;`` or ``;;`` (or repeat the ``{Author}`` line); records are
  separated by blank lines.
- **Refer / EndNote tagged** (CNKI "EndNote" export, EndNote's ``.enw``): ``%0`` type,
  ``%A`` author (one per line), ``%T`` title, ``%J`` journal, ``%D`` year, ``%@`` ISSN,
  ``%R`` DOI, ``%U`` URL; a record ends at a blank line.

A line without a tag continues the field above it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from zhangjiang.ingest.pub_model import (
    Publication,
    RecordProblem,
    build_publication,
    doi_from_url,
    normalize_doi,
    year_in,
)

__all__ = ["NOTEEXPRESS_START", "REFER_TAG", "read_noteexpress", "read_refer"]

Record = Publication | RecordProblem
Fields = dict[str, list[str]]

NOTEEXPRESS_START = re.compile(r"^\{Reference Type\}\s*[:：]", re.MULTILINE)
_NOTEEXPRESS_FIELD = re.compile(r"^\{([^{}\n]{1,80})\}\s*[:：]\s*(.*)$")
REFER_TAG = re.compile(r"^%([0-9A-Za-z@!#$&()*+^~])(?: (.*)|$)")
_AUTHOR_SEPARATORS = re.compile(r"[;；]+")
# Chinese names hold no comma, so in a field with Chinese text "谢昕,王小增" is two names;
# in "Smith, John" the comma is part of one name.
_CJK_SEPARATORS = re.compile(r"[;；,，、]+")
_CJK = re.compile(r"[\u3400-\u9fff]")


def read_noteexpress(text: str, file: str) -> list[Record]:
    """Read a NoteExpress export: ``{Reference Type}:`` records, numbered from 1."""
    records: list[Record] = []
    for number, fields in enumerate(_noteexpress_records(text), start=1):
        records.append(
            build_publication(
                "noteexpress",
                file,
                number,
                title=_first(fields, "title"),
                doi=_doi(fields, "doi", "url"),
                journal=_first(fields, "journal", "secondary title", "tertiary title"),
                issns=fields.get("isbn/issn", []) + fields.get("issn", []),
                year=year_in(_first(fields, "year"), _first(fields, "date")),
                authors=_authors(fields.get("author", [])),
            )
        )
    return records


def read_refer(text: str, file: str) -> list[Record]:
    """Read Refer / EndNote tagged records (``%A``, ``%T``, …), numbered from 1."""
    records: list[Record] = []
    for number, fields in enumerate(_refer_records(text), start=1):
        records.append(
            build_publication(
                "refer",
                file,
                number,
                title=_first(fields, "T"),
                doi=_doi(fields, "R", "U"),
                journal=_first(fields, "J", "B"),
                issns=fields.get("@", []),
                year=year_in(_first(fields, "D"), _first(fields, "8")),
                authors=_authors(fields.get("A", [])),
            )
        )
    return records


def _noteexpress_records(text: str) -> Iterator[Fields]:
    fields: Fields | None = None
    last: str | None = None
    for line in text.lstrip("\ufeff").splitlines():
        match = _NOTEEXPRESS_FIELD.match(line)
        if match:
            name = match.group(1).strip().rstrip(",").lower()
            if name == "reference type":
                if fields is not None:
                    yield fields
                fields = {}
            if fields is not None:
                fields.setdefault(name, []).append(match.group(2).strip())
                last = name
        elif fields is not None and last is not None and line.strip():
            fields[last][-1] += " " + line.strip()
    if fields is not None:
        yield fields


def _refer_records(text: str) -> Iterator[Fields]:
    fields: Fields = {}
    last: str | None = None
    for line in text.lstrip("\ufeff").splitlines():
        match = REFER_TAG.match(line)
        if match:
            tag = match.group(1)
            if tag == "0" and fields:  # a type line opens the next record
                yield fields
                fields = {}
            fields.setdefault(tag, []).append((match.group(2) or "").strip())
            last = tag
        elif not line.strip():
            if fields:
                yield fields
            fields, last = {}, None
        elif last is not None:
            fields[last][-1] += " " + line.strip()
    if fields:
        yield fields


def _first(fields: Fields, *names: str) -> str | None:
    for name in names:
        for value in fields.get(name, []):
            if value.strip():
                return value
    return None


def _authors(values: list[str]) -> list[str]:
    # CNKI writes "唐伦;赵培培;" or "A;;B" in one field; EndNote one author per line.
    names = []
    for value in values:
        separators = _CJK_SEPARATORS if _CJK.search(value) else _AUTHOR_SEPARATORS
        names += [a.strip() for a in separators.split(value) if a.strip()]
    return names


def _doi(fields: Fields, doi_name: str, url_name: str) -> str | None:
    for value in fields.get(doi_name, []):
        if normalize_doi(value):
            return value
    for url in fields.get(url_name, []):
        if doi := doi_from_url(url):
            return doi
    return None
