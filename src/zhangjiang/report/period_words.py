"""Read the period a sentence names ("1—10月", "截至9月底", "全年", "2022年") for the checker.

A named period is a claim of its own: a figure written after "1—9月" asserts the value of
January to September. Each period word holds for the figures after it up to the end of
its clause group (a "；" or "。"), as in "…；1—10月，产业规模503亿元，其中制造业产值313亿元".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from zhangjiang.periods import month_end

__all__ = ["NamedPeriod", "named_periods", "period_at"]

_DASH = r"\s*[—–\-~～至到]\s*"
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ytd", re.compile(rf"(?:(?P<year>\d{{4}})年)?1{_DASH}(?P<month>\d{{1,2}})\s*月(?:份)?")),
    ("asof", re.compile(r"截[至止到](?:(?P<year>\d{4})年)?(?P<month>\d{1,2})月(?:底|末|份)")),
    ("year_end", re.compile(r"截[至止到](?:(?P<year>\d{4})年)?(?:年底|年末|本年末)")),
    ("year", re.compile(r"(?<![预计拟将于到至])(?P<year>\d{4})\s*年(?:全年|度)?(?![\d底末])")),
    ("year", re.compile(r"全年|年内|本年度")),
)  # fmt: skip
_BREAKS = "；;。\n"


@dataclass(frozen=True)
class NamedPeriod:
    """A period named in text: its window (``start`` None for "as of") and its words."""

    text: str
    start: date | None
    end: date
    position: int

    def covers(self, row: dict[str, Any]) -> bool:
        """Return whether a stored value's reference window is the one named."""
        ref_start, ref_end = row.get("ref_start"), row.get("ref_end")
        if ref_end is None or _as_date(ref_end) != self.end:
            return False
        return (
            self.start is None or ref_start is None or _as_date(ref_start) == self.start
        )

    @property
    def year(self) -> int:
        """Return the year the period ends in."""
        return self.end.year

    @property
    def months(self) -> int | None:
        """Return the month through which a window within a year runs, None for a year."""
        return None if self.end.month == 12 else self.end.month


def named_periods(line: str, year: int) -> list[NamedPeriod]:
    """Return the periods a line names, in order; ``year`` is the report's year.

    Years after ``year`` are plans ("预计2023年投入运行"), not periods of figures.

    Examples
    --------
    >>> [(p.text, p.start, p.end) for p in named_periods("1—10月，实现销售收入1560亿元", 2022)]
    [('1—10月', datetime.date(2022, 1, 1), datetime.date(2022, 10, 31))]
    >>> [p.end for p in named_periods("截至9月底，共操作便捷通关业务304票", 2022)]
    [datetime.date(2022, 9, 30)]
    """
    found: list[NamedPeriod] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(line):
            if any(a < match.end() and match.start() < b for a, b in taken):
                continue
            period = _period(kind, match, year)
            if period is None or period.year > year:
                continue
            taken.append(match.span())
            found.append(period)
    return sorted(found, key=lambda p: p.position)


def period_at(
    line: str, position: int, periods: list[NamedPeriod]
) -> NamedPeriod | None:
    """Return the period in force at ``position``: the last one named before it in its clause group."""
    group_start = max(line.rfind(ch, 0, position) for ch in _BREAKS) + 1
    before = [p for p in periods if group_start <= p.position < position]
    return before[-1] if before else None


def _period(kind: str, match: re.Match[str], year: int) -> NamedPeriod | None:
    groups = match.groupdict()
    y = int(groups["year"]) if groups.get("year") else year
    month = int(groups["month"]) if groups.get("month") else 12
    if not 1 <= month <= 12 or not 1990 <= y <= 2100:
        return None
    end = month_end(date(y, month, 1))
    start = date(y, 1, 1) if kind in ("ytd", "year") else None
    return NamedPeriod(match.group(0), start, end, match.start())


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
