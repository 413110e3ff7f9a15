"""Staleness: which inputs changed since the last compute, so no old value passes as current.

Every compute records each loaded batch and its number of current cells
(``compute_runs``). A batch loaded since, one superseded since, or one that lost cells to
a newer batch since, makes the stored values stale until the next compute.
"""

from __future__ import annotations

import json
from typing import Any

from zhangjiang.store import Store

__all__ = ["stale_inputs", "staleness_notice"]


def stale_inputs(store: Store) -> list[dict[str, Any]]:
    """Return the batches whose change the stored values do not reflect yet.

    Each item: ``batch_id``, ``dataset``, ``file``, ``change`` (``loaded`` | ``superseded``
    | ``cells-replaced``). Empty when nothing changed, or when nothing was ever computed.
    """
    from zhangjiang.indicators.engine import input_state  # late: engine imports store

    with store.connect(read_only=True) as con:
        tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
        if (
            "compute_runs" not in tables
        ):  # a store not migrated since computes were recorded
            return []
        row = con.execute(
            "SELECT inputs FROM compute_runs ORDER BY computed_at DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return []
        before: dict[str, int] = json.loads(row[0])
        now = input_state(con)
        batches = {
            str(r[0]): (r[1], r[2], r[3])
            for r in con.execute(
                "SELECT id, dataset, file_name, status FROM batches"
            ).fetchall()
        }
    out = []
    for bid in sorted(set(before) | set(now), key=int):
        if bid in now and bid not in before:
            change = "loaded"
        elif bid in before and bid not in now:
            change = "superseded"
        elif before[bid] != now[bid]:
            change = "cells-replaced"
        else:
            continue
        dataset, file_name, _ = batches.get(bid, ("", "", ""))
        out.append(
            {
                "batch_id": int(bid),
                "dataset": dataset,
                "file": file_name,
                "change": change,
            }
        )
    return out


_CHANGES = {
    "loaded": ("新加载", "loaded"),
    "superseded": ("已被取代", "superseded"),
    "cells-replaced": ("部分数据被更正", "partly replaced"),
}


def staleness_notice(stale: list[dict[str, Any]]) -> tuple[str, str] | None:
    """Return the zh and en notice that values predate these input changes, or None."""
    if not stale:
        return None
    zh = "；".join(
        f"批次 {s['batch_id']}（{s['dataset']}，{s['file']}）{_CHANGES[s['change']][0]}"
        for s in stale
    )
    en = "; ".join(
        f"batch {s['batch_id']} ({s['dataset']}, {s['file']}) {_CHANGES[s['change']][1]}"
        for s in stale
    )
    return (
        f"注意：上次计算后输入数据有变化，以下数值尚未重新计算：{zh}。请运行 zhangjiang compute。",
        f"Note: inputs changed after the last compute; these values are not recomputed yet: "
        f"{en}. Run zhangjiang compute.",
    )
