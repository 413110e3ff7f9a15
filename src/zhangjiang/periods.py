"""Periods and reference-period labels (calendar year, year to date, as of, cumulative)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from zhangjiang.errors import PeriodError

__all__ = ["PERIOD_RULES", "Period", "month_end", "parse_period", "reference_label"]

PERIOD_RULES = {
    "year": ("日历年", "calendar year"),
    "ytd": ("年初至数据最新月份", "year to date, through the latest month in the data"),
    "asof": ("截至某日", "as of a date"),
    "cumulative": ("累计至报告期末", "cumulative to the end of the period"),
}
_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


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


def parse_period(text: str) -> Period:
    """Parse ``2022`` or ``2022-10`` into a Period, or raise PeriodError."""
    text = str(text).strip()
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
        f"报告期“{text}”格式错误，应为 2022 或 2022-10 / malformed period {text!r}: expected 2022 or 2022-10"
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
