"""Collection status (报送情况): which forms each expected reporter sent, when, and which
are missing or late against the form's due day.

A statistics office follows up every missing or late form (GLOSSARY, "The reporting
cycle"). Forms with an obligation are those reported per period (``Form.cycle``
monthly, quarterly or annual); registers, event lists and as-of forms are sent when
something changes and owe nothing per period.

The expected reporters of a period extend the completeness rule
(``zhangjiang.completeness``) with what the registers know:

- a unit that reported the form earlier in the same year or in the previous year (an
  enterprise of a monthly form that reported last year is expected this year);
- a facility that has sent the form before, at any time, while it operates (the
  ``facility-status`` register: not while 规划 or 在建);
- every system of the ``hpc-systems`` register valid during the period, for job logs;
- never an enterprise the ``organizations`` register marks as not in the area.

A cell that arrived is listed whatever the rule says. A cell is *received* when a loaded
batch holds it, *late* when it first arrived after its due date (the form's ``due_day`` of
the month after the period ends: 次月10日前), and *missing* when an expected reporter has
not sent it and either the due date has passed (for a form without a due day: the period
has ended) or the period is the one asked for. A cell arrives with its batch's
``loaded_at`` (for a portal upload the upload, not the approval); a correction sent later
does not make an on-time cell late. Due dates are Beijing calendar days.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from zhangjiang.cells import cell_sql
from zhangjiang.errors import ZhangjiangError
from zhangjiang.forms import FORMS, Form, get_form
from zhangjiang.periods import Period, parse_period

if TYPE_CHECKING:
    from zhangjiang.store import Store
    from zhangjiang.store.duckdb import Connection

__all__ = [
    "BEIJING",
    "OBLIGATION_CYCLES",
    "STATES",
    "StatusRow",
    "due_date",
    "obligation_forms",
    "status",
    "summarize",
]

#: The states of a (form, period, reporter) cell, with their zh and en labels.
STATES: dict[str, tuple[str, str]] = {
    "received": ("已报", "received"),
    "late": ("迟报", "late"),
    "missing": ("未报", "missing"),
}
#: Reporting frequencies that owe a form every period.
OBLIGATION_CYCLES = ("monthly", "quarterly", "annual")
#: The office's calendar: China keeps no daylight saving time.
BEIJING = timezone(timedelta(hours=8), "UTC+8")
_NOT_OPERATING = ("规划", "在建")


@dataclass(frozen=True)
class StatusRow:
    """One expected or received (form, period, reporter) cell and its state."""

    form: str
    title_zh: str
    title_en: str
    cycle: str
    reporter: str
    reporter_name: str | None
    period: str
    state: str
    due_date: date | None
    received_at: datetime | None  # first arrival, Beijing time
    batch_ids: tuple[int, ...] = ()  # loaded batches holding the cell now
    pending_batch_ids: tuple[int, ...] = ()  # uploads awaiting review

    @property
    def days_late(self) -> int | None:
        """Return how many days after its due date a late cell arrived."""
        if self.state != "late" or self.received_at is None or self.due_date is None:
            return None
        return (self.received_at.date() - self.due_date).days

    def to_dict(self) -> dict[str, Any]:
        """Return the row as a JSON-ready dict."""
        zh, en = STATES[self.state]
        return {
            "form": self.form,
            "title_zh": self.title_zh,
            "title_en": self.title_en,
            "cycle": self.cycle,
            "reporter": self.reporter,
            "reporter_name": self.reporter_name,
            "period": self.period,
            "state": self.state,
            "state_zh": zh,
            "state_en": en,
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "received_at": (
                self.received_at.isoformat(timespec="seconds")
                if self.received_at
                else None
            ),
            "days_late": self.days_late,
            "batch_ids": list(self.batch_ids),
            "pending_batch_ids": list(self.pending_batch_ids),
        }


def obligation_forms() -> list[Form]:
    """Return the forms reported every period (monthly, quarterly, annual)."""
    return [f for f in FORMS.values() if f.cycle in OBLIGATION_CYCLES]


def due_date(form: Form, period: str) -> date | None:
    """Return the day a period's form is due: ``due_day`` of the month after the period.

    Examples
    --------
    >>> due_date(get_form("industry-monthly"), "2022-11")
    datetime.date(2022, 12, 10)
    >>> due_date(get_form("industry-monthly"), "2022-12")
    datetime.date(2023, 1, 10)
    >>> due_date(get_form("talent-survey"), "2022") is None
    True
    """
    if form.due_day is None:
        return None
    return _bounds(period)[1].replace(day=form.due_day)


def status(
    store: Store,
    period: str | Period | None = None,
    reporters: Iterable[str] | None = None,
    *,
    forms: Iterable[str] | None = None,
    today: date | None = None,
) -> list[StatusRow]:
    """Return the collection status of every obligation form, reporter and period.

    Parameters
    ----------
    store
        The store to read.
    period
        ``2022-11``: that month of monthly forms, its quarter and its year for quarterly
        and annual ones; absent expected cells are missing even before their due date.
        ``2022`` (or a range ``2022-01/2022-10``): every month of it that has data or has
        ended. None: every period from January of the first year with data through the
        latest month with data; absent cells count only once overdue.
    reporters
        Keep only these reporting units (an operator's facilities and systems).
    forms
        Keep only these forms (names); each must be reported per period.
    today
        The day overdue is judged on (default: today in Beijing).

    Returns
    -------
    list[StatusRow]
        Ordered by form (as declared), period and reporter.
    """
    today = today or datetime.now(BEIJING).date()
    asked = parse_period(period) if isinstance(period, str) else period
    chosen = _chosen_forms(forms)
    keep = None if reporters is None else set(reporters)
    with store.connect(read_only=True) as con:
        every = {f.name: _cells(con, f) for f in obligation_forms()}
        registers = _Registers.read(con)
        names = _own_names(con, chosen) | registers.names
    rows: list[StatusRow] = []
    for form in chosen:
        months = _months(every, asked, today, form)
        cells = every[form.name]
        history = _History(cells)
        present: dict[str, set[str]] = defaultdict(set)
        for p, r in cells:
            present[p].add(r)
        for label in _form_periods(form, months):
            start, end = _bounds(label)
            due = due_date(form, label)
            owed = asked is not None or (
                today > due if due is not None else end <= today
            )
            expected = _expected(form, label, start, end, history, registers)
            for who in sorted(expected | present.get(label, set())):
                if keep is not None and who not in keep:
                    continue
                cell = cells.get((label, who))
                state = _state(cell, due, owed)
                if state is None:
                    continue
                rows.append(
                    StatusRow(
                        form=form.name,
                        title_zh=form.zh,
                        title_en=form.en,
                        cycle=form.cycle,
                        reporter=who,
                        reporter_name=names.get(who),
                        period=label,
                        state=state,
                        due_date=due,
                        received_at=cell.received_at if cell else None,
                        batch_ids=tuple(sorted(cell.batches)) if cell else (),
                        pending_batch_ids=tuple(sorted(cell.pending)) if cell else (),
                    )
                )
    return rows


def summarize(rows: Iterable[StatusRow]) -> dict[str, int]:
    """Return the number of rows in each state (every state present, zero or not)."""
    counts = dict.fromkeys(STATES, 0)
    for row in rows:
        counts[row.state] += 1
    return counts


# --- cells --------------------------------------------------------------------------------


@dataclass
class _Cell:
    batches: set[int] = field(default_factory=set)  # loaded batches holding it
    pending: set[int] = field(default_factory=set)
    first: datetime | None = None  # first arrival of a batch that was loaded (UTC)

    @property
    def received_at(self) -> datetime | None:
        if self.first is None:
            return None
        return self.first.replace(tzinfo=UTC).astimezone(BEIJING)


Cells = dict[tuple[str, str], _Cell]


def _cells(con: Connection, form: Form) -> Cells:
    """Return the cells of ``form`` that arrived (loaded, since superseded, or pending)."""
    if form.mode == "replace":
        rows = con.execute(
            "SELECT c.period, c.reporter, c.batch_id, c.active AND b.status = 'loaded', "
            "b.status, b.loaded_at FROM batch_cells c JOIN batches b ON b.id = c.batch_id "
            "WHERE c.dataset = ? AND b.status IN ('loaded', 'superseded', 'pending')",
            [form.name],
        ).fetchall()
    else:  # appended batches: the rows themselves say which cells they hold
        when, who = cell_sql(form, "t")
        when = when or "''"
        rows = con.execute(
            f"SELECT {when} AS p, {who} AS r, t._batch_id, "
            "b.status = 'loaded', b.status, b.loaded_at "
            f"FROM {form.table} t JOIN batches b ON b.id = t._batch_id "
            "WHERE b.status IN ('loaded', 'pending') GROUP BY ALL"
        ).fetchall()
    cells: Cells = defaultdict(_Cell)
    for period, reporter, batch_id, current, batch_status, loaded_at in rows:
        if not period:
            continue
        cell = cells[(str(period), str(reporter))]
        if batch_status == "pending":
            cell.pending.add(int(batch_id))
            continue
        if current:
            cell.batches.add(int(batch_id))
        if cell.first is None or loaded_at < cell.first:
            cell.first = loaded_at
    return dict(cells)


def _state(cell: _Cell | None, due: date | None, owed: bool) -> str | None:
    if cell is not None and cell.batches:
        arrived = cell.received_at
        late = due is not None and arrived is not None and arrived.date() > due
        return "late" if late else "received"
    return "missing" if owed else None


# --- periods ------------------------------------------------------------------------------

Month = tuple[int, int]


def _months(
    every: dict[str, Cells], asked: Period | None, today: date, form: Form
) -> list[Month]:
    """Return the months ``form``'s listing covers (see ``status``).

    Without a period: from January of the first year with data through the latest month
    with data of a form submitted per period. Job logs (append-mode forms) extend only
    their own listing: their rows fall in the month a job ended, so a December log
    reaches a few records into January, which asks nobody else for January.
    """
    periodic = {n: c for n, c in every.items() if get_form(n).mode == "replace"}
    latest = _latest(periodic) or _latest(every)
    if asked is None:
        own = _latest({form.name: every[form.name]})
        end = max(m for m in (latest, own) if m is not None) if latest else None
        if end is None:
            return []
        first = min(int(p[:4]) for cells in every.values() for (p, _) in cells)
        return [
            (y, m)
            for y in range(first, end[0] + 1)
            for m in range(1, 13)
            if (y, m) <= end
        ]
    months = []
    day = asked.start
    while day < asked.end:
        month = (day.year, day.month)
        ended = _bounds(f"{day.year:04d}-{day.month:02d}")[1] <= today
        if asked.kind != "year" or ended or (latest is not None and month <= latest):
            months.append(month)
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return months


def _latest(every: dict[str, Cells]) -> Month | None:
    """Return the latest month with data (months and quarters first, then years)."""
    labels = [p for cells in every.values() for (p, _) in cells]
    ends = [_last_month(p) for p in labels if len(p) > 4]
    return max(ends) if ends else max((_last_month(p) for p in labels), default=None)


def _form_periods(form: Form, months: list[Month]) -> list[str]:
    """Return the form's period labels covering ``months``, in order, once each."""
    labels = {
        "monthly": lambda y, m: f"{y:04d}-{m:02d}",
        "quarterly": lambda y, m: f"{y:04d}-Q{(m - 1) // 3 + 1}",
        "annual": lambda y, m: f"{y:04d}",
    }[form.cycle]
    return list(dict.fromkeys(labels(y, m) for y, m in months))


def _bounds(label: str) -> tuple[date, date]:
    """Return [start, end) of a cell period label: 2022, 2022-Q4 or 2022-11."""
    per = parse_period(label)
    return per.start, per.end


def _last_month(label: str) -> Month:
    end = _bounds(label)[1] - timedelta(days=1)
    return end.year, end.month


# --- expected reporters -------------------------------------------------------------------


class _History:
    """When each reporter sent a form: the sorted periods of its cells that arrived."""

    def __init__(self, cells: Cells) -> None:
        sent: dict[str, list[str]] = defaultdict(list)
        for (period, who), cell in cells.items():
            if cell.first is not None:
                sent[who].append(period)
        self.sent = {who: sorted(periods) for who, periods in sent.items()}

    def since(self, label: str, year: int | None) -> set[str]:
        """Return the reporters with a cell at or before ``label`` (from ``year`` on)."""
        out = set()
        for who, periods in self.sent.items():
            upto = periods[: bisect_right(periods, label)]
            if upto and (year is None or int(upto[-1][:4]) >= year):
                out.add(who)
        return out


@dataclass
class _Registers:
    """What the registers say about reporting units."""

    systems: list[tuple[str, date, date | None]] = field(default_factory=list)
    facility_status: dict[str, list[tuple[date, str]]] = field(default_factory=dict)
    out_of_area: set[str] = field(default_factory=set)
    names: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, con: Connection) -> _Registers:
        out = cls()
        out.systems = [
            (str(s), f, t)
            for s, f, t in con.execute(
                "SELECT system, valid_from, valid_to FROM hpc_systems"
            ).fetchall()
        ]
        history: dict[str, list[tuple[date, str]]] = defaultdict(list)
        for fac, when, state in con.execute(
            "SELECT facility, effective_date, status FROM facility_status "
            "ORDER BY effective_date"
        ).fetchall():
            history[str(fac)].append((when, str(state)))
        out.facility_status = dict(history)
        out.out_of_area = {
            str(r[0])
            for r in con.execute(
                "SELECT credit_code FROM organizations WHERE NOT in_area"
            ).fetchall()
        }
        out.names = {
            str(code): str(name)
            for code, name in con.execute(
                "SELECT credit_code, name FROM organizations UNION ALL "
                "SELECT facility_id, coalesce(short_name, name_zh) FROM facilities"
            ).fetchall()
        }
        return out

    def operating(self, facility: str, end: date) -> bool:
        """Return False when the facility's status at ``end`` is planned or building."""
        states = [s for when, s in self.facility_status.get(facility, []) if when < end]
        return not states or states[-1] not in _NOT_OPERATING

    def systems_during(self, start: date, end: date) -> set[str]:
        """Return the HPC systems in service at some time in [start, end)."""
        return {
            s
            for s, since, until in self.systems
            if since < end and (until is None or until > start)
        }


def _expected(
    form: Form,
    label: str,
    start: date,
    end: date,
    history: _History,
    registers: _Registers,
) -> set[str]:
    expected = history.since(label, start.year - 1)
    if form.reporter == "facility":
        expected |= history.since(label, None)
        expected = {f for f in expected if registers.operating(f, end)}
    if form.connector == "hpc-jobs":
        expected |= registers.systems_during(start, end)
    if form.reporter == "credit_code":
        expected -= registers.out_of_area
    return expected


def _own_names(con: Connection, forms: list[Form]) -> dict[str, str]:
    """Return reporter names a form carries itself (a ``name`` column beside the code)."""
    names: dict[str, str] = {}
    for form in forms:
        if form.reporter is None or "name" not in {c.name for c in form.columns}:
            continue
        for who, name in con.execute(
            f'SELECT "{form.reporter}", max(name) FROM {form.view} '
            "WHERE name IS NOT NULL GROUP BY 1"
        ).fetchall():
            names.setdefault(str(who), str(name))
    return names


def _chosen_forms(names: Iterable[str] | None) -> list[Form]:
    if names is None:
        return obligation_forms()
    chosen = {n: get_form(n) for n in names}
    for form in chosen.values():
        if form.cycle not in OBLIGATION_CYCLES:
            raise ZhangjiangError(
                f"报表 {form.name} 不按期报送（{form.cycle}），无报送情况 / form "
                f"{form.name} is not reported per period ({form.cycle}): it has no "
                "collection status"
            )
    order = list(FORMS)
    return sorted(chosen.values(), key=lambda f: order.index(f.name))
