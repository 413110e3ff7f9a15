"""Cells: the (period x reporter) units a submission covers, and which batch holds each.

A statistics office receives forms per period and per reporting unit: the IC revenue of
enterprise X for October 2022 is one cell. A file's batch covers the cells its rows fall
in. A later batch replaces exactly the cells it covers again (a corrected October replaces
October), adds the cells it brings new, and leaves every other cell with the batch that
holds it. A cell whose rows are the same as the current ones is *unchanged*: it stays with
the older batch, so loading the same content twice changes nothing.

A cell also has a *source*: the database a publication list was exported from
(``cnki``, ``wos``, ``scopus``, …; ``''`` for every other form). Lists of one facility
and year from different sources add up (a facility's papers are the union of its
lists); a later list replaces only the cells of its own source, so a corrected CNKI
export replaces the CNKI export and leaves the Web of Science one alone.

The period of a cell follows the form's frequency (``Form.cycle``): ``2022-10`` for
monthly forms and event lists (the month of the row's date), ``2022-Q4`` quarterly,
``2022`` annual, the date for as-of forms, and the batch's declared period (or ``''``)
for registers, which are sent whole. The reporter is the value of the form's reporter
column (``''`` when it has none).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from zhangjiang.forms.model import Form

if TYPE_CHECKING:
    from zhangjiang.store.duckdb import Connection

__all__ = [
    "Cell",
    "CellPlan",
    "cell_of",
    "cell_sql",
    "cells_of_rows",
    "current_cells",
    "legacy_cells_sql",
    "plan_cells",
    "record_cells",
    "take_cells",
]

Cell = tuple[str, str]  # (period, reporter)


@dataclass
class CellPlan:
    """What loading a batch does to the cells of its dataset."""

    added: list[Cell] = field(default_factory=list)
    replaced: list[tuple[Cell, int]] = field(default_factory=list)  # (cell, old batch)
    unchanged: list[tuple[Cell, int]] = field(default_factory=list)  # (cell, holder)
    superseded: list[int] = field(default_factory=list)  # batches left with no cell

    @property
    def changes_anything(self) -> bool:
        """Return True when the batch adds or replaces at least one cell."""
        return bool(self.added or self.replaced)

    def replaced_batches(self) -> list[int]:
        """Return the ids of the batches losing cells, sorted."""
        return sorted({b for _, b in self.replaced})

    def to_dict(self) -> dict[str, Any]:
        """Return the plan as a JSON-ready dict."""
        return {
            "added": [_cell_dict(c) for c in self.added],
            "replaced": [_cell_dict(c) | {"batch_id": b} for c, b in self.replaced],
            "unchanged": [_cell_dict(c) | {"batch_id": b} for c, b in self.unchanged],
            "superseded": self.superseded,
        }

    def summary(self) -> tuple[str, str]:
        """Return a one-line zh and en summary: cells added, replaced (of which batches), unchanged."""
        batches = ", ".join(map(str, self.replaced_batches()))
        of_zh = f"（批次 {batches}）" if batches else ""
        of_en = f" (of batch {batches})" if batches else ""
        return (
            f"新增 {len(self.added)} 个报送单元，替换 {len(self.replaced)} 个{of_zh}，"
            f"未变 {len(self.unchanged)} 个",
            f"cells added {len(self.added)}, replaced {len(self.replaced)}{of_en}, "
            f"unchanged {len(self.unchanged)}",
        )


def _cell_dict(cell: Cell) -> dict[str, str]:
    return {"period": cell[0], "reporter": cell[1]}


def cell_of(form: Form, row: dict[str, Any], batch_period: str | None) -> Cell:
    """Return the (period, reporter) cell a validated row falls in."""
    reporter = form.reporter
    who = "" if reporter is None or row.get(reporter) is None else str(row[reporter])
    return _cell_period(form, row, batch_period), who


def _cell_period(form: Form, row: dict[str, Any], batch_period: str | None) -> str:
    cycle = form.cycle
    if form.period_column is None or cycle == "register":
        return batch_period or ""
    value = row.get(form.period_column)
    if value is None:
        return ""
    if isinstance(value, int):  # a year column
        return str(value)
    if not isinstance(value, date):
        raise TypeError(f"period value {value!r} of form {form.name} is not a date")
    day = value.date() if isinstance(value, datetime) else value
    match cycle:
        case "annual":
            return f"{day.year:04d}"
        case "quarterly":
            return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
        case "asof":
            return day.isoformat()
    return f"{day.year:04d}-{day.month:02d}"  # monthly forms and event lists


def cell_sql(form: Form, alias: str) -> tuple[str | None, str]:
    """Return SQL expressions of a stored row's cell period and reporter.

    They give the same strings as ``cell_of``. The period is None for registers, whose
    batch has one period for all its rows.
    """
    reporter = (
        f"coalesce(CAST({alias}.\"{form.reporter}\" AS VARCHAR), '')"
        if form.reporter
        else "''"
    )
    if form.period_column is None or form.cycle == "register":
        return None, reporter
    col = f'{alias}."{form.period_column}"'
    if form.column(form.period_column).type == "year":
        expr = f"CAST({col} AS VARCHAR)"
    else:
        expr = {
            "annual": f"strftime({col}, '%Y')",
            "quarterly": f"strftime({col}, '%Y') || '-Q' || CAST(quarter({col}) AS VARCHAR)",
            "asof": f"strftime({col}, '%Y-%m-%d')",
        }.get(form.cycle, f"strftime({col}, '%Y-%m')")
    return f"coalesce({expr}, '')", reporter


def cells_of_rows(
    form: Form, rows: list[dict[str, Any]], batch_period: str | None
) -> dict[Cell, tuple[int, str]]:
    """Return each cell the rows cover with its row count and a digest of its content.

    The digest ignores row order and source row numbers: the same figures in another
    layout of the file are the same content.
    """
    names = [c.name for c in form.columns]
    texts: dict[Cell, list[str]] = defaultdict(list)
    for row in rows:
        texts[cell_of(form, row, batch_period)].append(
            json.dumps([_text(row.get(n)) for n in names], ensure_ascii=False)
        )
    out = {}
    for cell, lines in texts.items():
        digest = hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()
        out[cell] = (len(lines), digest)
    return out


def _text(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def current_cells(
    con: Connection,
    dataset: str,
    exclude_batch: int | None = None,
    source: str | None = None,
) -> dict[Cell, tuple[int, str]]:
    """Return the current cells of a dataset: cell -> (holding batch, digest).

    A cell is current when it is active and its batch is loaded. With ``source``, only
    the cells of that source; without, a cell held in several sources appears once.
    """
    sql = (
        "SELECT c.period, c.reporter, c.batch_id, c.digest FROM batch_cells c "
        "JOIN batches b ON b.id = c.batch_id WHERE b.dataset = ? AND b.status = 'loaded' "
        "AND c.active AND c.batch_id IS DISTINCT FROM ?"
    )
    params: list[Any] = [dataset, exclude_batch]
    if source is not None:
        sql += " AND coalesce(c.source, '') = ?"
        params.append(source)
    return {
        (r[0], r[1]): (int(r[2]), r[3]) for r in con.execute(sql, params).fetchall()
    }


def plan_cells(
    con: Connection,
    form: Form,
    cells: dict[Cell, tuple[int, str]],
    exclude_batch: int | None = None,
    source: str = "",
) -> CellPlan:
    """Compare a batch's cells with the current ones of its dataset and source, storing nothing."""
    plan = CellPlan()
    if form.mode != "replace":
        plan.added = sorted(cells)
        return plan
    current = current_cells(con, form.name, exclude_batch, source)
    for cell in sorted(cells):
        held = current.get(cell)
        if held is None:
            plan.added.append(cell)
        elif held[1] == cells[cell][1]:
            plan.unchanged.append((cell, held[0]))
        else:
            plan.replaced.append((cell, held[0]))
    return plan


def record_cells(
    con: Connection,
    form: Form,
    batch_id: int,
    cells: dict[Cell, tuple[int, str]],
    source: str = "",
) -> None:
    """Store the cells a new batch covers (active until it is loaded and compared)."""
    _many(
        con,
        "INSERT INTO batch_cells (batch_id, dataset, period, reporter, rows, digest, "
        "active, replaced_by, source) VALUES (?, ?, ?, ?, ?, ?, true, NULL, ?)",
        [
            [batch_id, form.name, period, reporter, rows, digest, source]
            for (period, reporter), (rows, digest) in sorted(cells.items())
        ],
    )


def take_cells(con: Connection, form: Form, batch_id: int) -> CellPlan:
    """Make a just-loaded batch the holder of the cells it changes; return the plan applied.

    Replaced cells of older batches become inactive (``replaced_by``); the batch's own
    unchanged cells become inactive so the older, identical rows stay current. An older
    batch left with no current cell is marked superseded.
    """
    rows = con.execute(
        "SELECT period, reporter, rows, digest, coalesce(source, '') FROM batch_cells "
        "WHERE batch_id = ?",
        [batch_id],
    ).fetchall()
    cells = {(r[0], r[1]): (int(r[2]), r[3]) for r in rows}
    source = rows[0][4] if rows else ""
    plan = plan_cells(con, form, cells, exclude_batch=batch_id, source=source)
    if form.mode != "replace":
        return plan
    _many(
        con,
        "UPDATE batch_cells SET active = false, replaced_by = ? "
        "WHERE batch_id = ? AND period = ? AND reporter = ?",
        [[batch_id, old, p, r] for (p, r), old in plan.replaced],
    )
    _many(
        con,
        "UPDATE batch_cells SET active = false WHERE batch_id = ? AND period = ? AND reporter = ?",
        [[batch_id, p, r] for (p, r), _ in plan.unchanged],
    )
    for old in plan.replaced_batches():
        left = con.execute(
            "SELECT count(*) FROM batch_cells WHERE batch_id = ? AND active", [old]
        ).fetchone()
        if left is not None and left[0] == 0:
            plan.superseded.append(old)
            con.execute(
                "UPDATE batches SET status = 'superseded', superseded_by = ? WHERE id = ?",
                [batch_id, old],
            )
    return plan


def _many(con: Connection, sql: str, params: list[list[Any]]) -> None:
    if params:
        con.executemany(sql, params)


def legacy_cells_sql(form: Form) -> str:
    """Return SQL recording the cells of loaded batches stored before cells existed.

    Their digest is a placeholder, so a later identical file counts as replacing them.
    """
    period, reporter = cell_sql(form, "t")
    if period is None:
        period = (
            "(SELECT coalesce(b.period, '') FROM batches b WHERE b.id = t._batch_id)"
        )
    return (
        "INSERT INTO batch_cells (batch_id, dataset, period, reporter, rows, digest, "
        f"active, replaced_by) SELECT _batch_id, '{form.name}', {period} AS p, "
        f"{reporter} AS r, count(*), 'legacy', true, NULL FROM {form.table} t "
        "WHERE _batch_id IN (SELECT id FROM batches WHERE status IN ('loaded', 'pending')) "
        "AND _batch_id NOT IN (SELECT batch_id FROM batch_cells) GROUP BY _batch_id, p, r"
    )
