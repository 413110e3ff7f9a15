"""Releases: a period's indicator values frozen as a numbered version, with a change note.

``release_period`` copies the working values of a period (``indicator_values``) into
``release_values`` under a new row of ``releases`` (version 1, 2, ... per period). A later
version is an amendment: its ``changes`` list what differs from the version before
(indicator, dimensions, old → new), computed, never typed. Nothing is updated or deleted.
A period with a blocking data-quality warning that has no explanation is refused
(``zhangjiang.quality``).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from zhangjiang.errors import ReleaseError
from zhangjiang.indicators import load_builtin
from zhangjiang.indicators.engine import value_record
from zhangjiang.periods import parse_period
from zhangjiang.phrasing.numbers import tidy
from zhangjiang.quality import refuse_unexplained
from zhangjiang.store import Store
from zhangjiang.store.duckdb import Connection, fetch_dicts, now

__all__ = ["RELEASED_STATUS", "diff_values", "read_releases", "release_period"]

#: The status released values carry (working values stay "provisional").
RELEASED_STATUS = "final"
_COLUMNS = (
    "indicator_id, dimensions, reference_period, reference_period_en, ref_start, "
    "ref_end, value, unit, status, definition_hash, computed_at, sources, previous, yoy"
)


def release_period(
    store: Store, period: str, user: str, note: str = ""
) -> dict[str, Any]:
    """Freeze the working values of ``period`` as its next version; return the release.

    Refused (ReleaseError) when the period has no values, is unchanged since its last
    version, or has a blocking data-quality warning, within it, without an explanation
    (``UnexplainedWarningsError``, listing them).
    """
    label = parse_period(period).label
    with store.transaction() as con:
        current = fetch_dicts(
            con,
            f"SELECT {_COLUMNS} FROM indicator_values WHERE period = ?",
            [label],
        )
        if not current:
            raise ReleaseError(
                f"报告期 {label} 尚无计算结果，请先计算 / period {label} has no computed "
                "values: compute it first"
            )
        last = fetch_dicts(
            con,
            "SELECT id, version FROM releases WHERE period = ? ORDER BY version DESC "
            "LIMIT 1",
            [label],
        )
        version = last[0]["version"] + 1 if last else 1
        changes: list[dict[str, Any]] = []
        if last:
            before = fetch_dicts(
                con,
                f"SELECT {_COLUMNS} FROM release_values WHERE release_id = ?",
                [last[0]["id"]],
            )
            changes = diff_values(before, current)
            if not changes:
                raise ReleaseError(
                    f"报告期 {label} 的数值与第 {last[0]['version']} 版相同，无需修订 / "
                    f"period {label} is unchanged since version {last[0]['version']}: "
                    "nothing to amend"
                )
        # 数据审核: a flagged figure is published only with a written explanation on file.
        refuse_unexplained(con, label)
        release_id = _insert_release(con, label, version, user, note, changes)
        con.execute(
            "INSERT INTO release_values SELECT ?, indicator_id, dimensions, "
            "reference_period, reference_period_en, ref_start, ref_end, value, unit, "
            "?, definition_hash, computed_at, sources, previous, yoy FROM indicator_values "
            "WHERE period = ?",
            [release_id, RELEASED_STATUS, label],
        )
    return {
        "id": release_id,
        "period": label,
        "version": version,
        "note": note,
        "changes": changes,
        "values": len(current),
    }


def diff_values(
    before: list[dict[str, Any]], after: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Return what changed between two sets of value rows: added, removed or changed."""
    registry = load_builtin()
    old = {(r["indicator_id"], r["dimensions"]): r["value"] for r in before}
    new = {(r["indicator_id"], r["dimensions"]): r["value"] for r in after}
    changes = []
    for key in sorted(set(old) | set(new)):
        was, now_ = old.get(key, _ABSENT), new.get(key, _ABSENT)
        if was == now_:
            continue
        ind = registry.get(key[0])
        changes.append(
            {
                "indicator_id": key[0],
                "title_zh": ind.title_zh if ind else key[0],
                "title_en": ind.title_en if ind else key[0],
                "dimensions": json.loads(key[1]),
                "old": _text(was),
                "new": _text(now_),
                "kind": "added"
                if was is _ABSENT
                else "removed"
                if now_ is _ABSENT
                else "changed",
            }
        )
    return changes


def read_releases(store: Store) -> list[dict[str, Any]]:
    """Return every release, newest first; the latest version of each period has its values.

    A store migrated before releases existed has none (an empty list).
    """
    with store.connect(read_only=True) as con:
        tables = {
            r["table_name"]
            for r in fetch_dicts(
                con, "SELECT table_name FROM information_schema.tables"
            )
        }
        if "releases" not in tables:
            return []
        releases = fetch_dicts(
            con,
            "SELECT id, period, version, released_at, released_by, note, changes "
            "FROM releases ORDER BY released_at DESC, id DESC",
        )
        latest: dict[str, int] = {}
        for r in releases:
            latest.setdefault(r["period"], r["id"])
        values: dict[int, list[dict[str, Any]]] = {i: [] for i in latest.values()}
        if latest:
            rows = fetch_dicts(
                con,
                f"SELECT release_id, period, {_COLUMNS} FROM release_values "
                "JOIN releases ON releases.id = release_id "
                "WHERE list_contains(?, release_id) ORDER BY indicator_id, dimensions",
                [list(latest.values())],
            )
            registry = load_builtin()
            for row in rows:
                values[row["release_id"]].append(_value(row, registry))
    return [
        {
            **{k: r[k] for k in ("id", "period", "version", "released_by", "note")},
            "released_at": r["released_at"],
            "changes": json.loads(r["changes"]),
            "latest": latest[r["period"]] == r["id"],
            "values": values.get(r["id"], []),
        }
        for r in releases
    ]


class _Absent:
    def __repr__(self) -> str:
        return "absent"


_ABSENT: Any = _Absent()


def _text(value: Any) -> str | None:
    if value is _ABSENT or value is None:
        return None
    return format(tidy(Decimal(value)), "f")


def _insert_release(
    con: Connection,
    period: str,
    version: int,
    user: str,
    note: str,
    changes: list[dict[str, Any]],
) -> int:
    row = con.execute(
        "INSERT INTO releases (period, version, released_at, released_by, note, changes) "
        "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        [period, version, now(), user, note, json.dumps(changes, ensure_ascii=False)],
    ).fetchone()
    assert row is not None
    return int(row[0])


def _value(row: dict[str, Any], registry: dict[str, Any]) -> dict[str, Any]:
    # The shape of indicators.read_values, so that pages and exports take either.
    return value_record(row, registry)
