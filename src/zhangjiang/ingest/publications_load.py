"""Load a publication list (any format ``read_export`` detects) as one batch.

The connector of the ``publications`` form: it reads the export with ``read_export``,
merges duplicates (by normalised DOI, then by title + year + first author, each merge
warned), links every paper to the facility named by ``facility`` (``--facility``), flags
《自然》《科学》《细胞》 (CNS) papers by ISSN, and stores the papers as one batch in one
transaction, the way ``ingest_file`` stores a table. The batch's cells belong to the
export's source database, so lists of different sources add up (``pub_union``) and a
corrected list replaces only its own source's. SCI papers are decided later by the
indicator, against the ``sci-journals`` list, so that a new journal list needs no
re-import.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zhangjiang.config import Settings
from zhangjiang.errors import IngestError, InputLimitError
from zhangjiang.forms import get_form
from zhangjiang.ingest.load import (
    IngestResult,
    derived_period,
    find_duplicate,
    store_batch,
)
from zhangjiang.ingest.problems import PROBLEM_KINDS, Problem
from zhangjiang.ingest.pub_union import (
    LoadedPaper,
    loaded_papers,
    match_loaded,
    union_warning,
)
from zhangjiang.ingest.publications import (
    Export,
    Merge,
    Publication,
    is_cns,
    merge_duplicates,
    paper_key,
    read_export,
)
from zhangjiang.ingest.service import register_connector
from zhangjiang.periods import Period, parse_period
from zhangjiang.store import Store
from zhangjiang.store.duckdb import sha256_file

__all__ = ["check_publications", "ingest_publications"]

_CONNECTOR = "publications"


def ingest_publications(
    store: Store,
    dataset: str,
    path: Path,
    settings: Settings,
    *,
    period: str | None = None,
    note: str = "",
    progress: bool = False,
    facility: str | None = None,
    status: str = "loaded",
    display_name: str | None = None,
    **_: Any,
) -> IngestResult:
    """Read, de-duplicate and classify a publication list; load it as one batch."""
    form = get_form(dataset)
    name = display_name or path.name
    sha = sha256_file(path)
    result = IngestResult(name, dataset, "rejected", sha256=sha)
    facility = (facility or "").strip()
    size = path.stat().st_size
    if size > settings.max_file_mb * 1024 * 1024:
        kind = PROBLEM_KINDS["file-too-large"]
        params = {"size_mb": size / 1048576, "limit_mb": settings.max_file_mb}
        return result.set_rejected([Problem(kind, name, params=params)])
    problems = _check_facility(store, name, facility)
    if problems:
        return result.set_rejected(problems)
    duplicate = find_duplicate(store, dataset, sha, scope=facility)
    if duplicate is not None:
        return result.set_duplicate(duplicate)
    parsed_period = parse_period(period) if period else None
    export, problems = _read_export(path, name)
    rows: list[dict[str, Any]] = []
    if export is not None:
        loaded = loaded_papers(store, facility, export.source)
        rows, problems = _rows(export, name, facility, parsed_period, loaded)
    result.problems = problems
    errors = [p for p in problems if p.is_error]
    if errors or export is None:
        return result.set_rejected(problems)
    warnings = len(problems) - len(errors)
    batch_period = period or derived_period(form, rows)
    batch_id, result.plan = store_batch(
        store,
        form,
        path,
        sha,
        name,
        rows,
        settings,
        status=status,
        period=batch_period,
        scope=facility,
        note=note,
        warnings=warnings,
        source=export.source,
    )
    result.superseded = result.plan.superseded
    cns = sum(1 for r in rows if r["is_cns"])
    result.outcome, result.batch_id, result.rows = status, batch_id, len(rows)
    result.message_zh = (
        f"{name}（{export.format}，来源 {export.source}）已加载为批次 {batch_id}，"
        f"设施 {facility}，论文 {len(rows)} 篇（CNS {cns} 篇）"
    )
    result.message_en = (
        f"{name} ({export.format}, source {export.source}) loaded as batch {batch_id} "
        f"for {facility}: {len(rows)} papers ({cns} CNS)"
    )
    result.note_superseded()
    return result


def check_publications(
    path: Path,
    facility: str,
    period: str | None = None,
    name: str | None = None,
    store: Store | None = None,
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Read and check a publication list without storing it (a dry run); return rows, problems.

    With ``store``, papers already loaded for the facility from other sources are
    matched too, and their merges warned.
    """
    parsed = parse_period(period) if period else None
    name = name or path.name
    export, problems = _read_export(path, name)
    if export is None:
        return [], problems
    loaded = loaded_papers(store, facility, export.source) if store else []
    return _rows(export, name, facility, parsed, loaded)


def _check_facility(store: Store, name: str, facility: str) -> list[Problem]:
    if not facility:
        return [Problem(PROBLEM_KINDS["facility-missing"], name)]
    known = sorted(
        r["facility_id"]
        for r in store.query("SELECT DISTINCT facility_id FROM facilities")
    )
    if facility in known:
        return []
    listed = (
        "、".join(known)
        if known
        else "（无，请先导入 facilities 登记表 / none: load the facilities register first）"
    )
    return [
        Problem(
            PROBLEM_KINDS["unknown-facility"],
            name,
            value=facility,
            params={"known": listed},
        )
    ]


def _read_export(path: Path, name: str) -> tuple[Export | None, list[Problem]]:
    try:
        return read_export(path, name), []
    except InputLimitError as exc:
        zh, en = exc.zh_en
        kind = PROBLEM_KINDS["file-unreadable"]
    except IngestError as exc:
        zh, en = exc.zh_en
        kind = PROBLEM_KINDS["unreadable-publications"]
    return None, [Problem(kind, name, params={"reason_zh": zh, "reason_en": en})]


def _rows(
    export: Export,
    name: str,
    facility: str,
    period: Period | None,
    loaded: list[LoadedPaper],
) -> tuple[list[dict[str, Any]], list[Problem]]:
    problems = [
        Problem(rp.kind, name, record=rp.record, params=dict(rp.params))
        for rp in export.problems
    ]
    pubs, merges = merge_duplicates(export.publications)
    problems += [_merge_warning(m, name) for m in merges]
    matches = match_loaded(pubs, loaded)
    rows = []
    for pub in pubs:
        key = paper_key(pub)
        if (match := matches.get(pub.source_record)) is not None:
            key = match[0].key
            problems.append(union_warning(name, pub.source_record, *match))
        if pub.year is None:
            problems.append(
                Problem(PROBLEM_KINDS["missing-year"], name, record=pub.source_record)
            )
        elif period is not None and pub.year != period.year:
            problems.append(
                Problem(
                    PROBLEM_KINDS["outside-period"],
                    name,
                    record=pub.source_record,
                    column="发表年份",
                    column_en="Year",
                    value=pub.year,
                    params={"period": period.label},
                )
            )
        rows.append(_row(pub, facility, key))
    return rows, problems


def _merge_warning(merge: Merge, name: str) -> Problem:
    first = merge.kept.source_record
    if merge.rule == "doi":
        return Problem(
            PROBLEM_KINDS["duplicate-publication"],
            name,
            record=merge.merged.source_record,
            value=merge.merged.doi,
            params={"first": first},
        )
    return Problem(
        PROBLEM_KINDS["duplicate-publication-title"],
        name,
        record=merge.merged.source_record,
        params={"first": first, "title": merge.merged.title[:80]},
    )


def _row(pub: Publication, facility: str, key: str) -> dict[str, Any]:
    issns = list(pub.issns)
    return {
        "doi": pub.doi,
        "title": pub.title,
        "journal": pub.journal,
        "issn": issns[0] if issns else None,
        "issn2": issns[1] if len(issns) > 1 else None,
        "year": pub.year,
        "facility": facility,
        "is_cns": is_cns(pub),
        "authors": "; ".join(pub.authors) or None,
        "source_format": pub.source_format,
        "source_record": pub.source_record,
        "paper": key,
        "_row": pub.source_record,
    }


register_connector(_CONNECTOR, ingest_publications)
