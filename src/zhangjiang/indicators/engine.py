"""Compute indicators for a period, store their values, read them back."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal, localcontext
from typing import Any

from zhangjiang.indicators.cycle import Cycle
from zhangjiang.indicators.model import Indicator, IndicatorValue, dimensions_key
from zhangjiang.indicators.registry import get_indicator, load_builtin
from zhangjiang.ingest.jobs_rollup import refresh_missing
from zhangjiang.periods import Period, parse_period, reference_label, year_before
from zhangjiang.phrasing.numbers import json_number, tidy
from zhangjiang.store import Store
from zhangjiang.store.duckdb import Connection, fetch_dicts, now

__all__ = [
    "compute",
    "compute_values",
    "evaluate",
    "input_state",
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
    con: Connection, indicator: Indicator, period: Period, cycle: Cycle | None = None
) -> list[dict[str, Any]]:
    """Run one indicator's SQL and return rows of dimensions, value, sources and ref_end.

    With ``cycle`` (a compute run) the rollup's readiness is checked once per run.
    """
    sql = _query(con, indicator, period, cycle)
    used = {k: v for k, v in sql_params(period).items() if f"${k}" in sql}
    rows = fetch_dicts(con, sql, used)
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
    period: str | Period | None = None,
    ids: Iterable[str] | None = None,
    status: str = "provisional",
) -> list[IndicatorValue]:
    """Compute indicators for every period with data (or those within ``period``) and store them.

    Without ``period`` every year with data is computed, with the months of monthly
    indicators and the year-to-date windows of year-to-date ones (``2022-01/2022-10``).
    ``period="2022"`` restricts that to 2022, ``period="2022-10"`` to October. Each value
    carries the comparable value of the same period a year earlier and the change in per
    cent. Unchanged values keep their stored row. Refreshing what shows the values (the web
    snapshot) is the caller's business.
    """
    registry = load_builtin()
    chosen = [get_indicator(i) for i in ids] if ids else list(registry.values())
    # Growth rates derived from another indicator come after it.
    chosen.sort(key=lambda ind: ind.yoy_of is not None)
    computed: list[IndicatorValue] = []
    with store.transaction() as con:
        refresh_missing(con)
        cycle = Cycle(con)
        periods = cycle.periods(period)
        stored = _stored_values(con, [p.label for p in periods])
        done: dict[tuple[str, str], list[IndicatorValue]] = {}
        for per in periods:
            for ind in chosen:
                if not cycle.applies(ind, per):
                    continue
                if ind.yoy_of is not None:
                    base = done.get((ind.yoy_of, per.label))
                    if base is None:
                        base = compute_values(
                            con, cycle, registry[ind.yoy_of], per, status
                        )
                    values = [growth_value(ind, v) for v in base if v.yoy is not None]
                else:
                    values = compute_values(con, cycle, ind, per, status)
                done[(ind.id, per.label)] = values
                store_values(con, ind, per, values, stored.get((ind.id, per.label), []))
                computed.extend(values)
        record_run(con, [p.label for p in periods])
    return computed


def compute_values(
    con: Connection, cycle: Cycle, ind: Indicator, per: Period, status: str
) -> list[IndicatorValue]:
    """Evaluate one indicator for one period, with the previous year's comparable values."""
    window = cycle.window(ind, per)
    if window is None:
        return []  # no data (or no complete month) for the period: a gap, never a zero
    rows = evaluate(con, ind, window, cycle)
    if not rows:
        return []
    ends = [r["ref_end"] for r in rows if isinstance(r.get("ref_end"), date)]
    last = min(window.end, max(ends) + timedelta(days=1)) if ends else window.end
    before = Period(window.label, year_before(window.start), year_before(last))
    previous: dict[str, Any] = {}
    current: dict[str, Any] = {}
    if cycle.window(ind, before, exact=True) is not None:
        with cycle.comparable(ind, window, before):
            previous = _by_dims(ind, evaluate(con, ind, before, cycle))
            if ind.comparable:
                current = _by_dims(ind, evaluate(con, ind, window, cycle))
    values = []
    for row in rows:
        value = to_value(ind, per, row, status)
        dims = dimensions_key(value.dimensions)
        prev = previous.get(dims)
        now_value = current.get(dims, value.value) if ind.comparable else value.value
        values.append(replace(value, previous=prev, yoy=_growth(now_value, prev)))
    return values


def _query(
    con: Connection, indicator: Indicator, period: Period, cycle: Cycle | None = None
) -> str:
    """Return the SQL to run: the rollup's when it holds for ``period``, else ``sql``."""
    whole_months = period.start.day == 1 and period.end.day == 1
    if indicator.rollup_sql and whole_months and not indicator.comparable:
        if cycle is not None:
            ready = cycle.holds(indicator.rollup_ready)
        else:
            row = con.execute(indicator.rollup_ready).fetchone()
            ready = row is not None and bool(row[0])
        if ready:
            return indicator.rollup_sql
    return indicator.sql


def growth_value(ind: Indicator, base: IndicatorValue) -> IndicatorValue:
    """Return the year-on-year change of ``base`` as a value of the growth indicator ``ind``."""
    return replace(
        base,
        indicator_id=ind.id,
        value=base.yoy,
        unit=ind.unit,
        definition_hash=ind.definition_hash,
        previous=None,
        yoy=None,
    )


def _by_dims(ind: Indicator, rows: list[dict[str, Any]]) -> dict[str, Any]:
    out = {}
    for row in rows:
        dims = {d: _plain(row.get(d)) for d in ind.dimensions}
        if row["value"] is not None:
            out[dimensions_key(dims)] = _exact(row["value"])
    return out


def _growth(current: Any, previous: Any) -> Decimal | None:
    """Return the change from ``previous`` to ``current`` in per cent, None if undefined."""
    if current is None or previous is None or previous == 0:
        return None
    with localcontext(prec=_PRECISION):
        change = (Decimal(current) - Decimal(previous)) * 100 / abs(Decimal(previous))
        return change.quantize(_QUANTUM)


def _exact(value: Any) -> Decimal:
    with localcontext(prec=_PRECISION):  # DECIMAL(38, 6) holds values up to 1e32
        return Decimal(str(value)).quantize(_QUANTUM)


def record_run(con: Connection, periods: list[str]) -> None:
    """Record what a compute read: each loaded batch and its number of current cells."""
    con.execute(
        "INSERT INTO compute_runs VALUES (?, ?, ?)",
        [now(), json.dumps(periods), json.dumps(input_state(con), sort_keys=True)],
    )


def input_state(con: Connection) -> dict[str, int]:
    """Return each loaded batch id (as text) with its number of current cells."""
    rows = con.execute(
        "SELECT b.id, count(c.batch_id) FILTER (WHERE c.active) FROM batches b "
        "LEFT JOIN batch_cells c ON c.batch_id = b.id WHERE b.status = 'loaded' GROUP BY b.id"
    ).fetchall()
    return {str(r[0]): int(r[1]) for r in rows}


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
        "previous": _number(row.get("previous")),
        "yoy": _number(row.get("yoy")),
        "change": _change(row),
    }


def _number(value: Any) -> Any:
    return None if value is None else tidy(value)


def _change(row: dict[str, Any]) -> Any:
    """Return value minus the comparable previous value (percentage points for shares)."""
    if row.get("value") is None or row.get("previous") is None:
        return None
    return tidy(row["value"] - row["previous"])


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
        value = _exact(value)
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
    con: Connection,
    ind: Indicator,
    period: Period,
    values: list[IndicatorValue],
    stored: list[dict[str, Any]] | None = None,
) -> None:
    """Replace an indicator's stored values for a period; unchanged rows stay as they are.

    ``stored`` are its rows as stored now, when the caller read them already.
    """
    if stored is None:
        stored = fetch_dicts(
            con,
            "SELECT * FROM indicator_values WHERE indicator_id = ? AND period = ?",
            [ind.id, period.label],
        )
    existing = {r["dimensions"]: r for r in stored}
    keep: set[str] = set()
    stamp = now()
    for v in values:
        dims = dimensions_key(v.dimensions)
        keep.add(dims)
        old = existing.get(dims)
        if old is not None and _same(old, v):
            continue
        con.execute(
            "DELETE FROM indicator_values WHERE indicator_id = ? AND period = ? AND dimensions = ?",
            [ind.id, period.label, dims],
        )
        con.execute(
            "INSERT INTO indicator_values VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                v.previous,
                v.yoy,
            ],
        )
    for dims in set(existing) - keep:
        con.execute(
            "DELETE FROM indicator_values WHERE indicator_id = ? AND period = ? AND dimensions = ?",
            [ind.id, period.label, dims],
        )


def _stored_values(
    con: Connection, periods: list[str]
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Return the stored values of ``periods`` by (indicator id, period), in one read."""
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in fetch_dicts(
        con,
        "SELECT * FROM indicator_values WHERE list_contains(?, period)",
        [periods],
    ):
        out.setdefault((row["indicator_id"], row["period"]), []).append(row)
    return out


def _same(old: dict[str, Any], new: IndicatorValue) -> bool:
    return (
        old["value"] == new.value
        and old["reference_period"] == new.reference_period
        and old["status"] == new.status
        and old["definition_hash"] == new.definition_hash
        and list(old["sources"]) == list(new.sources)
        and old["ref_end"] == new.ref_end
        and old["previous"] == new.previous
        and old["yoy"] == new.yoy
    )
