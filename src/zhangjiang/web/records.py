"""Facilities and milestones read from the snapshot's record datasets, when present.

These datasets are declared by other parts of the platform; the pages read them through
their form declarations (column types and titles) rather than through fixed column names,
and show nothing when a dataset is absent.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from zhangjiang.snapshot import Snapshot
from zhangjiang.web.figures import href
from zhangjiang.web.i18n import pick

__all__ = ["MILESTONE_DATASETS", "facilities", "facility_status", "milestones"]

MILESTONE_DATASETS = ("facility-milestones", "events")
FACILITY_DATASET = "facilities"
_NAME_COLUMNS = ("facility", "name", "facility_id", "id")
_STATUS_COLUMNS = ("status", "stage", "phase")
_DATE_TYPES = ("date", "month", "timestamp")
_MAX_MILESTONES = 8


def facilities(snap: Snapshot, period: str | None, lang: str, dimension: str) -> list[dict[str, Any]]:
    """Return every facility named in the register or in an indicator's ``dimension``."""
    names: dict[str, None] = {}
    for row in snap.records.get(FACILITY_DATASET, []):
        key = _first(row, _NAME_COLUMNS)
        if key:
            names[str(key)] = None
    for ind in snap.indicators.values():
        if dimension in ind["dimensions"] and period:
            for v in snap.values(ind["id"], period):
                if v["dimensions"].get(dimension) not in (None, ""):
                    names[str(v["dimensions"][dimension])] = None
    out = []
    for name in names:
        status = facility_status(snap, name, lang)
        out.append({
            "name": name,
            "title": (status or {}).get("title") or name,
            "status": (status or {}).get("status"),
            "href": href(f"/facility/{quote(name, safe='')}", period=period),
            "api": href(f"/api/v1/facilities/{quote(name, safe='')}", period=period),
        })
    return out


def facility_status(snap: Snapshot, name: str, lang: str) -> dict[str, Any] | None:
    """Return a facility's register row as labelled fields, with its title and status."""
    form = snap.forms.get(FACILITY_DATASET)
    for row in snap.records.get(FACILITY_DATASET, []):
        if form is None or str(_first(row, _NAME_COLUMNS)) != name:
            continue
        fields = [
            {"name": c["name"], "label": pick(lang, c["zh"], c["en"]), "value": row.get(c["name"])}
            for c in form["columns"]
            if row.get(c["name"]) not in (None, "")
        ]
        return {
            "title": _localised(row, "name", lang) or name,
            "status": _first(row, _STATUS_COLUMNS),
            "fields": fields,
        }
    return None


def milestones(snap: Snapshot, lang: str) -> list[dict[str, Any]]:
    """Return the latest milestones and events, newest first, as date and text."""
    items = []
    for dataset in MILESTONE_DATASETS:
        form = snap.forms.get(dataset)
        if form is None:
            continue
        date_cols = [c["name"] for c in form["columns"] if c["type"] in _DATE_TYPES]
        text_cols = _text_columns(form, lang)
        for row in snap.records.get(dataset, []):
            when = _first(row, date_cols)
            text = " · ".join(str(row[c]) for c in text_cols if row.get(c) not in (None, ""))
            if text:
                items.append({"date": str(when or "")[:10], "text": text, "dataset": dataset})
    items.sort(key=lambda item: item["date"], reverse=True)
    return items[:_MAX_MILESTONES]


def _text_columns(form: dict[str, Any], lang: str) -> list[str]:
    strings = [c["name"] for c in form["columns"] if c["type"] == "string"]
    # Bilingual registers carry a column per language (title_zh / title_en): keep one.
    other = "_zh" if lang == "en" else "_en"
    own = [c for c in strings if not c.endswith(other)]
    return [c for c in own if not c.endswith("_id") and c != "id"] or own


def _localised(row: dict[str, Any], column: str, lang: str) -> Any:
    return row.get(f"{column}_{lang}") or row.get(column)


def _first(row: dict[str, Any], columns: tuple[str, ...] | list[str]) -> Any:
    for column in columns:
        if row.get(column) not in (None, ""):
            return row[column]
    return None
