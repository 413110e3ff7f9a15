"""What the review page shows before approving: the cells a batch adds or replaces, and
the indicator values that would change, by how much, in words rather than codes."""

from __future__ import annotations

import json
from typing import Any

from zhangjiang.forms import get_form
from zhangjiang.portal.review import preview_approval
from zhangjiang.snapshot import Snapshot
from zhangjiang.store import Store
from zhangjiang.web.figures import dimension_label
from zhangjiang.web.formatting import format_value
from zhangjiang.web.i18n import pick
from zhangjiang.web.records import facility_titles
from zhangjiang.web.urls import indicator_href

__all__ = ["review_preview", "row_headers"]


def review_preview(
    snap: Snapshot, store: Store, batch_id: int, lang: str
) -> dict[str, Any]:
    """Return the approval's effect on cells and indicator values, ready to show."""
    preview = preview_approval(store, batch_id)
    plan = preview["plan"]
    names = facility_titles(snap, lang)

    def cell(c: dict[str, Any], action: str) -> dict[str, Any]:
        return {
            "period": c["period"],
            "reporter": names.get(c["reporter"], c["reporter"]),
            "action": action,
            "action_label": _ACTIONS[action][lang == "en"],
            "batch_id": c.get("batch_id"),
        }

    cells = [
        *(cell(c, "added") for c in plan["added"]),
        *(cell(c, "replaced") for c in plan["replaced"]),
        *(cell(c, "unchanged") for c in plan["unchanged"]),
    ]
    values = []
    for change in preview["values"]:
        ind = snap.indicators.get(change["id"])
        if ind is None:
            continue
        before, after = change["before"], change["after"]
        exact = {**ind, "style": None}  # the reviewer needs exact numbers, not "800余"
        diff = after - before if before is not None and after is not None else None
        values.append(
            {
                "id": change["id"],
                "title": pick(lang, ind["title_zh"], ind["title_en"]),
                "href": indicator_href(change["id"], change["period"]),
                "period": change["period"],
                "label": dimension_label(
                    snap, ind, json.loads(change["dimensions"]), lang
                ),
                "before": _number(before),
                "after": _number(after),
                "before_display": format_value(before, exact, lang),
                "after_display": format_value(after, exact, lang),
                "change": _number(diff),
                "change_display": (
                    ("+" if diff > 0 else "") + format_value(diff, exact, lang)
                    if diff is not None
                    else pick(lang, "新增", "new")
                    if before is None
                    else pick(lang, "不再有值", "no longer computed")
                ),
                "pct_display": f"{diff / before * 100:+.1f}%"
                if diff is not None and before
                else "",
            }
        )
    return {
        "cells": cells,
        "counts": {k: len(plan[k]) for k in ("added", "replaced", "unchanged")},
        "superseded": plan["superseded"],
        "values": values,
    }


def row_headers(dataset: str, lang: str) -> list[str]:
    """Return the headers of a batch's row view: the form's own column titles."""
    form = get_form(dataset)
    return [pick(lang, "行号", "Row"), *(pick(lang, c.zh, c.en) for c in form.columns)]


_ACTIONS = {
    "added": ("新增", "added"),
    "replaced": ("替换", "replaced"),
    "unchanged": ("未变", "unchanged"),
}


def _number(value: Any) -> Any:
    if value is None:
        return None
    return int(value) if value == int(value) else float(value)
