"""Readers for bibliographic exports, and the detection of an export's format by content.

RIS, Web of Science plain text, BibTeX and Crossref JSON are read here; CNKI NoteExpress
and Refer in ``pub_tagged``, Scopus CSV and Web of Science tab-delimited in
``pub_tables``, EndNote XML in ``pub_xml``. ``READERS`` lists them all.
"""

from __future__ import annotations

import html
import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import bibtexparser
import rispy
from bibtexparser import model as bib
from bibtexparser.middlewares.names import split_multiple_persons_names
from pylatexenc.latex2text import LatexNodes2Text

from zhangjiang.ingest.pub_model import (
    Publication,
    RecordProblem,
    build_publication,
    doi_from_url,
    file_error,
    limit_error,
    normalize_doi,
    record_problem,
    year_in,
)
from zhangjiang.ingest.pub_tables import (
    SCOPUS_COLUMNS,
    WOS_TAB_COLUMNS,
    header_of,
    read_scopus_csv,
    read_wos_tab,
)
from zhangjiang.ingest.pub_tagged import (
    NOTEEXPRESS_START,
    REFER_TAG,
    read_noteexpress,
    read_refer,
)
from zhangjiang.ingest.pub_xml import is_endnote_xml, read_endnote_xml

__all__ = [
    "EXPECTED_EN",
    "EXPECTED_ZH",
    "FORMATS",
    "MAX_BRACE_DEPTH",
    "READERS",
    "describe_text",
    "detect_text_format",
    "file_error",
    "source_database",
]

Record = Publication | RecordProblem
Reader = Callable[[str, str], list[Record]]

_RIS_START = re.compile(r"^TY  -", re.MULTILINE)
_RIS_END = re.compile(r"^ER  -")
_WOS_START = re.compile(r"^PT [A-Z]\s*$", re.MULTILINE)
_WOS_END = re.compile(r"^ER\s*$")
_BIBTEX_START = re.compile(r"^\s*@\s*[A-Za-z]+\s*[{(]", re.MULTILINE)
# Crossref titles carry JATS/HTML inline markup such as <i>…</i> and <sub>2</sub>.
_MARKUP = re.compile(r"</?[A-Za-z][\w:.-]*(?:\s[^<>]*)?/?>")
_LATEX = LatexNodes2Text()
_BARE_SPECIAL = re.compile(r"(?<!\\)([%&])")
_BRACES = re.compile(r"(?<!\\)[{}]")
# BibTeX entry types that are not bibliographic records.
_NON_RECORDS = {"comment", "string", "preamble"}
_REFER_TITLE = re.compile(r"^%T ", re.MULTILINE)
_RIS_DATABASE = re.compile(r"^DB  - *(\S.*)$", re.MULTILINE)
#: Real BibTeX nests braces a few levels ({{IEEE}} in a title); deeper is refused before
#: parsing, which recurses once per level.
MAX_BRACE_DEPTH = 32

#: What a publication export may be, as the messages name it.
EXPECTED_ZH = (
    "RIS（TY  -）、Web of Science 纯文本（FN/PT）或制表符分隔（PT、TI、PY 列）、"
    "BibTeX（@article{…}）、Crossref JSON、CNKI NoteExpress（{Reference Type}:）、"
    "Refer/EndNote（%0、%A、%T）、EndNote XML（<xml><records>）、"
    "Scopus CSV（Title、Year、Source title 列）"
)
EXPECTED_EN = (
    "RIS (TY  -), Web of Science plain text (FN/PT) or tab-delimited (columns PT, TI, "
    "PY), BibTeX (@article{…}), Crossref JSON, CNKI NoteExpress ({Reference Type}:), "
    "Refer/EndNote (%0, %A, %T), EndNote XML (<xml><records>), Scopus CSV (columns "
    "Title, Year, Source title)"
)


def detect_text_format(text: str) -> str | None:
    """Return the format of decoded ``text`` from its content, or None if unknown."""
    head = text.lstrip("\ufeff \t\r\n")
    first = head.split("\n", 1)[0].rstrip()
    # NoteExpress records start with "{Reference Type}:", which is not JSON.
    if head.startswith("{Reference Type}") or NOTEEXPRESS_START.search(text):
        return "noteexpress"
    if is_endnote_xml(head):
        return "endnote-xml"
    if first.startswith("TY  -"):
        return "ris"
    if set(WOS_TAB_COLUMNS) <= set(header_of(head, "\t")):
        return "wos-tab"
    if first.startswith(("FN ", "PT ")):
        return "wos"
    if set(SCOPUS_COLUMNS) <= set(header_of(head, ",")):
        return "scopus-csv"
    if head.startswith(("{", "[")):
        return "crossref"
    if head.startswith("@"):
        return "bibtex"
    if REFER_TAG.match(first) and _REFER_TITLE.search(text):
        return "refer"
    # Headers or comments may come first: look for each format's record start.
    if _RIS_START.search(text):
        return "ris"
    if _WOS_START.search(text):
        return "wos"
    if _BIBTEX_START.search(text):
        return "bibtex"
    return None


def describe_text(text: str) -> tuple[str, str]:
    """Return what an unrecognised ``text`` looks like, zh and en, for the error message."""
    head = text.lstrip("\ufeff \t\r\n")
    first = head.split("\n", 1)[0].strip()
    shown = first[:60] + ("…" if len(first) > 60 else "")
    if head.startswith("<"):
        return f"看起来是 XML，首行“{shown}”", f"looks like XML, first line {shown!r}"
    for delimiter, zh, en in (("\t", "制表符分隔表格", "tab-delimited table"),
                              (",", "CSV 表格", "CSV table")):  # fmt: skip
        columns = header_of(head, delimiter)
        if len(columns) >= 2:
            listed = ", ".join(columns[:8]) + (", …" if len(columns) > 8 else "")
            return (
                f"看起来是{zh}，表头为 {listed}",
                f"looks like a {en} with header {listed}",
            )
    return f"首行为“{shown}”", f"its first line is {shown!r}"


def source_database(fmt: str, text: str) -> str:
    """Return the database an export of format ``fmt`` came from.

    A corrected export replaces an earlier one of the same facility only when both came
    from the same database; exports of different databases add up. The format decides
    (CNKI writes NoteExpress and Refer, Clarivate both Web of Science forms), except RIS,
    which any database writes and which names it in its ``DB`` tag when it does.
    """
    if fmt == "ris":
        match = _RIS_DATABASE.search(text)
        return match.group(1).strip().lower()[:40] if match else "ris"
    return _SOURCES[fmt]


def read_ris(text: str, file: str) -> list[Record]:
    """Read RIS records (TY … ER), numbered from 1 in file order."""
    # rispy keeps only the first of repeated single-value tags; an ISSN may repeat.
    parser = rispy.RisParser(
        list_tags=[*rispy.LIST_TYPE_TAGS, "SN"], skip_unknown_tags=True
    )
    records: list[Record] = []
    for number, entry in _parse_chunks(text, file, _RIS_START, _RIS_END, parser):
        if isinstance(entry, RecordProblem):
            records.append(entry)
            continue
        records.append(
            build_publication(
                "ris",
                file,
                number,
                # ST (short title) is the only title some exports give.
                title=_first(
                    entry, "title", "primary_title", "short_title", "translated_title"
                ),
                doi=_ris_doi(entry),
                journal=_first(
                    entry,
                    "alternate_title3",
                    "journal_name",
                    "secondary_title",
                    "alternate_title2",
                    "alternate_title1",
                ),
                issns=_strings(entry.get("issn")),
                year=year_in(
                    entry.get("year"), entry.get("publication_year"), entry.get("date")
                ),
                authors=[
                    *_strings(entry.get("authors")),
                    *_strings(entry.get("first_authors")),
                ],
            )
        )
    return records


def read_wos(text: str, file: str) -> list[Record]:
    """Read a Web of Science plain-text ("tagged") export: PT … ER records."""
    parser = rispy.WokParser(skip_unknown_tags=True)
    records: list[Record] = []
    for number, entry in _parse_chunks(text, file, _WOS_START, _WOS_END, parser):
        if isinstance(entry, RecordProblem):
            records.append(entry)
            continue
        records.append(
            build_publication(
                "wos",
                file,
                number,
                title=_first(entry, "document_title"),
                doi=_first(entry, "doi"),
                journal=_first(entry, "publication_name"),
                issns=[*_strings(entry.get("issn")), *_strings(entry.get("eissn"))],
                year=year_in(
                    entry.get("publication_year"), entry.get("early_access_year")
                ),
                authors=_strings(entry.get("author_full_name"))
                or _strings(entry.get("authors")),
            )
        )
    return records


def read_bibtex(text: str, file: str) -> list[Record]:
    """Read BibTeX/biblatex entries; @string, @comment and @preamble are not records."""
    _check_brace_depth(text, file)
    library = bibtexparser.parse_string(text)
    records: list[Record] = []
    for block in library.blocks:
        entry = (
            block.ignore_error_block
            if isinstance(block, bib.ParsingFailedBlock)
            else block
        )
        if isinstance(entry, bib.Entry):
            records.append(_bibtex_record(entry, file, len(records) + 1))
        elif isinstance(block, bib.ParsingFailedBlock) and not _is_non_record(
            block.raw
        ):
            reason = (str(block.error).strip().splitlines() or ["syntax error"])[0]
            line = (
                f" (line {block.start_line + 1})"
                if block.start_line is not None
                else ""
            )
            records.append(
                record_problem(
                    "unparsable-record", file, len(records) + 1, reason=reason + line
                )
            )
    return records


def read_crossref(text: str, file: str) -> list[Record]:
    """Read a Crossref REST API work or work list (envelope or bare)."""
    try:
        data = json.loads(text)
    except RecursionError as exc:
        raise limit_error(
            file,
            "的 JSON 嵌套层数过深，不予读取",
            "nests JSON arrays or objects too deeply to be read",
        ) from exc
    except json.JSONDecodeError as exc:
        raise file_error(
            file,
            f"不是有效的 JSON（第{exc.lineno}行）",
            f"is not valid JSON (line {exc.lineno}: {exc.msg})",
        ) from exc
    items = _crossref_items(data, file)
    records: list[Record] = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            records.append(
                record_problem(
                    "unparsable-record", file, number, reason="not a JSON object"
                )
            )
            continue
        records.append(
            build_publication(
                "crossref",
                file,
                number,
                title=_strip_markup(_first_text(item.get("title"))),
                doi=_first_text(item.get("DOI")),
                journal=_strip_markup(_first_text(item.get("container-title"))),
                issns=[
                    *_strings(item.get("ISSN")),
                    *(
                        t.get("value", "")
                        for t in item.get("issn-type") or []
                        if isinstance(t, dict)
                    ),
                ],
                year=_crossref_year(item),
                authors=[
                    _crossref_name(a)
                    for a in item.get("author") or []
                    if isinstance(a, dict)
                ],
            )
        )
    return records


READERS: dict[str, Reader] = {
    "ris": read_ris,
    "wos": read_wos,
    "bibtex": read_bibtex,
    "crossref": read_crossref,
    "noteexpress": read_noteexpress,
    "refer": read_refer,
    "endnote-xml": read_endnote_xml,
    "scopus-csv": read_scopus_csv,
    "wos-tab": read_wos_tab,
}
FORMATS: tuple[str, ...] = tuple(READERS)
_SOURCES = {
    "wos": "wos",
    "wos-tab": "wos",
    "bibtex": "bibtex",
    "crossref": "crossref",
    "noteexpress": "cnki",
    "refer": "cnki",
    "endnote-xml": "endnote",
    "scopus-csv": "scopus",
}


def _check_brace_depth(text: str, file: str) -> None:
    depth = 0
    for match in _BRACES.finditer(text):
        depth += 1 if match.group() == "{" else -1
        if depth > MAX_BRACE_DEPTH:
            line = text.count("\n", 0, match.start()) + 1
            raise limit_error(
                file,
                f"第{line}行花括号嵌套超过 {MAX_BRACE_DEPTH} 层，不予读取",
                f"nests braces more than {MAX_BRACE_DEPTH} levels deep (line {line})",
            )
        depth = max(depth, 0)


def _first(entry: dict[str, Any], *keys: str) -> str | None:
    return _first_text([v for key in keys for v in _strings(entry.get(key))])


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable):
        return [str(v) for v in value if v is not None]
    return [str(value)]


def _ris_doi(entry: dict[str, Any]) -> str | None:
    # SciFinder puts the DOI in M3 as well; other exports only link it in UR/L1-L4.
    for value in _strings(entry.get("doi")) + _strings(entry.get("type_of_work")):
        if normalize_doi(value):
            return value
    for key in ("urls", "file_attachments1", "file_attachments2"):
        for url in _strings(entry.get(key)):
            if doi := doi_from_url(url):
                return doi
    return None


def _parse_chunks(
    text: str,
    file: str,
    start: re.Pattern[str],
    end: re.Pattern[str],
    parser: rispy.RisParser,
) -> Iterator[tuple[int, dict[str, Any] | RecordProblem]]:
    # Split at each start tag ourselves: rispy silently merges a record that lacks its
    # end tag into the next one, or drops it at the end of the file.
    lines = text.lstrip("\ufeff").splitlines()
    starts = [i for i, line in enumerate(lines) if start.match(line)]
    bounds = itertools.pairwise([*starts, len(lines)])
    for number, (first, stop) in enumerate(bounds, start=1):
        chunk = lines[first:stop]
        if not any(end.match(line) for line in chunk):
            yield (
                number,
                record_problem("unterminated-record", file, number, end_tag="ER"),
            )
            continue
        yield number, parser.parse_lines(iter(chunk))[0]


def _bibtex_record(entry: bib.Entry, file: str, number: int) -> Record:
    fields = {f.key.lower(): f.value for f in entry.fields if isinstance(f.value, str)}
    authors = fields.get("author", "")
    doi = fields.get("doi")
    if not normalize_doi(doi):
        urls = [
            v
            for k, v in fields.items()
            if k in ("url", "eprint") or k.startswith("bdsk-url")
        ]
        doi = next((d for d in map(doi_from_url, urls) if d), None)
    return build_publication(
        "bibtex",
        file,
        number,
        title=_latex(fields.get("title")),
        doi=doi,
        journal=_latex(
            fields.get("journal")
            or fields.get("journaltitle")
            or fields.get("booktitle")
        ),
        issns=[fields.get("issn", ""), fields.get("eissn", "")],
        year=year_in(fields.get("year"), fields.get("date")),
        authors=[_latex(a) for a in split_multiple_persons_names(authors)]
        if authors
        else [],
    )


def _is_non_record(raw: str) -> bool:
    match = re.match(r"\s*@\s*([A-Za-z]+)", raw)
    return match is None or match.group(1).lower() in _NON_RECORDS


def _latex(value: str | None) -> str | None:
    if not value or not any(ch in value for ch in "\\{}$~-"):
        return value
    # Exports often leave HTML entities and bare % and & in titles; to LaTeX those
    # start a comment and separate table cells, so decode and escape them first.
    value = _BARE_SPECIAL.sub(r"\\\1", html.unescape(value))
    return str(_LATEX.latex_to_text(value))


def _crossref_items(data: Any, file: str) -> list[Any]:
    if isinstance(data, list):
        return data
    if not isinstance(data, dict):
        raise file_error(
            file, "不是 Crossref 作品或作品列表", "is not a Crossref work or work list"
        )
    if "message" in data:
        if data.get("status", "ok") != "ok":
            raise file_error(
                file,
                f"是 Crossref 的错误应答：{data['message']}",
                f"is a Crossref error response: {data['message']}",
            )
        data = data["message"]
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        return list(data["items"])
    if isinstance(data, dict) and ("DOI" in data or "title" in data):
        return [data]
    raise file_error(
        file, "不是 Crossref 作品或作品列表", "is not a Crossref work or work list"
    )


def _first_text(value: Any) -> str | None:
    for text in _strings(value):
        if text.strip():
            return text
    return None


def _strip_markup(value: str | None) -> str | None:
    return _MARKUP.sub("", value) if value and "<" in value else value


def _crossref_year(item: dict[str, Any]) -> int | None:
    # "issued" is the earliest of print and online publication; the others are fallbacks.
    for key in ("issued", "published", "published-print", "published-online"):
        date = item.get(key)
        parts = date.get("date-parts") if isinstance(date, dict) else None
        if parts and isinstance(parts[0], list) and parts[0]:
            year = parts[0][0]
            if isinstance(year, int) or (isinstance(year, str) and year.isdigit()):
                return int(year)
    return None


def _crossref_name(author: dict[str, Any]) -> str:
    family, given = author.get("family") or "", author.get("given") or ""
    if family and given:
        return f"{family}, {given}"
    return str(family or given or author.get("name") or "")
