"""What the portal offers each user to pick: the forms of an operator's own facilities, and
the facilities of the register (and the HPC systems) when an admin adds a user."""

from __future__ import annotations

from typing import Any

from zhangjiang.forms import get_form
from zhangjiang.snapshot import Snapshot
from zhangjiang.web.facility_board import AREA_FACILITY_KINDS
from zhangjiang.web.records import FACILITY_REGISTER, facility_titles

__all__ = ["facility_choices", "operator_forms"]

#: The domain of the forms a registered facility reports, unless its kind links an area.
FACILITY_DOMAIN = "facilities"


def operator_forms(
    snap: Snapshot, facilities: tuple[str, ...], names: list[str]
) -> list[str]:
    """Return the forms of ``names`` an operator of ``facilities`` reports.

    A form is theirs when a batch of it was already scoped to one of their facilities, or
    its domain is the one their facility reports in: an HPC system's (or the
    supercomputer's) forms are the HPC area's, a registered facility's the facilities
    area's. An operator of no known facility is offered every form.
    """
    mine = set(facilities)
    used = {
        b["dataset"]
        for b in snap.data["batches"]
        if mine & {s for s in str(b.get("scope") or "").split(",") if s}
    }
    domains = {_domain(snap, f) for f in facilities} - {None}
    chosen = [n for n in names if n in used or get_form(n).domain in domains]
    return chosen or names


def facility_choices(snap: Snapshot, lang: str) -> list[dict[str, Any]]:
    """Return the facilities of the register and the HPC systems, to pick from."""
    choices = [
        {"id": fid, "title": title, "group": FACILITY_REGISTER}
        for fid, title in facility_titles(snap, lang).items()
    ]
    choices += [
        {"id": system, "title": system, "group": "hpc"} for system in _systems(snap)
    ]
    return choices


def _domain(snap: Snapshot, fid: str) -> str | None:
    for row in snap.records.get(FACILITY_REGISTER, []):
        if str(row.get("facility_id")) == fid:
            linked = [a for a, k in AREA_FACILITY_KINDS.items() if k == row.get("kind")]
            return linked[0] if linked else FACILITY_DOMAIN
    return "hpc" if fid in _systems(snap) else None


def _systems(snap: Snapshot) -> list[str]:
    # HPC systems are named by the scope of the job-log batches.
    return sorted(
        {
            s
            for b in snap.data["batches"]
            if b["dataset"] == "hpc-jobs"
            for s in str(b.get("scope") or "").split(",")
            if s
        }
    )
