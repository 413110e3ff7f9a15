"""Completeness: which (period x reporter) cells of a form are in, and which months are complete.

Monthly forms carry the month's own figure; a year-to-date sum is a sum of *complete*
months (GLOSSARY: a report never labels a partial sum as 1—N月). The expected reporters
of a month are the units that reported the form that year in that month or earlier: a
unit that starts in May is expected from May on, and a unit that stops sending is missing
in every later month until it sends again (a missing form is followed up, not ignored).
A month is complete when it has data and no expected reporter is missing, and the
year-to-date window runs from January through the last month before the first incomplete
one, so a hole in the middle never yields a smaller sum under a complete-looking label.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from zhangjiang.cells import cell_sql, current_cells
from zhangjiang.forms.model import Form

if TYPE_CHECKING:
    from zhangjiang.store.duckdb import Connection

__all__ = ["Presence", "presence", "rows_presence"]

# The form whose cells the HPC rollup lists (zhangjiang.indicators.hpc_rollup).
_ROLLUP_FORM = "hpc-jobs"


@dataclass
class Presence:
    """The cells of one form that hold current data: period label -> reporters."""

    form: Form
    cells: dict[str, set[str]] = field(default_factory=dict)

    def years(self) -> set[int]:
        """Return the years any current cell falls in."""
        return {int(p[:4]) for p in self.cells if p[:4].isdigit()}

    def months(self, year: int) -> list[int]:
        """Return the months of ``year`` with data (monthly forms and event lists)."""
        prefix = f"{year:04d}-"
        return sorted(
            int(p[5:7])
            for p in self.cells
            if p.startswith(prefix) and len(p) == 7 and p[5:7].isdigit()
        )

    def has_year(self, year: int) -> bool:
        """Return True when some current cell falls in ``year``.

        A register sent without a period (``''``) holds for every year.
        """
        return "" in self.cells or year in self.years()

    def has_month(self, year: int, month: int) -> bool:
        """Return True when the month has data (for annual forms: when its year has)."""
        if self.form.cycle in ("monthly", "events"):
            return "" in self.cells or bool(self.cells.get(f"{year:04d}-{month:02d}"))
        return self.has_year(year)

    def missing(self, year: int) -> dict[int, set[str]]:
        """Return, for each month of ``year`` up to its latest month with data, the
        expected reporters that have not reported it."""
        months = self.months(year)
        if not months:
            return {}
        first: dict[str, int] = {}
        for m in months:
            for who in self.cells[f"{year:04d}-{m:02d}"]:
                first.setdefault(who, m)
        out: dict[int, set[str]] = {}
        for m in range(1, max(months) + 1):
            have = self.cells.get(f"{year:04d}-{m:02d}", set())
            out[m] = {who for who, since in first.items() if since <= m} - have
        return out

    def complete_through(self, year: int) -> int | None:
        """Return the last month M such that January to M are all complete, or None."""
        missing = self.missing(year)
        last = None
        for m in sorted(missing):
            if missing[m] or not self.cells.get(f"{year:04d}-{m:02d}"):
                break
            last = m
        return last

    def is_complete(self, year: int, month: int) -> bool:
        """Return True when the month has data and no expected reporter is missing."""
        missing = self.missing(year)
        return (
            month in missing
            and not missing[month]
            and bool(self.cells.get(f"{year:04d}-{month:02d}"))
        )


def presence(con: Connection, form: Form) -> Presence:
    """Return the current cells of ``form`` (loaded batches, cells not replaced)."""
    if form.mode == "replace":
        rows = list(current_cells(con, form.name))
        if not rows:  # batches of a register loaded without cells: present, no period
            rows = con.execute(
                "SELECT coalesce(period, ''), '' FROM batches WHERE dataset = ? AND status = 'loaded'",
                [form.name],
            ).fetchall()
        return _presence(form, rows)
    rows = _rollup_cells(con, form)
    if rows is None:
        return rows_presence(con, form)
    return _presence(form, rows)


def rows_presence(con: Connection, form: Form) -> Presence:
    """Return the cells of an append form read from its rows (what a rollup stands for)."""
    period, reporter = cell_sql(form, "t")
    when = period or "''"
    rows = con.execute(f"SELECT DISTINCT {when}, {reporter} FROM {form.view} t")
    return _presence(form, rows.fetchall())


def _presence(form: Form, rows: Iterable[tuple[object, object]]) -> Presence:
    cells: dict[str, set[str]] = defaultdict(set)
    for period_label, who in rows:
        cells[str(period_label)].add(str(who))
    return Presence(form, dict(cells))


def _rollup_cells(con: Connection, form: Form) -> list[tuple[str, str]] | None:
    """Return the cells of ``form`` from the rollup ingest keeps, or None without one.

    The job log's cells are (month of end, system): ``hpc_rollup_ends`` lists them per
    batch, a few rows instead of a scan of every job. It serves only while it holds
    every loaded batch; rows without an end time (none pass validation) are added from
    the rows, which the column statistics answer without a scan.
    """
    if form.name != _ROLLUP_FORM:
        return None
    from zhangjiang.indicators.hpc_rollup import READY_SQL

    ready = con.execute(READY_SQL).fetchone()
    if ready is None or not ready[0]:
        return None
    period, reporter = cell_sql(form, "t")
    return con.execute(
        f"""SELECT DISTINCT strftime(e.month, '%Y-%m'),
            coalesce(CAST(e.system AS VARCHAR), '')
        FROM hpc_rollup_ends e
        WHERE e.batch_id IN (SELECT id FROM batches WHERE status = 'loaded')
        UNION
        SELECT DISTINCT {period}, {reporter} FROM {form.view} t
        WHERE t."{form.period_column}" IS NULL"""
    ).fetchall()
