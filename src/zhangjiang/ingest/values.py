"""Cell values to typed values: numbers with full-width digits, dates in Chinese forms."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = ["CellError", "parse_cell"]

_TYPE_NAMES = {
    "integer": ("整数", "an integer"),
    "decimal": ("数值", "a number"),
    "boolean": ("是/否", "yes/no"),
    "year": ("年份", "a year"),
    "timestamp": ("时间", "a date-time"),
}
_TRUE = {"是", "true", "yes", "y", "1", "t", "√", "✓"}
_FALSE = {"否", "false", "no", "n", "0", "f", "×", "✗"}
_DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]00:00(?::00)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
_MONTH_PATTERNS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月$"),
    re.compile(r"^(\d{4})(\d{2})$"),
]
_EXCEL_EPOCH_1900 = datetime(1899, 12, 30)
_EXCEL_EPOCH_1904 = datetime(1904, 1, 1)


class CellError(ValueError):
    """A cell value does not fit its column's type."""

    def __init__(self, kind: str, **params: Any) -> None:
        super().__init__(kind)
        self.kind = kind
        self.params = params


def parse_cell(value: Any, type_: str, *, date1904: bool = False) -> Any:
    """Return the typed value of a cell, ``None`` for blank, or raise CellError."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        if value == "":
            return None
        if type_ != "string":
            # Full-width digits, commas and signs (１,２３４) become ASCII; text keeps its punctuation.
            value = unicodedata.normalize("NFKC", value).strip()
    match type_:
        case "string":
            return _text(value)
        case "integer" | "year":
            number = _number(value, type_)
            if number != number.to_integral_value():
                raise CellError("bad-type", **_type_params(type_))
            return int(number)
        case "decimal":
            return _number(value, type_)
        case "boolean":
            text = str(value).strip().lower()
            if isinstance(value, bool):
                return value
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
            raise CellError("bad-type", **_type_params(type_))
        case "date":
            return _date(value, date1904)
        case "month":
            return _month(value, date1904)
        case "timestamp":
            if isinstance(value, datetime):
                return value
            try:
                return datetime.fromisoformat(str(value).replace("/", "-"))
            except ValueError:
                raise CellError("bad-type", **_type_params(type_)) from None
    raise ValueError(f"unknown column type {type_!r}")


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return (
            value.date().isoformat()
            if value.time() == datetime.min.time()
            else value.isoformat()
        )
    return str(value)


def _number(value: Any, type_: str) -> Decimal:
    if isinstance(value, bool):
        raise CellError("bad-type", **_type_params(type_))
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = str(value).replace(",", "").replace("，", "").replace(" ", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError("bad-type", **_type_params(type_)) from None
    if not number.is_finite():
        raise CellError("bad-type", **_type_params(type_))
    return number


def _type_params(type_: str) -> dict[str, str]:
    zh, en = _TYPE_NAMES[type_]
    return {"type_zh": zh, "type_en": en}


def _date(value: Any, date1904: bool) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _excel_serial(value, date1904)
    text = str(value)
    if re.fullmatch(r"\d{5}(\.\d+)?", text):
        return _excel_serial(float(text), date1904)
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            try:
                return date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                break
    raise CellError("bad-date")


def _month(value: Any, date1904: bool) -> date:
    if isinstance(value, (datetime | date, int | float)):
        return _date(value, date1904).replace(day=1)
    text = str(value)
    for pattern in _MONTH_PATTERNS:
        m = pattern.match(text)
        if m and 1 <= int(m[2]) <= 12:
            return date(int(m[1]), int(m[2]), 1)
    return _date(text, date1904).replace(day=1)


def _excel_serial(serial: float, date1904: bool) -> date:
    if not 1 <= serial < 2958466:
        raise CellError("bad-date")
    epoch = _EXCEL_EPOCH_1904 if date1904 else _EXCEL_EPOCH_1900
    return (epoch + timedelta(days=int(serial))).date()
