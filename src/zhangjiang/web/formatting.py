"""Write figures for the pages: the report's phrasing when declared, else 万/亿 numbers."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from zhangjiang.phrasing import Style, phrase, phrase_growth
from zhangjiang.phrasing.numbers import (
    format_grouped,
    format_plain,
    round_to,
    superscript,
)

__all__ = ["format_growth", "format_number", "format_value", "superscript"]

_WAN = Decimal(10) ** 4
_YI = Decimal(10) ** 8


def format_value(value: Any, indicator: dict[str, Any], lang: str) -> str:
    """Write ``value`` of ``indicator`` (a catalogue entry) with its unit, in ``lang``.

    An indicator that declares a ``style`` is written as the report writes it
    ("800余个", "3692.46万核小时"); any other with 万/亿 grouping and its unit.

    Examples
    --------
    >>> format_value(36924600, {"unit": "核小时", "unit_en": "core-hours"}, "zh")
    '3692.46万核小时'
    >>> format_value(36924600, {"unit": "核小时", "unit_en": "core-hours"}, "en")
    '36,924,600 core-hours'
    """
    if value is None:
        return "—"
    style = indicator.get("style") or {}
    if style:
        try:
            return superscript(str(phrase(_decimal(value), Style(**style), lang).text))
        except (TypeError, ValueError):
            pass  # a negative value or a style this value cannot take: write it plainly
    unit = indicator.get("unit_en") if lang == "en" else indicator.get("unit")
    number = format_number(value, lang)
    if not unit:
        return number
    unit = superscript(unit)
    if unit == "%" or lang == "zh":
        return f"{number}{unit}"
    return f"{number} {unit}"


def format_number(value: Any, lang: str, decimals: int = 2) -> str:
    """Write a bare number: 万/亿 with up to ``decimals`` places in Chinese, grouped in English.

    Examples
    --------
    >>> format_number(156000000000, "zh"), format_number(19202, "zh"), format_number(84.15, "zh")
    ('1560亿', '1.92万', '84.15')
    >>> format_number(-1234.5, "en")
    '-1,234.5'
    """
    d = _decimal(value)
    sign = "-" if d < 0 else ""
    d = abs(d)
    if lang == "zh":
        for factor, char in ((_YI, "亿"), (_WAN, "万")):
            if d >= factor:
                return f"{sign}{_plain(d / factor, decimals)}{char}"
        return f"{sign}{_plain(d, decimals)}"
    return sign + format_grouped(_rounded(d, decimals), None, trim=True)


def format_growth(pct: Any, lang: str) -> str:
    """Write a year-on-year change in percent ("同比增长26.3%", "up 26.3% year on year")."""
    return str(phrase_growth(_decimal(pct), lang=lang))


def _decimal(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, TypeError) as exc:
        raise TypeError(f"not a number: {value!r}") from exc


def _plain(d: Decimal, decimals: int) -> str:
    return format_plain(_rounded(d, decimals), None, trim=True)


def _rounded(d: Decimal, decimals: int) -> Decimal:
    # Half-up at the last written place: 84.145 -> 84.15 with two decimals.
    return round_to(d, Decimal(1).scaleb(-decimals))
