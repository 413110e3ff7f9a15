"""Periods and reference-period labels (calendar year, year to date, as of, cumulative)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from zhangjiang.errors import PeriodError

__all__ = [
    "PERIOD_RULES",
    "Period",
    "month_end",
    "month_period",
    "parse_period",
    "reference_label",
    "year_before",
    "ytd_period",
]

PERIOD_RULES = {
    "year": ("日历年", "calendar year"),
    "ytd": ("年初至数据最新月份", "year to date, through the latest month in the data"),
    "asof": ("截至某日", "as of a date"),
    "cumulative": ("累计至报告期末", "cumulative to the end of the period"),
}
_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_RANGE = re.compile(r"^(\d{4})-(\d{2})/(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Period:
    """A half-open date range [start, end) with its canonical label (``2022``, ``2022-10``)."""

    label: str
    start: date
    end: date

    @property
    def year(self) -> int:
        """Return the calendar year the period starts in."""
        return self.start.year

    @property
    def kind(self) -> str:
        """Return ``year`` (2022), ``quarter`` (2022-Q4), ``month`` (2022-10) or ``range``
        (2022-01/2022-10)."""
        if "/" in self.label:
            return "range"
        if "-Q" in self.label:
            return "quarter"
        return "month" if "-" in self.label else "year"

    @property
    def last_month(self) -> int:
        """Return the number of the last month the period covers."""
        return (self.end - timedelta(days=1)).month


def month_period(year: int, month: int) -> Period:
    """Return the Period of one month."""
    return parse_period(f"{year:04d}-{month:02d}")


def ytd_period(year: int, month: int) -> Period:
    """Return January to ``month`` of ``year``: the year itself for December."""
    if month == 12:
        return parse_period(f"{year:04d}")
    return parse_period(f"{year:04d}-01/{year:04d}-{month:02d}")


def year_before(day: date) -> date:
    """Return the same day one year earlier (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def parse_period(text: str) -> Period:
    """Parse ``2022``, ``2022-Q4``, ``2022-10`` or ``2022-01/2022-10`` into a Period, or raise
    PeriodError.

    A range runs from the first day of its first month to the end of its last month,
    within one year (a year to date: ``2022-01/2022-10`` is 2022年1—10月).
    """
    text = str(text).strip()
    if m := _QUARTER.match(text):
        year, first = int(m[1]), (int(m[2]) - 1) * 3 + 1
        if 1900 <= year <= 2999:
            end = date(year + (first == 10), (first + 2) % 12 + 1, 1)
            return Period(text, date(year, first, 1), end)
    if m := _RANGE.match(text):
        y1, m1, y2, m2 = (int(g) for g in m.groups())
        if 1900 <= y1 <= 2999 and y1 == y2 and 1 <= m1 <= m2 <= 12:
            end = date(y2 + (m2 == 12), m2 % 12 + 1, 1)
            return Period(text, date(y1, m1, 1), end)
    if m := _YEAR.match(text):
        year = int(m[1])
        if 1900 <= year <= 2999:
            return Period(text, date(year, 1, 1), date(year + 1, 1, 1))
    if m := _MONTH.match(text):
        year, month = int(m[1]), int(m[2])
        if 1900 <= year <= 2999 and 1 <= month <= 12:
            end = date(year + (month == 12), month % 12 + 1, 1)
            return Period(text, date(year, month, 1), end)
    raise PeriodError(
        f"报告期“{text}”格式错误，应为 2022、2022-10 或 2022-01/2022-10 / malformed period "
        f"{text!r}: expected 2022, 2022-10 or 2022-01/2022-10"
    )


def month_end(day: date) -> date:
    """Return the last day of the month of ``day``."""
    first_next = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def reference_label(rule: str, period: Period, ref_end: date | None) -> tuple[str, str]:
    """Return the zh and en label of a value's reference period.

    ``ref_end`` is the last day the value covers (for year to date: the last day of
    the latest month present in the data; for as-of values: the as-of date).
    """
    year = period.year
    end = ref_end or (period.end - timedelta(days=1))
    if period.kind == "month" and rule in ("year", "ytd"):
        return f"{year}年{period.start.month}月", f"{period.start:%B} {year}"
    if period.kind == "quarter" and rule in ("year", "ytd"):
        q = period.label[-1]
        return f"{year}年第{q}季度", f"Q{q} {year}"
    match rule:
        case "year":
            return f"{year}年", f"{year}"
        case "ytd":
            if end.month == 12 and end.day == 31:
                return f"{year}年", f"{year}"
            if end.month == 1:
                return f"{year}年1月", f"January {year}"
            return f"{year}年1—{end.month}月", f"January–{end:%B} {year}"
        case "asof":
            if end == month_end(end):
                zh = "底" if end.month == 12 else f"{end.month}月底"
                en = f"end of {end:%B %Y}" if end.month != 12 else f"end of {year}"
                return f"截至{end.year}年{zh}", f"as of the {en}"
            return (
                f"截至{end.year}年{end.month}月{end.day}日",
                f"as of {end.isoformat()}",
            )
        case "cumulative":
            if end == month_end(end) and end.month == 12:
                return f"截至{end.year}年底累计", f"cumulative to the end of {end.year}"
            return (
                f"截至{end.year}年{end.month}月底累计",
                f"cumulative to the end of {end:%B %Y}",
            )
    raise PeriodError(f"unknown reference-period rule {rule!r}")
