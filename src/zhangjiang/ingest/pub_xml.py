"""Reader for EndNote XML exports (``<xml><records><record>…``).

EndNote writes each record as::

    <record><ref-type name="Journal Article">17</ref-type>
      <contributors><authors><author><style>Smith, J.</style></author>…</authors></contributors>
      <titles><title><style>…</style></title><secondary-title>Journal</secondary-title></titles>
      <dates><year>2019</year></dates><isbn>0028-0836</isbn>
      <electronic-resource-num>10.1038/…</electronic-resource-num>
      <urls><related-urls><url>…</url></related-urls></urls></record>

Text may be wrapped in ``<style>`` elements, so a field's text is all the text inside it.
The standard library's expat parser reads it incrementally; a document type declaration
(the door to entity expansion) is refused, and so is nesting deeper than
``MAX_XML_DEPTH`` elements, before any record is built.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

from zhangjiang.ingest.pub_model import (
    Publication,
    RecordProblem,
    build_publication,
    doi_from_url,
    file_error,
    limit_error,
    normalize_doi,
    year_in,
)

__all__ = ["MAX_XML_DEPTH", "is_endnote_xml", "read_endnote_xml"]

Record = Publication | RecordProblem

#: EndNote nests at most 6 levels (xml/records/record/titles/title/style).
MAX_XML_DEPTH = 64
_DOCTYPE = re.compile(r"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_HEAD = re.compile(r"^(?:<\?xml[^>]*\?>\s*)?<xml>\s*<records>", re.IGNORECASE)


def is_endnote_xml(text: str) -> bool:
    """Return True when ``text`` starts like an EndNote XML export."""
    return _HEAD.match(text.lstrip("\ufeff \t\r\n")) is not None


def read_endnote_xml(text: str, file: str) -> list[Record]:
    """Read the ``<record>`` elements of an EndNote XML export, numbered from 1."""
    if _DOCTYPE.search(text):
        raise file_error(
            file,
            "含有文档类型或实体声明（<!DOCTYPE>/<!ENTITY>），出于安全原因不予读取",
            "holds a document type or entity declaration (<!DOCTYPE>/<!ENTITY>), "
            "which is refused for safety",
        )
    records: list[Record] = []
    depth = 0
    try:
        for event, element in ET.iterparse(
            io.BytesIO(text.encode("utf-8")), events=("start", "end")
        ):
            if event == "start":
                depth += 1
                if depth > MAX_XML_DEPTH:
                    raise limit_error(
                        file,
                        f"的 XML 元素嵌套超过 {MAX_XML_DEPTH} 层，不予读取",
                        f"nests XML elements more than {MAX_XML_DEPTH} levels deep",
                    )
                continue
            depth -= 1
            if element.tag == "record":
                records.append(_record(element, file, len(records) + 1))
                element.clear()
    except ET.ParseError as exc:
        line, column = exc.position
        raise file_error(
            file,
            f"不是完整的 XML（第{line}行第{column}列）",
            f"is not well-formed XML (line {line}, column {column}: {exc})",
        ) from exc
    return records


def _record(element: ET.Element, file: str, number: int) -> Record:
    doi = _text(element.find("electronic-resource-num"))
    if not normalize_doi(doi):
        urls = [_text(u) for u in element.iter("url")]
        doi = next((d for d in map(doi_from_url, urls) if d), None)
    return build_publication(
        "endnote-xml",
        file,
        number,
        title=_text(element.find("titles/title")),
        doi=doi,
        journal=_text(element.find("titles/secondary-title"))
        or _text(element.find("periodical/full-title")),
        issns=[_text(element.find("isbn")) or ""],
        year=year_in(
            _text(element.find("dates/year")), _text(element.find("dates/pub-dates"))
        ),
        authors=[
            _text(a) or "" for a in element.iterfind("contributors/authors/author")
        ],
    )


def _text(element: ET.Element | None) -> str | None:
    if element is None:
        return None
    return "".join(element.itertext()).strip() or None
