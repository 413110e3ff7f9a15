"""Read a quantitative phrase ("800余个", "约11700人次", "85%以上") back to the bounds it asserts."""

from __future__ import annotations

import re
from decimal import Decimal, localcontext

from zhangjiang.errors import PhraseError
from zhangjiang.phrasing.model import (
    AFTER_NUMBER,
    AFTER_UNIT,
    QUALIFIER_KIND,
    SCALES,
    Bounds,
)
from zhangjiang.phrasing.numbers import (
    WIDE,
    fold_width,
    last_nonzero_place,
    scaled,
    step_of,
    tidy,
)

__all__ = ["bounds_of", "parse", "phrase_pattern"]

_NUMBER = r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?"
_SCIENTIFIC = (
    r"(?:(?P<mantissa>[0-9]+(?:\.[0-9]+)?)\s?[×xX*]\s?)?10"
    r"(?:\^(?:\{(?P<exponent>[-−]?[0-9]+)\}|(?P<caret>[-−]?[0-9]+))"
    r"|(?P<superscript>⁻?[⁰¹²³⁴⁵⁶⁷⁸⁹]+))"
)
_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻−", "0123456789--")
_BEFORE = sorted(
    (q for q in QUALIFIER_KIND if q not in AFTER_NUMBER and q not in AFTER_UNIT),
    key=len,
    reverse=True,
)
_SCALE = "|".join(sorted(SCALES, key=len, reverse=True))

# Each truth condition as offsets from N in units of the base b (None: unbounded), and
# whether the low and high ends are included. "exact" is the rounding interval.
_INTERVALS: dict[str, tuple[Decimal | None, Decimal | None, bool, bool]] = {
    "exact": (Decimal("-0.5"), Decimal("0.5"), True, False),
    "band": (Decimal(0), Decimal(1), False, False),
    "about": (Decimal("-0.5"), Decimal("0.5"), True, False),
    "nearly": (Decimal("-0.5"), Decimal(0), True, False),
    "above": (Decimal(0), None, False, False),
    "at_least": (Decimal(0), None, True, False),
    "at_most": (None, Decimal(0), False, True),
    "below": (None, Decimal(0), False, False),
}


def phrase_pattern(unit: str, *, lazy_unit: bool = False) -> str:
    """Return the regex of a phrase whose unit matches ``unit`` (a regex).

    The pattern admits one qualifier at most, a scale only after a plain number, and a
    percent sign only without scale or unit. With ``lazy_unit`` the unit is tried last, so
    that a trailing 左右/以上 is a qualifier and not part of an open-ended unit.
    """
    middle = "|".join(sorted(AFTER_NUMBER))
    after = "|".join(sorted(AFTER_UNIT))
    return (
        rf"(?:(?P<before>{'|'.join(_BEFORE)})\s?)?"
        rf"(?:{_SCIENTIFIC}|(?P<plain>{_NUMBER})(?P<scale>{_SCALE})?)"
        rf"(?(before)|(?P<middle>{middle})?)"
        r"(?(scale)|(?P<percent>[%‰])?)"
        rf"(?(percent)|(?:\s?(?P<unit>{unit})){'??' if lazy_unit else '?'})"
        rf"(?(before)|(?(middle)|(?P<after>{after})?))"
    )


# A unit here is any run without digits, spaces or signs: parse reads one phrase. It does
# not start with a scale or qualifier ("8×10^{22}万", "约800余个"), nor with 十/百/千
# other than in a metric unit (GB/T 15835-2011 bars "3千万"; "3千米" is fine).
_PHRASE = re.compile(
    phrase_pattern(
        r"(?![万亿余多])(?![十百千](?![米克瓦帕焦字]))[^\s0-9%‰]+?", lazy_unit=True
    )
)


def parse(text: str) -> Bounds:
    """Parse a quantitative phrase into the bounds it asserts on the value.

    Full-width digits and signs are folded, ``**`` markers are dropped. 万/亿 are multiplied
    out (``number`` and the bounds are in base units); ``unit`` is the base unit ("元"), or
    "%" for a percentage. Qualified numbers are read at the place of their last non-zero
    digit (800余 -> (800, 900)); unqualified ones at their last written digit (47% ->
    [46.5, 47.5)).

    Raises
    ------
    PhraseError
        If the text is not one quantitative phrase.

    Examples
    --------
    >>> b = parse("800余个")
    >>> (b.low, b.high, b.unit, b.contains(812), b.contains(800))
    (Decimal('800'), Decimal('900'), '个', True, False)
    >>> parse("3692.46万核小时").number
    Decimal('36924600')
    >>> parse("85%以上").contains(85)
    True
    >>> parse("10^{20} W/cm²").unit
    'W/cm²'
    """
    cleaned = fold_width(text.replace("**", "")).strip()
    match = _PHRASE.fullmatch(cleaned)
    if match is None:
        raise PhraseError(
            f'"{text}" is not a quantitative phrase; '
            'expected a number with optional qualifier, 万/亿, % and unit, e.g. "800余个"'
        )
    return bounds_of(match, text)


def bounds_of(match: re.Match[str], text: str) -> Bounds:
    """Turn a match of ``phrase_pattern`` into the Bounds it asserts."""
    g = match.groupdict()
    qualifier = g["before"] or g["middle"] or g["after"]
    if g["plain"] is not None:
        shown = Decimal(g["plain"].replace(",", ""))
        factor = SCALES[g["scale"]] if g["scale"] else Decimal(1)
    else:
        shown = Decimal(g["mantissa"] or "1")
        exponent = g["exponent"] or g["caret"] or g["superscript"]
        factor = Decimal(1).scaleb(int(exponent.translate(_SUPERSCRIPT)))
    if qualifier is None:
        kind, step = "exact", step_of(shown)
    else:
        kind = QUALIFIER_KIND[qualifier]
        step = last_nonzero_place(shown) if shown else step_of(shown)
    number = scaled(shown, factor)
    base = scaled(step, factor)
    low, high, low_inclusive, high_inclusive = _INTERVALS[kind]
    with localcontext(WIDE):
        return Bounds(
            low=None if low is None else tidy(number + low * base),
            high=None if high is None else tidy(number + high * base),
            low_inclusive=low_inclusive,
            high_inclusive=high_inclusive,
            qualifier=qualifier,
            unit=g["percent"] or g["unit"] or "",
            number=tidy(number),
        )
