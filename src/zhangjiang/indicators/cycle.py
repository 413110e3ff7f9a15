"""The reporting cycle as the engine sees it: which periods to compute, and each value's window.

A year-to-date indicator over a monthly form sums January through the last complete
month (``zhangjiang.completeness``); a month's value exists once that month is complete;
any other indicator has a value for a period in which its primary input has data. No
data is a gap, never a zero.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

from zhangjiang.completeness import Presence, presence
from zhangjiang.forms import FORMS, Form, get_form
from zhangjiang.indicators.model import Indicator
from zhangjiang.indicators.registry import get_indicator, load_builtin
from zhangjiang.periods import Period, month_period, parse_period, ytd_period
from zhangjiang.store.duckdb import Connection

__all__ = ["Cycle"]


class Cycle:
    """Periods and windows of one compute run, over one connection (presence cached)."""

    def __init__(self, con: Connection) -> None:
        self.con = con
        self._presence: dict[str, Presence] = {}
        self._holds: dict[str, bool] = {}

    def holds(self, sql: str) -> bool:
        """Return the truth of the one-value query ``sql`` (a rollup's readiness), cached."""
        if sql not in self._holds:
            row = self.con.execute(sql).fetchone()
            self._holds[sql] = row is not None and bool(row[0])
        return self._holds[sql]

    def presence(self, form: Form) -> Presence:
        """Return the current cells of ``form`` (cached for the run)."""
        if form.name not in self._presence:
            self._presence[form.name] = presence(self.con, form)
        return self._presence[form.name]

    def primary(self, ind: Indicator) -> Form:
        """Return the form of an indicator's primary input (of its base, for growth rates)."""
        if ind.yoy_of is not None:
            return self.primary(get_indicator(ind.yoy_of))
        return get_form(ind.inputs[0])

    def is_ytd_monthly(self, ind: Indicator) -> bool:
        """Return True for a year-to-date sum over a monthly form with reporters."""
        if ind.yoy_of is not None:
            return self.is_ytd_monthly(get_indicator(ind.yoy_of))
        form = self.primary(ind)
        return (
            ind.period_rule == "ytd"
            and form.cycle == "monthly"
            and form.reporter is not None
        )

    def data_years(self) -> list[int]:
        """Return the years of the reporting cycle: those with data in a form units send
        monthly, quarterly or annually; without such forms, any year with data.

        Event lists and registers reach back years (listings since 2000) and job logs spill
        into the next January; they are computed within these years, not for their own.
        """
        periodic: set[int] = set()
        anything: set[int] = set()
        for form in FORMS.values():
            if form.period_column is None:
                continue
            years = self.presence(form).years()
            anything |= years
            if form.mode == "replace" and form.cycle in (
                "monthly",
                "quarterly",
                "annual",
            ):
                periodic |= years
        return sorted(periodic or anything)

    def periods(self, period: str | Period | None = None) -> list[Period]:
        """Return the periods to compute: each year, its months and its year-to-date windows.

        A month or range given as ``period`` is computed alone; a year brings its months
        (for monthly indicators) and its January-to-month windows (for year-to-date ones).
        """
        if period is not None:
            per = period if isinstance(period, Period) else parse_period(period)
            if per.kind != "year":
                return [per]
            years = [per.year]
        else:
            years = self.data_years()
        registry = load_builtin().values()
        monthly = {self.primary(i).name for i in registry if i.monthly}
        ytd = {self.primary(i).name for i in registry if self.is_ytd_monthly(i)}
        out: list[Period] = []
        for year in years:
            out.append(parse_period(f"{year:04d}"))
            months: set[int] = set()
            for name in monthly:
                months |= set(self.presence(get_form(name)).months(year))
            out += [month_period(year, m) for m in sorted(months)]
            through = [self.presence(get_form(n)).complete_through(year) for n in ytd]
            top = max((t for t in through if t), default=0)
            out += [ytd_period(year, m) for m in range(1, min(top, 11) + 1)]
        return out

    def applies(self, ind: Indicator, per: Period) -> bool:
        """Return True when ``ind`` has values for periods of this kind."""
        if ind.yoy_of is not None:
            return self.applies(get_indicator(ind.yoy_of), per)
        if per.kind == "month":
            return ind.monthly
        if per.kind == "range":
            return self.is_ytd_monthly(ind)
        return True

    def window(self, ind: Indicator, per: Period, exact: bool = False) -> Period | None:
        """Return the dates to evaluate ``ind`` over for ``per``, or None for a gap.

        A year-to-date value of a year runs to its last complete month; with ``exact``
        (the previous year's comparable window) the whole window must be complete.
        """
        form = self.primary(ind)
        have = self.presence(form)
        if not have.cells:
            return None
        year, last = per.start.year, (per.end - timedelta(days=1)).month
        if self.is_ytd_monthly(ind):
            if per.kind == "month":
                return per if have.is_complete(year, per.start.month) else None
            through = have.complete_through(year)
            if through is None:
                return None
            if through >= last:
                return per
            if exact or per.kind != "year":
                return None
            return Period(per.label, per.start, date(year, through + 1, 1))
        if form.cycle in ("events", "asof", "register"):
            # Event lists reach across periods (a session running into the next year):
            # the indicator's own SQL finds what falls in the window, or gives no row.
            return per
        if per.kind == "month":
            return per if have.has_month(year, per.start.month) else None
        if not have.has_year(year):
            return None
        if exact and form.cycle == "monthly":
            # The previous year compares only when it has every month the current one has.
            last = (per.end - timedelta(days=1)).month
            now = {m for m in have.months(year + 1) if m <= last}
            if not now <= set(have.months(year)):
                return None
        return per

    @contextmanager
    def comparable(
        self, ind: Indicator, current: Period, previous: Period
    ) -> Iterator[None]:
        """Restrict the primary input to reporters present in both windows (同口径).

        A temporary view shadows the form's view while the block runs, so the
        indicator's own SQL computes the comparable values.
        """
        form = self.primary(ind)
        if not ind.comparable or form.reporter is None or form.period_column is None:
            yield
            return
        row = self.con.execute("SELECT current_database()").fetchone()
        assert row is not None
        main = f'"{row[0]}".main.{form.view}'
        who, col = f'"{form.reporter}"', f'"{form.period_column}"'

        def within(p: Period) -> str:
            return (
                f"SELECT {who} FROM {main} WHERE {col} >= DATE '{p.start.isoformat()}' "
                f"AND {col} < DATE '{p.end.isoformat()}'"
            )

        self.con.execute(
            f"CREATE OR REPLACE TEMP VIEW {form.view} AS SELECT * FROM {main} "
            f"WHERE {who} IN ({within(current)} INTERSECT {within(previous)})"
        )
        try:
            yield
        finally:
            self.con.execute(f"DROP VIEW IF EXISTS temp.main.{form.view}")
