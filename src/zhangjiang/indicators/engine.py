"""Compute indicators for a period, store their values, read them back."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal, localcontext
from typing import Any

from zhangjiang.indicators.model import Indicator, IndicatorValue
from zhangjiang.indicators.registry import get_indicator, load_builtin
from zhangjiang.periods import Period, parse_period, reference_label
from zhangjiang.phrasing.numbers import json_number, tidy
from zhangjiang.store import Store
from zhangjiang.store.duckdb import Connection, fetch_dicts, now

__all__ = [
    "compute",
    "evaluate",
    "read_values",
    "refresh_snapshot",
    "sql_params",
    "store_values",
    "to_value",
    "value_record",
]

_QUANTUM = Decimal("0.000001")
_PRECISION = 38


def sql_params(period: Period) -> dict[str, Any]:
    """Return the parameters every indicator query receives."""
    return {"start": period.start, "end": period.end, "year": period.year}


def evaluate(
    con: Connection, indicator: Indicator, period: Period
) -> list[dict[str, Any]]:
    """Run one indicator's SQL and return rows of dimensions, value, sources and ref_end."""
    used = {k: v for k, v in sql_params(period).items() if f"${k}" in indicator.sql}
    rows = fetch_dicts(con, indicator.sql, used)
    out = []
    for row in rows:
        missing = {"value", "sources"} - set(row)
        if missing:
            raise ValueError(
                f"indicator {indicator.id}: query lacks column(s) {sorted(missing)}"
            )
        out.append(row)
    return out


def compute(
    store: Store,
    period: str | Period,
    ids: Iterable[str] | None = None,
    status: str = "provisional",
) -> list[IndicatorValue]:
    """Compute indicators for ``period`` and store their values; unchanged values keep their row."""
    per = period if isinstance(period, Period) else parse_period(period)
    registry = load_builtin()
    chosen = [get_indicator(i) for i in ids] if ids else list(registry.values())
    computed: list[IndicatorValue] = []
    with store.transaction() as con:
        loaded = {
            r[0]
            for r in con.execute(
                "SELECT DISTINCT dataset FROM batches WHERE status = 'loaded'"
            ).fetchall()
        }
        for ind in chosen:
            # No data is a gap, not a zero: without a loaded batch of its primary input
            # (the first one declared) an indicator has no value at all.
            rows = evaluate(con, ind, per) if ind.inputs[0] in loaded else []
            values = [to_value(ind, per, row, status) for row in rows]
            store_values(con, ind, per, values)
            computed.extend(values)
    refresh_snapshot(store)
    return computed


def refresh_snapshot(store: Store) -> None:
    """Rewrite the immutable snapshot the web app serves, so it shows the new values."""
    from zhangjiang.snapshot import (
        write_snapshot,  # late: snapshot reads values through this module
    )

    write_snapshot(store)


def read_values(
    store: Store, period: str | None = None, ids: Iterable[str] | None = None
) -> list[dict[str, Any]]:
    """Return stored values joined with their indicator's titles, as JSON-ready dicts."""
    registry = load_builtin()
    sql = "SELECT * FROM indicator_values"
    where, params = [], []
    if period:
        where.append("period = ?")
        params.append(parse_period(period).label)
    id_list = list(ids or [])
    if id_list:
        where.append("list_contains(?, indicator_id)")
        params.append(id_list)
    if where:
        sql += " WHERE " + " AND ".join(where)
    rows = store.query(sql + " ORDER BY indicator_id, dimensions", params)
    return [value_record(row, registry) for row in rows]


def value_record(row: dict[str, Any], registry: dict[str, Indicator]) -> dict[str, Any]:
    """Return a stored ``indicator_values`` row (or a release's copy) as a JSON-ready dict."""
    ind = registry.get(row["indicator_id"])
    return {
        "id": row["indicator_id"],
        "title_zh": ind.title_zh if ind else row["indicator_id"],
        "title_en": ind.title_en if ind else row["indicator_id"],
        "unit": row["unit"],
        "unit_en": ind.unit_en if ind else "",
        "value": None if row["value"] is None else tidy(row["value"]),
        "dimensions": json.loads(row["dimensions"]),
        "period": row["period"],
        "reference_period": row["reference_period"],
        "reference_period_en": row["reference_period_en"],
        "ref_start": row["ref_start"],
        "ref_end": row["ref_end"],
        "status": row["status"],
        "sources": list(row["sources"]),
        "definition_hash": row["definition_hash"],
        "computed_at": row["computed_at"],
    }


def to_value(
    ind: Indicator, period: Period, row: dict[str, Any], status: str
) -> IndicatorValue:
    """Turn one result row of an indicator's SQL into a labelled, exact value."""
    dims = {d: _plain(row.get(d)) for d in ind.dimensions}
    ref_end = row.get("ref_end")
    if ref_end is not None and not isinstance(ref_end, date):
        raise ValueError(f"indicator {ind.id}: ref_end must be a DATE")
    label_zh, label_en = reference_label(ind.period_rule, period, ref_end)
    value = row["value"]
    if value is not None:
        with localcontext(prec=_PRECISION):  # DECIMAL(38, 6) holds values up to 1e32
            value = Decimal(str(value)).quantize(_QUANTUM)
    sources = tuple(sorted({int(s) for s in (row["sources"] or []) if s is not None}))
    ref_start = period.start if ind.period_rule in ("year", "ytd") else None
    return IndicatorValue(
        ind.id,
        dims,
        period.label,
        label_zh,
        label_en,
        value,
        ind.unit,
        status,
        ind.definition_hash,
        None,
        sources,
        ref_start,
        ref_end or (period.end - timedelta(days=1)),
    )


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return json_number(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def store_values(
    con: Connection, ind: Indicator, period: Period, values: list[IndicatorValue]
) -> None:
    """Replace an indicator's stored values for a period; unchanged rows stay as they are."""
    existing = {
        r["dimensions"]: r
        for r in fetch_dicts(
            con,
            "SELECT * FROM indicator_values WHERE indicator_id = ? AND period = ?",
            [ind.id, period.label],
        )
    }
    keep: set[str] = set()
    stamp = now()
    for v in values:
        dims = json.dumps(v.dimensions, sort_keys=True, ensure_ascii=False)
        keep.add(dims)
        old = existing.get(dims)
        if old is not None and _same(old, v):
            continue
        con.execute(
            "DELETE FROM indicator_values WHERE indicator_id = ? AND period = ? AND dimensions = ?",
            [ind.id, period.label, dims],
        )
        con.execute(
            "INSERT INTO indicator_values VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                ind.id,
                dims,
                period.label,
                v.reference_period,
                v.reference_period_en,
                v.ref_start,
                v.ref_end,
                v.value,
                v.unit,
                v.status,
                v.definition_hash,
                stamp,
                list(v.sources),
            ],
        )
    for dims in set(existing) - keep:
        con.execute(
            "DELETE FROM indicator_values WHERE indicator_id = ? AND period = ? AND dimensions = ?",
            [ind.id, period.label, dims],
        )


def _same(old: dict[str, Any], new: IndicatorValue) -> bool:
    return (
        old["value"] == new.value
        and old["reference_period"] == new.reference_period
        and old["status"] == new.status
        and old["definition_hash"] == new.definition_hash
        and list(old["sources"]) == list(new.sources)
        and old["ref_end"] == new.ref_end
    )
