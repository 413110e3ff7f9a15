"""Who may see a batch, and the statistician's review: approve (pending → loaded) or reject.

A batch belongs to the facility it was ``submitted_for`` (recorded in the application
database when it is uploaded through the portal). A batch loaded otherwise (the CLI, the
demo) belongs to the facilities of its ``scope`` — an operator sees it only when every
scope value is one of theirs. Statisticians see every batch; nobody else sees a batch that
is not loaded or superseded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from zhangjiang.cells import take_cells
from zhangjiang.errors import ReviewError
from zhangjiang.forms import get_form
from zhangjiang.portal.accounts import Account
from zhangjiang.portal.state import AppState, utc_now
from zhangjiang.store import Store
from zhangjiang.store.duckdb import fetch_dicts

if TYPE_CHECKING:
    from zhangjiang.cells import CellPlan
    from zhangjiang.forms.model import Form
    from zhangjiang.store.duckdb import Connection

__all__ = [
    "approve_batch",
    "batch_owners",
    "can_see_batch",
    "preview_approval",
    "record_submission",
    "reject_batch",
    "submissions",
]


def record_submission(
    state: AppState,
    batch_id: int,
    dataset: str,
    submitted_for: str,
    submitted_by: str,
    original_name: str,
) -> None:
    """Record who uploaded a batch and for which facility."""
    with state.connect() as con:
        con.execute(
            "INSERT OR REPLACE INTO submissions (batch_id, dataset, submitted_for, "
            "submitted_by, original_name, submitted_at) VALUES (?, ?, ?, ?, ?, ?)",
            (batch_id, dataset, submitted_for, submitted_by, original_name, utc_now()),
        )


def submissions(state: AppState) -> dict[int, dict[str, Any]]:
    """Return every portal submission by batch id."""
    with state.connect() as con:
        rows = con.execute("SELECT * FROM submissions").fetchall()
    return {r["batch_id"]: dict(r) for r in rows}


def batch_owners(batch: dict[str, Any], submission: dict[str, Any] | None) -> set[str]:
    """Return the facilities a batch belongs to."""
    if submission is not None and submission["submitted_for"]:
        return {submission["submitted_for"]}
    return {s for s in str(batch.get("scope") or "").split(",") if s}


def can_see_batch(
    user: Account | None, batch: dict[str, Any], submission: dict[str, Any] | None
) -> bool:
    """Return True when ``user`` may see a batch in the portal (its rows and file)."""
    if user is None:
        return False
    if user.role == "statistician":
        return True
    if user.role == "operator":
        owners = batch_owners(batch, submission)
        return bool(owners) and owners <= set(user.facilities)
    return False


def approve_batch(store: Store, batch_id: int) -> dict[str, Any]:
    """Load a pending batch: it takes the cells it changes from the batches holding them."""
    with store.transaction() as con:
        _form, plan, repeated = _approve(con, batch_id)
    return {
        "id": batch_id,
        "status": "loaded",
        "superseded": plan.superseded,
        "plan": plan.to_dict(),
        "repeated_runs": repeated,
    }


def _approve(con: Connection, batch_id: int) -> tuple[Form, CellPlan, int]:
    """Approve ``batch_id`` in the caller's transaction: its form, cell plan, runs dropped."""
    batch = _pending(con, batch_id)
    form = get_form(batch["dataset"])
    con.execute("UPDATE batches SET status = 'loaded' WHERE id = ?", [batch_id])
    plan = take_cells(con, form, batch_id)
    repeated = 0
    if form.connector == "hpc-jobs":
        from zhangjiang.ingest.jobs_load import drop_repeated_runs

        repeated = drop_repeated_runs(con, batch_id)
    return form, plan, repeated


def preview_approval(store: Store, batch_id: int) -> dict[str, Any]:
    """Return what approving a pending batch would change, storing nothing.

    The approval is carried out in a transaction that is rolled back: ``plan`` holds the
    cells it adds, replaces (and of which batches) and leaves unchanged; ``values`` each
    indicator value of the batch's years that would change, with its stored value
    (``before``, None when new) and the value it would take (``after``, None when gone).
    """
    preview: dict[str, Any] = {}
    try:
        with store.transaction() as con:
            form, plan, _repeated = _approve(con, batch_id)
            preview["plan"] = plan.to_dict()
            years = sorted({str(p)[:4] for p, _ in [*plan.added, *plan.replaced]})
            preview["values"] = _value_changes(con, form.name, years)
            raise _RolledBack
    except _RolledBack:
        pass
    return preview


class _RolledBack(Exception):
    """Leave the preview's transaction without storing anything."""


def _value_changes(con: Any, dataset: str, years: list[str]) -> list[dict[str, Any]]:
    # Late imports: the indicators package reads batches through modules importing this one.
    from zhangjiang.indicators import load_builtin
    from zhangjiang.indicators.cycle import Cycle
    from zhangjiang.indicators.engine import compute_values
    from zhangjiang.indicators.model import dimensions_key

    chosen = [
        i for i in load_builtin().values() if dataset in i.inputs and i.yoy_of is None
    ]
    if not chosen or not years:
        return []
    cycle = Cycle(con)
    stored: dict[tuple[str, str, str], Any] = {
        (r["indicator_id"], r["period"], r["dimensions"]): r["value"]
        for r in fetch_dicts(
            con,
            "SELECT indicator_id, period, dimensions, value FROM indicator_values "
            "WHERE list_contains(?, indicator_id)",
            [[i.id for i in chosen]],
        )
    }
    changes = []
    for year in years:
        for per in cycle.periods(year):
            for ind in chosen:
                if not cycle.applies(ind, per):
                    continue
                after = {
                    dimensions_key(v.dimensions): v.value
                    for v in compute_values(con, cycle, ind, per, "provisional")
                }
                before = {
                    dims: value
                    for (i, p, dims), value in stored.items()
                    if i == ind.id and p == per.label
                }
                for dims in sorted(set(before) | set(after)):
                    old, new = before.get(dims), after.get(dims)
                    if old != new:
                        changes.append(
                            {
                                "id": ind.id,
                                "period": per.label,
                                "dimensions": dims,
                                "before": old,
                                "after": new,
                            }
                        )
    return changes


def reject_batch(store: Store, batch_id: int, reason: str) -> dict[str, Any]:
    """Mark a pending batch rejected, keeping the reason in its note; its rows stay unseen."""
    with store.transaction() as con:
        batch = _pending(con, batch_id)
        note = (
            batch["note"] + "\n" if batch["note"] else ""
        ) + f"驳回 / rejected: {reason}"
        con.execute(
            "UPDATE batches SET status = 'rejected', note = ? WHERE id = ?",
            [note.strip(), batch_id],
        )
    return {"id": batch_id, "status": "rejected"}


def _pending(con: Any, batch_id: int) -> dict[str, Any]:
    rows = fetch_dicts(
        con,
        "SELECT id, dataset, status, period, scope, note FROM batches WHERE id = ?",
        [batch_id],
    )
    if not rows:
        raise ReviewError(f"未知批次 {batch_id} / unknown batch {batch_id}")
    if rows[0]["status"] != "pending":
        raise ReviewError(
            f"批次 {batch_id} 状态为 {rows[0]['status']}，只有待审核批次可以审核 / batch "
            f"{batch_id} is {rows[0]['status']}: only pending batches can be reviewed"
        )
    return rows[0]
