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

    A registered facility reports the facilities area's forms (and those of an area linked
    to its kind: the supercomputer's HPC forms); an HPC system the HPC area's. An operator
    of a facility known to neither is offered every form.
    """
    domains: set[str] = set()
    for fid in facilities:
        known = _domains(snap, fid)
        if not known:
            return names
        domains |= known
    chosen = [n for n in names if get_form(n).domain in domains]
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


def _domains(snap: Snapshot, fid: str) -> set[str]:
    for row in snap.records.get(FACILITY_REGISTER, []):
        if str(row.get("facility_id")) == fid:
            linked = {a for a, k in AREA_FACILITY_KINDS.items() if k == row.get("kind")}
            return {FACILITY_DOMAIN, *linked}
    return {"hpc"} if fid in _systems(snap) else set()


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
