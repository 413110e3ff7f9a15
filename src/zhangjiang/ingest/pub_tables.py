"""Readers for tabular exports: Scopus CSV and Web of Science tab-delimited (savedrecs.txt).

Both are one record per row under a header, read with the standard ``csv`` module:

- **Scopus CSV** (Scopus "Export → CSV"): columns ``Authors``, ``Title``, ``Year``,
  ``Source title``, ``DOI``, ``ISSN``, ``EID``, …; authors are ``Yagai T., Kimura Y.``
  (older exports) or ``Yagai T.; Kimura Y.`` (newer ones).
- **Web of Science tab-delimited** (``savedrecs.txt``, "Tab-delimited file"): the field
  tags of the plain-text export as the header (``PT AU … TI SO … PY … DI``), no quoting,
  authors separated by ``; ``.

The csv module's field-size limit (128 KiB) bounds every field; a longer one makes the
file unreadable rather than the process slow.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

from zhangjiang.ingest.pub_model import (
    Publication,
    RecordProblem,
    build_publication,
    file_error,
    record_problem,
    year_in,
)

__all__ = [
    "SCOPUS_COLUMNS",
    "WOS_TAB_COLUMNS",
    "header_of",
    "read_scopus_csv",
    "read_wos_tab",
]

Record = Publication | RecordProblem

#: The columns that make a CSV a Scopus export (any further columns are optional).
SCOPUS_COLUMNS = ("Title", "Year", "Source title")
#: The tags that make a tab-delimited file a Web of Science export.
WOS_TAB_COLUMNS = ("PT", "TI", "PY")
_SCOPUS_INITIALS = re.compile(r"(?<=\.),\s*")


def header_of(text: str, delimiter: str) -> list[str]:
    """Return the header row of a delimited ``text`` (empty when it has none)."""
    first = text.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")
    try:
        return [c.strip() for c in next(csv.reader([first], delimiter=delimiter))]
    except (csv.Error, StopIteration):
        return []


def read_scopus_csv(text: str, file: str) -> list[Record]:
    """Read a Scopus CSV export, one record per row, numbered from 1."""
    records: list[Record] = []
    for number, row in _rows(text, file, ",", csv.QUOTE_MINIMAL):
        if row is None:
            records.append(_short_row(file, number))
            continue
        authors = row.get("Authors") or row.get("Author full names") or ""
        records.append(
            build_publication(
                "scopus-csv",
                file,
                number,
                title=row.get("Title"),
                doi=row.get("DOI"),
                journal=row.get("Source title"),
                issns=[row.get("ISSN") or ""],
                year=year_in(row.get("Year")),
                authors=_scopus_authors(authors),
            )
        )
    return records


def read_wos_tab(text: str, file: str) -> list[Record]:
    """Read a Web of Science tab-delimited export, one record per row, numbered from 1."""
    records: list[Record] = []
    for number, row in _rows(text, file, "\t", csv.QUOTE_NONE):
        if row is None:
            records.append(_short_row(file, number))
            continue
        records.append(
            build_publication(
                "wos-tab",
                file,
                number,
                title=row.get("TI"),
                doi=row.get("DI"),
                journal=row.get("SO"),
                issns=[row.get("SN") or "", row.get("EI") or ""],
                year=year_in(row.get("PY"), row.get("EY")),
                authors=(row.get("AF") or row.get("AU") or "").split(";"),
            )
        )
    return records


def _rows(
    text: str, file: str, delimiter: str, quoting: int
) -> Iterator[tuple[int, dict[str, str] | None]]:
    reader = csv.reader(
        io.StringIO(text.lstrip("\ufeff"), newline=""),
        delimiter=delimiter,
        quoting=quoting,
    )
    try:
        header = [c.strip() for c in next(reader, [])]
        number = 0
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            number += 1
            if len(cells) < len(header) and quoting == csv.QUOTE_MINIMAL:
                # A row cut short (a truncated file); Web of Science drops empty
                # trailing fields, so only Scopus rows must be complete.
                yield number, None
                continue
            yield number, dict(zip(header, cells, strict=False))
    except csv.Error as exc:
        raise file_error(
            file,
            f"第{reader.line_num}行无法按表格读取：{exc}",
            f"line {reader.line_num} cannot be read as a table: {exc}",
        ) from exc


def _short_row(file: str, number: int) -> RecordProblem:
    return record_problem(
        "unparsable-record", file, number, reason="fewer fields than the header"
    )


def _scopus_authors(value: str) -> list[str]:
    if ";" in value:
        return value.split(";")
    return _SCOPUS_INITIALS.split(value)
