"""A facility's board: headline service figures, monthly series, splits and milestones.

A facility's figures are the values whose ``facility`` dimension names it; an area whose
indicators describe one facility of the register (the HPC area's systems are the
supercomputer's) is linked to it by the facility's declared kind, so the supercomputer's
board shows core-hours and utilisation per system and month, as Open XDMoD's usage view
does.
"""

from __future__ import annotations

from typing import Any

from zhangjiang.snapshot import Snapshot
from zhangjiang.web.figures import (
    card,
    dimension_chart,
    indicator_summary,
    is_monthly,
    series_chart,
    value_rows,
)
from zhangjiang.web.i18n import pick
from zhangjiang.web.records import FACILITY_DIMENSION, FACILITY_REGISTER

__all__ = ["AREA_FACILITY_KINDS", "SERVICE_FIGURES", "board", "board_figures"]

#: A facility's headline service figures, in the order the report gives them.
SERVICE_FIGURES = (
    "facility.beam_hours",
    "facility.institutions",
    "facility.teams",
    "facility.projects",
    "facility.user_visits",
    "facility.papers",
    "facility.papers_cns",
)
#: Areas whose indicators all describe the one facility of this kind in the register.
AREA_FACILITY_KINDS = {"hpc": "超算"}


def board(snap: Snapshot, fid: str, period: str, lang: str) -> dict[str, Any]:
    """Return the parts of a facility's board for ``period``."""
    own = _own_indicators(snap, fid)
    headline = board_figures(snap, fid, period, lang)
    shown = {f["id"] for f in headline}
    monthly = []
    splits = []
    for ind, keep in own:
        title = pick(lang, ind["title_zh"], ind["title_en"])
        if is_monthly(snap, ind):
            chart = series_chart(
                snap,
                ind,
                snap.periods_of("month"),
                lang,
                pick(lang, f"{title}（逐月）", f"{title} by month"),
                keep,
            )
            if chart:
                monthly.append(chart)
        values = _values(snap, ind, period, keep)
        if len(values) > 1 and ind["id"] not in shown:
            chart = (
                dimension_chart(snap, ind, period, lang, title) if not keep else None
            )
            splits.append(
                {
                    **indicator_summary(ind, lang, period),
                    "rows": value_rows(snap, ind, values, lang),
                    "chart": chart,
                }
            )
    return {"headline": headline, "monthly": monthly, "splits": splits}


def board_figures(
    snap: Snapshot, fid: str, period: str, lang: str
) -> list[dict[str, Any]]:
    """Return a facility's headline figures as cards: service figures in report order.

    A facility linked to an area (the supercomputer) heads with the area's totals.
    """
    cards = []
    ordered = sorted(
        _own_indicators(snap, fid),
        key=lambda ik: (
            SERVICE_FIGURES.index(ik[0]["id"])
            if ik[0]["id"] in SERVICE_FIGURES
            else len(SERVICE_FIGURES)
        ),
    )
    for ind, keep in ordered:
        if ind.get("yoy_of"):
            continue
        values = _values(snap, ind, period, keep)
        if len(values) != 1:
            continue
        made = card(snap, ind, period, lang, values)
        if made is not None:
            cards.append(made)
    return cards


def _own_indicators(
    snap: Snapshot, fid: str
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    # Each indicator about the facility, with the dimension values that select it.
    kind = _kind(snap, fid)
    linked = {a for a, k in AREA_FACILITY_KINDS.items() if k == kind}
    out = []
    for ind in snap.indicators.values():
        if FACILITY_DIMENSION in ind["dimensions"]:
            out.append((ind, {FACILITY_DIMENSION: fid}))
        elif ind["domain"] in linked:
            out.append((ind, {}))
    return out


def _values(
    snap: Snapshot, ind: dict[str, Any], period: str, keep: dict[str, Any]
) -> list[dict[str, Any]]:
    return [
        v
        for v in snap.values(ind["id"], period)
        if all(v["dimensions"].get(k) == x for k, x in keep.items())
    ]


def _kind(snap: Snapshot, fid: str) -> str | None:
    for row in snap.records.get(FACILITY_REGISTER, []):
        if str(row.get("facility_id")) == fid:
            return row.get("kind")  # type: ignore[no-any-return]
    return None
