"""Decimal helpers for phrasing: conversion, rounding at a base, formatting, width folding."""

from __future__ import annotations

import re
import unicodedata
from decimal import (
    ROUND_CEILING,
    ROUND_FLOOR,
    ROUND_HALF_UP,
    Context,
    Decimal,
    InvalidOperation,
)

__all__ = [
    "WIDE",
    "Number",
    "ceil_to",
    "divided",
    "floor_to",
    "fold_width",
    "format_grouped",
    "format_plain",
    "is_power_of_ten",
    "json_number",
    "last_nonzero_place",
    "leading_place",
    "places_of",
    "round_to",
    "scaled",
    "step_of",
    "superscript",
    "tidy",
    "to_decimal",
]

Number = Decimal | int | float

# Wide enough that 1e12 with many decimals divides and multiplies exactly.
WIDE = Context(prec=60)

# Full-width ASCII forms (U+FF01..U+FF5E) and the ideographic space fold one-to-one, so
# indices in folded text are indices in the original. Other NFKC folds (², Ⅱ) are kept:
# "W/cm²" must stay a unit.
_WIDTH_TABLE = {c: unicodedata.normalize("NFKC", chr(c)) for c in range(0xFF01, 0xFF5F)}
_WIDTH_TABLE[0x3000] = " "


def to_decimal(value: Number) -> Decimal:
    """Convert an int, float (by its repr) or Decimal into a finite Decimal."""
    if isinstance(value, bool):
        raise TypeError("a bool is not a number to phrase")
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, float):
        d = Decimal(repr(value))
    else:
        raise TypeError(f"expected Decimal, int or float (got {type(value).__name__})")
    if not d.is_finite():
        raise ValueError(f"cannot phrase a non-finite number ({value})")
    return d


def tidy(d: Decimal) -> Decimal:
    """Drop trailing zeros without exponent notation (36924600.00 -> 36924600, 4.10 -> 4.1)."""
    if d == d.to_integral_value():
        try:
            return d.quantize(Decimal(1), context=WIDE)
        except InvalidOperation:  # more digits than WIDE holds: keep the exponent
            return d.normalize(WIDE)
    return d.normalize(WIDE)


def json_number(d: Decimal) -> int | float:
    """Return ``d`` as a JSON number: an int when integral (72.000000 -> 72), else a float."""
    return int(d) if d == d.to_integral_value() else float(d)


def fold_width(text: str) -> str:
    """Fold full-width digits, signs and spaces to ASCII, keeping every index in place."""
    return text.translate(_WIDTH_TABLE)


def is_power_of_ten(d: Decimal) -> bool:
    """Return whether ``d`` is 10 to an integer power (0.01, 1, 100...)."""
    return d > 0 and d.normalize().as_tuple().digits == (1,)


def leading_place(m: Decimal) -> Decimal:
    """Return the place of the leading digit of ``m`` > 0 (812 -> 100, 0.35 -> 0.1)."""
    return Decimal(1).scaleb(m.adjusted())


def last_nonzero_place(n: Decimal) -> Decimal:
    """Return the place of the last non-zero digit of ``n`` != 0 (800 -> 100, 4.1 -> 0.1)."""
    exponent = n.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return Decimal(1).scaleb(exponent)


def places_of(step: Decimal) -> int:
    """Return the digits after the point needed to write multiples of ``step``."""
    exponent = step.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


def step_of(n: Decimal) -> Decimal:
    """Return the place of the last written digit of ``n`` (47 -> 1, 84.15 -> 0.01)."""
    exponent = n.as_tuple().exponent
    assert isinstance(exponent, int)
    return Decimal(1).scaleb(exponent)


def floor_to(m: Decimal, base: Decimal) -> Decimal:
    """Return the largest multiple of ``base`` that is <= ``m``."""
    return _to_multiple(m, base, ROUND_FLOOR)


def ceil_to(m: Decimal, base: Decimal) -> Decimal:
    """Return the smallest multiple of ``base`` that is >= ``m``."""
    return _to_multiple(m, base, ROUND_CEILING)


def round_to(m: Decimal, base: Decimal) -> Decimal:
    """Round ``m`` half-up (away from zero) to a multiple of ``base``."""
    return _to_multiple(m, base, ROUND_HALF_UP)


def format_plain(n: Decimal, places: int | None, trim: bool) -> str:
    """Write ``n`` in positional notation with ``places`` decimals, trimmed if asked."""
    if places is not None:
        n = n.quantize(Decimal(1).scaleb(-places), context=WIDE)
    text = format(n, "f")
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_grouped(n: Decimal, places: int | None, trim: bool) -> str:
    """Write ``n`` like ``format_plain`` with thousands separators (11,700)."""
    text = format_plain(n, places, trim)
    whole, dot, fraction = text.partition(".")
    return f"{int(whole):,}{dot}{fraction}"


def scaled(m: Decimal, factor: Decimal) -> Decimal:
    """Multiply exactly (``m`` x ``factor``) in the wide context."""
    return WIDE.multiply(m, factor)


def divided(m: Decimal, factor: Decimal) -> Decimal:
    """Divide exactly (``m`` / power of ten) in the wide context."""
    return WIDE.divide(m, factor)


def _to_multiple(m: Decimal, base: Decimal, rounding: str) -> Decimal:
    quotient = WIDE.divide(m, base).to_integral_value(rounding=rounding)
    return WIDE.multiply(quotient, base)


_POWER = re.compile(r"\^\{?(-?\d+)\}?")
_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def superscript(text: str) -> str:
    """Write powers of ten as superscripts: ``10^{22}`` and ``10^20`` become 10²² and 10²⁰.

    One rule for every output (pages, Markdown, HTML, Word).

    Examples
    --------
    >>> superscript("8×10^{22} W/cm²"), superscript("×10^20 W/cm²")
    ('8×10²² W/cm²', '×10²⁰ W/cm²')
    """
    return _POWER.sub(lambda m: m.group(1).translate(_SUPERSCRIPTS), text)
