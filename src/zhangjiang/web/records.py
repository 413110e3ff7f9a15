"""Facilities and milestones, read from the snapshot's record datasets when present.

Indicators name a facility by its id in the ``facility`` dimension; the facility register
(form ``facilities``) gives its names, and ``facility-status`` its status over time.
Milestones come from ``facility-milestones`` and ``events``. Pages read these through the
form declarations and show nothing where a dataset is absent.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import quote

from zhangjiang.periods import parse_period
from zhangjiang.snapshot import Snapshot
from zhangjiang.web.formatting import superscript
from zhangjiang.web.i18n import pick
from zhangjiang.web.urls import href

__all__ = [
    "FACILITY_DIMENSION",
    "MILESTONE_DATASETS",
    "column_value_label",
    "facilities",
    "facility_status",
    "facility_titles",
    "milestones",
]

FACILITY_DIMENSION = "facility"
FACILITY_REGISTER = "facilities"
FACILITY_STATUS = "facility-status"
MILESTONE_DATASETS = ("facility-milestones", "events")
_ID_COLUMNS = ("facility_id", "facility", "id")
_DATE_TYPES = ("date", "month", "timestamp")
_MAX_MILESTONES = 8
_PRECISION = {"年": 4, "月": 7}  # a date known to the year or month is shown as such


@lru_cache(maxsize=8)
def facility_titles(snap: Snapshot, lang: str) -> dict[str, str]:
    """Return each registered facility's id and its name in ``lang``."""
    titles = {}
    for row in snap.records.get(FACILITY_REGISTER, []):
        key = _first(row, _ID_COLUMNS)
        if key is not None:
            titles[str(key)] = str(
                _first(row, (f"name_{lang}", "name_zh", "short_name", "name")) or key
            )
    return titles


def facilities(snap: Snapshot, period: str | None, lang: str) -> list[dict[str, Any]]:
    """Return every facility in the register or named by an indicator value of the period."""
    ids: dict[str, None] = dict.fromkeys(facility_titles(snap, lang))
    for ind in snap.indicators.values():
        if FACILITY_DIMENSION in ind["dimensions"] and period:
            for v in snap.values(ind["id"], period):
                if v["dimensions"].get(FACILITY_DIMENSION) not in (None, ""):
                    ids[str(v["dimensions"][FACILITY_DIMENSION])] = None
    titles = facility_titles(snap, lang)
    out = []
    for fid in ids:
        status = _latest_status(snap, fid, period)
        out.append(
            {
                "name": fid,
                "title": titles.get(fid, fid),
                "status": _status_label(snap, status, lang),
                "href": href(f"/facility/{quote(fid, safe='')}", period=period),
                "api": href(f"/api/v1/facilities/{quote(fid, safe='')}", period=period),
            }
        )
    return out


def facility_status(
    snap: Snapshot, fid: str, period: str | None, lang: str
) -> dict[str, Any] | None:
    """Return a facility's register row as labelled fields, with its status in the period."""
    form = snap.forms.get(FACILITY_REGISTER)
    row = next(
        (
            r
            for r in snap.records.get(FACILITY_REGISTER, [])
            if str(_first(r, _ID_COLUMNS)) == fid
        ),
        None,
    )
    status = _latest_status(snap, fid, period)
    if row is None and status is None:
        return None
    fields = [
        {
            "name": c["name"],
            "label": pick(lang, c["zh"], c["en"]),
            "value": column_value_label(c, row[c["name"]], lang),
        }
        for c in (form["columns"] if form and row else [])
        if row is not None
        and row.get(c["name"]) not in (None, "")
        and c["name"] not in _ID_COLUMNS  # the id is a code, the names say it
    ]
    return {
        "title": facility_titles(snap, lang).get(fid, fid),
        "status": _status_label(snap, status, lang),
        "since": status["since"] if status else None,
        "fields": fields,
    }


def milestones(
    snap: Snapshot, period: str | None, lang: str, facility: str | None = None
) -> list[dict[str, Any]]:
    """Return the latest milestones and events up to the end of the period, newest first.

    ``facility`` keeps one facility's milestones.
    """
    end = parse_period(period).end.isoformat() if period else "9999"
    titles = facility_titles(snap, lang)
    items = []
    for dataset in MILESTONE_DATASETS:
        form = snap.forms.get(dataset)
        if form is None:
            continue
        date_cols = [c["name"] for c in form["columns"] if c["type"] in _DATE_TYPES]
        for row in snap.records.get(dataset, []):
            when = str(_first(row, date_cols) or "")[:10]
            text = _first(
                row, (f"text_{lang}", "text_zh", "text", f"title_{lang}", "title")
            )
            if not text or (when and when >= end):
                continue
            subject = row.get(FACILITY_DIMENSION)
            if facility is not None and str(subject) != facility:
                continue
            if subject and facility is None:
                text = f"{titles.get(str(subject), subject)}：{text}"
            shown = when[: _PRECISION.get(str(row.get("precision")), 10)]
            items.append(
                {
                    "date": shown,
                    "sort": when,
                    "text": superscript(str(text)),
                    "dataset": dataset,
                }
            )
    items.sort(key=lambda item: item["sort"], reverse=True)
    return [
        {k: v for k, v in item.items() if k != "sort"}
        for item in items[:_MAX_MILESTONES]
    ]


def _latest_status(
    snap: Snapshot, fid: str, period: str | None
) -> dict[str, Any] | None:
    end = parse_period(period).end.isoformat() if period else "9999"
    latest = None
    for row in snap.records.get(FACILITY_STATUS, []):
        since = str(row.get("effective_date") or "")
        if (
            str(row.get(FACILITY_DIMENSION)) == fid
            and since < end
            and (latest is None or since > latest["since"])
        ):
            latest = {"status": row.get("status"), "since": since}
    return latest


def _status_label(snap: Snapshot, status: dict[str, Any] | None, lang: str) -> Any:
    if status is None:
        return None
    form = snap.forms.get(FACILITY_STATUS)
    column = (
        next((c for c in form["columns"] if c["name"] == "status"), None)
        if form
        else None
    )
    return column_value_label(column, status["status"], lang)


def column_value_label(column: dict[str, Any] | None, value: Any, lang: str) -> Any:
    """Return a value of a form column as the form writes it in ``lang`` (``Column.translate``)."""
    if column is None:
        return value
    words = column.get("translations" if lang == "en" else "labels_zh") or {}
    return words.get(value, value) if isinstance(value, str) else value


def _first(row: dict[str, Any], columns: tuple[str, ...] | list[str]) -> Any:
    for column in columns:
        if row.get(column) not in (None, ""):
            return row[column]
    return None
