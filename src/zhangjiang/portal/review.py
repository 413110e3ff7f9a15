"""Who may see a batch, and the statistician's review: approve (pending → loaded) or reject.

A batch belongs to the facility it was ``submitted_for`` (recorded in the application
database when it is uploaded through the portal). A batch loaded otherwise (the CLI, the
demo) belongs to the facilities of its ``scope`` — an operator sees it only when every
scope value is one of theirs. Statisticians see every batch; nobody else sees a batch that
is not loaded or superseded.
"""

from __future__ import annotations

from typing import Any

from zhangjiang.cells import take_cells
from zhangjiang.errors import ReviewError
from zhangjiang.forms import get_form
from zhangjiang.portal.accounts import Account
from zhangjiang.portal.state import AppState, utc_now
from zhangjiang.store import Store
from zhangjiang.store.duckdb import fetch_dicts

__all__ = [
    "approve_batch",
    "batch_owners",
    "can_see_batch",
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
        batch = _pending(con, batch_id)
        form = get_form(batch["dataset"])
        con.execute("UPDATE batches SET status = 'loaded' WHERE id = ?", [batch_id])
        plan = take_cells(con, form, batch_id)
        superseded = plan.superseded
        repeated = 0
        if form.connector == "hpc-jobs":
            from zhangjiang.ingest.jobs_load import drop_repeated_runs

            repeated = drop_repeated_runs(con, batch_id)
    return {
        "id": batch_id,
        "status": "loaded",
        "superseded": superseded,
        "plan": plan.to_dict(),
        "repeated_runs": repeated,
    }


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
