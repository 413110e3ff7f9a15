"""A facility's papers are the union of its lists: match a new list against the loaded ones.

Chinese facilities send their papers as several exports, typically one from CNKI (知网)
and one from Web of Science, sometimes Scopus. Each list is stored as it came, in cells
of its own source database (``zhangjiang.cells``), so the lists add up and a corrected
export replaces only its own source. A paper found in two sources is stored twice but
counted once: a new record that is the same paper as a loaded record of another source
takes that record's key (the ``paper`` column the indicators count), and the merge is
reported as a warning naming both records.

Two records are the same paper by the rules of ``merge_duplicates``: equal DOIs; or,
when one has no DOI, equal normalised title and year and the same first author.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zhangjiang.ingest.problems import PROBLEM_KINDS, Problem
from zhangjiang.ingest.publications import (
    Publication,
    paper_key,
    same_first_author,
    title_key,
)
from zhangjiang.store import Store

__all__ = ["LoadedPaper", "loaded_papers", "match_loaded", "union_warning"]


@dataclass(frozen=True)
class LoadedPaper:
    """A current stored record of a facility's list, with where it came from."""

    key: str  # the key it is counted by
    pub: Publication
    file: str
    batch: int
    source: str


def loaded_papers(store: Store, facility: str, source: str) -> list[LoadedPaper]:
    """Return the current papers of ``facility`` loaded from sources other than ``source``."""
    rows = store.query(
        "SELECT p.paper, p.doi, p.title, p.year, p.authors, p.source_format, "
        "p.source_record, p._batch_id AS batch, b.file_name, "
        "coalesce(c.source, '') AS source FROM publications p "
        "JOIN batches b ON b.id = p._batch_id "
        "LEFT JOIN (SELECT DISTINCT batch_id, source FROM batch_cells) c "
        "ON c.batch_id = p._batch_id "
        "WHERE p.facility = ? AND coalesce(c.source, '') <> ? "
        "ORDER BY p._batch_id, p.source_record",
        [facility, source],
    )
    return [_loaded(row) for row in rows]


def match_loaded(
    pubs: list[Publication], loaded: list[LoadedPaper]
) -> dict[int, tuple[LoadedPaper, str]]:
    """Return, by new record number, the loaded paper each new record is, and the rule.

    The rule is ``"doi"`` or ``"title"``; records matching nothing are absent.
    """
    by_doi: dict[str, LoadedPaper] = {}
    by_title: dict[tuple[str, int | None], list[LoadedPaper]] = {}
    for paper in loaded:
        if paper.pub.doi:
            by_doi.setdefault(paper.pub.doi, paper)
        by_title.setdefault(title_key(paper.pub), []).append(paper)
    found: dict[int, tuple[LoadedPaper, str]] = {}
    for pub in pubs:
        if pub.doi and pub.doi in by_doi:
            found[pub.source_record] = (by_doi[pub.doi], "doi")
            continue
        key = title_key(pub)
        if not key[0]:
            continue
        for paper in by_title.get(key, []):
            one_without_doi = not (pub.doi and paper.pub.doi)
            if one_without_doi and same_first_author(paper.pub, pub):
                found[pub.source_record] = (paper, "title")
                break
    return found


def union_warning(name: str, record: int, paper: LoadedPaper, rule: str) -> Problem:
    """Return the warning that record ``record`` of ``name`` is a loaded paper."""
    by_zh, by_en = (
        (f"DOI {paper.pub.doi}", f"DOI {paper.pub.doi}")
        if rule == "doi"
        else ("题名、发表年份和第一作者相同", "same title, year and first author")
    )
    return Problem(
        PROBLEM_KINDS["duplicate-publication-loaded"],
        name,
        record=record,
        params={
            "other_file": paper.file,
            "batch": paper.batch,
            "source": paper.source or "—",
            "first": paper.pub.source_record,
            "by_zh": by_zh,
            "by_en": by_en,
        },
    )


def _loaded(row: dict[str, Any]) -> LoadedPaper:
    pub = Publication(
        doi=row["doi"],
        title=row["title"],
        journal=None,
        issns=(),
        year=row["year"],
        authors=tuple((row["authors"] or "").split("; ")) if row["authors"] else (),
        source_format=row["source_format"],
        source_record=row["source_record"],
    )
    key = row["paper"] or paper_key(pub)
    return LoadedPaper(key, pub, row["file_name"], row["batch"], row["source"])
