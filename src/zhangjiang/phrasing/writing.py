"""Write a value in a declared Style as a truthful Chinese or English phrase."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from zhangjiang.phrasing.model import (
    AFTER_NUMBER,
    AFTER_UNIT,
    EN_WORDS,
    QUALIFIER_KIND,
    SCALES,
    UNITS_EN,
    Phrase,
    Style,
)
from zhangjiang.phrasing.numbers import (
    Number,
    ceil_to,
    divided,
    floor_to,
    format_grouped,
    format_plain,
    leading_place,
    places_of,
    round_to,
    scaled,
    to_decimal,
)

__all__ = ["phrase", "phrase_growth"]

_MILLION = Decimal(10) ** 6
_BILLION = Decimal(10) ** 9
_EN_STEP = Decimal("0.01")  # English millions and billions take at most two decimals
_LANGS = ("zh", "en")


def phrase(value: Number, style: Style, lang: str = "zh") -> Phrase:
    """Write ``value`` (in base units, >= 0) in ``style`` as a phrase that is true of it.

    When the style's qualifier would be false (800 with 余, 84.15 with 近), the exact form
    is written instead and ``Phrase.qualifier`` is None.

    Parameters
    ----------
    value
        The figure in base units: yuan, people, core-hours, or a percentage number.
    style
        How to write it.
    lang
        "zh" (GB/T 15835-2011) or "en".

    Returns
    -------
    Phrase
        The text and its parts.

    Examples
    --------
    >>> phrase(812, Style(qualifier="余", unit="个")).text
    '800余个'
    >>> phrase(36924600, Style(scale="万", decimals=2, unit="核小时")).text
    '3692.46万核小时'
    >>> phrase(81234, Style(scale="万", qualifier="余", unit="人")).text
    '8万余人'
    >>> phrase(11734, Style(qualifier="约", base=100, unit="人次"), lang="en").text
    'about 11,700 person-visits'
    >>> phrase(800, Style(qualifier="余", unit="个")).text
    '800个'
    """
    if lang not in _LANGS:
        raise ValueError(f"lang must be 'zh' or 'en' (got {lang!r})")
    v = to_decimal(value)
    if v < 0:
        raise ValueError(
            f"phrase writes magnitudes >= 0 (got {v}); use phrase_growth for changes"
        )
    figure = _figure(v, style)
    return _zh(figure, v, style) if lang == "zh" else _en(figure, v, style)


def phrase_growth(pct: Number, lang: str = "zh", decimals: int = 1) -> str:
    """Write a year-on-year change in percent: "同比增长26.3%", "同比下降4.1%", "同比持平".

    Examples
    --------
    >>> phrase_growth(Decimal("26.3"))
    '同比增长26.3%'
    >>> phrase_growth(Decimal("-4.06"), lang="en")
    'down 4.1% year on year'
    """
    if lang not in _LANGS:
        raise ValueError(f"lang must be 'zh' or 'en' (got {lang!r})")
    p = to_decimal(pct)
    size = round_to(abs(p), Decimal(1).scaleb(-decimals))
    if size == 0:
        return "同比持平" if lang == "zh" else "unchanged year on year"
    number = format_plain(size, decimals, trim=False)
    if lang == "zh":
        return f"同比{'增长' if p > 0 else '下降'}{number}%"
    return f"{'up' if p > 0 else 'down'} {number}% year on year"


@dataclass(frozen=True)
class _Figure:
    """The number to write: ``shown`` x ``factor`` is its value in base units."""

    shown: Decimal
    factor: Decimal
    exponent: int | None  # scientific notation: factor == 10**exponent
    qualifier: str | None
    places: int | None


def _figure(v: Decimal, style: Style) -> _Figure:
    """Choose the number to write and the qualifier that makes it true."""
    exponent = v.adjusted() if style.scientific and v != 0 else None
    if exponent is not None:
        factor = Decimal(1).scaleb(exponent)
    else:
        factor = SCALES[style.scale] if style.scale else Decimal(1)
    m = divided(v, factor)
    qualified = _qualified(m, style) if style.qualifier else None
    if qualified is not None:
        shown, base = qualified
        figure = _Figure(shown, factor, exponent, style.qualifier, places_of(base))
    else:
        shown = (
            m
            if style.decimals is None
            else round_to(m, Decimal(1).scaleb(-style.decimals))
        )
        figure = _Figure(shown, factor, exponent, None, style.decimals)
    if exponent is not None and figure.shown >= 10:
        # 9.96e22 rounds to 10.0e22: write 1.00×10^{23}, keeping the same precision.
        places = None if figure.places is None else figure.places + 1
        figure = _Figure(
            figure.shown / 10,
            figure.factor * 10,
            exponent + 1,
            figure.qualifier,
            places,
        )
    return figure


def _qualified(m: Decimal, style: Style) -> tuple[Decimal, Decimal] | None:
    """Return (N, base) for the style's qualifier, or None if no true N exists."""
    if m == 0 or style.qualifier is None:
        return None
    if style.base is not None:
        base = to_decimal(style.base)
    else:
        base = leading_place(m)
        if style.decimals is not None:
            base = max(base, Decimal(1).scaleb(-style.decimals))
    kind = QUALIFIER_KIND[style.qualifier]
    if kind == "about":
        n = round_to(m, base)
        ok = n > 0
    elif kind == "nearly":
        n = ceil_to(m, base)
        ok = n > m and n - m <= base / 2
    else:  # band, above, at_least: a round number at or below the value
        n = floor_to(m, base)
        ok = n > 0 and (n < m or kind == "at_least")
    return (n, base) if ok else None


def _number(figure: _Figure, trim: bool) -> str:
    """Write the figure's number in positional or scientific notation (no scale)."""
    text = format_plain(figure.shown, figure.places, trim)
    if figure.exponent is None:
        return text
    power = f"10^{{{figure.exponent}}}"
    return power if text == "1" else f"{text}×{power}"


def _zh(figure: _Figure, v: Decimal, style: Style) -> Phrase:
    q = figure.qualifier
    number = _number(figure, style.trim) + (style.scale or "")
    unit = "%" if style.percent else style.unit
    space = " " if _is_symbol(unit) and unit[0] not in "°℃" else ""
    before = q if q and q not in AFTER_NUMBER and q not in AFTER_UNIT else ""
    middle = q if q in AFTER_NUMBER else ""
    after = q if q in AFTER_UNIT else ""
    text = f"{before}{number}{middle}{space}{unit}{after}"
    exact = q is None and scaled(figure.shown, figure.factor) == v
    return Phrase(text, number, q, unit, exact)


def _en(figure: _Figure, v: Decimal, style: Style) -> Phrase:
    q = figure.qualifier
    if figure.exponent is not None:
        number = _number(figure, style.trim)
        written = scaled(figure.shown, figure.factor)
    elif style.scale is None:
        number = format_grouped(figure.shown, figure.places, style.trim)
        written = figure.shown
    elif q is not None:
        written = scaled(figure.shown, figure.factor)
        number = _en_large(written)
    else:
        number, written = _en_exact_scaled(v, figure, style)
    if style.percent:
        unit = "%"
    else:
        symbol = style.unit if _is_symbol(style.unit) else ""
        unit = style.unit_en or UNITS_EN.get(style.unit, symbol)
    word = EN_WORDS[QUALIFIER_KIND[q]] + " " if q else ""
    if style.percent:
        text = f"{word}{number}%"
    else:
        text = f"{word}{number} {unit}" if unit else f"{word}{number}"
    return Phrase(text, number, q, unit, q is None and written == v)


def _en_exact_scaled(v: Decimal, figure: _Figure, style: Style) -> tuple[str, Decimal]:
    """Write a 万/亿 value without qualifier in English: millions, billions or digits.

    From a million up, the value is rounded at the Chinese precision, but to at most two
    decimals (3692.46万 -> "36.92 million", 503亿 -> "50.3 billion"); below, the Chinese
    rounding is written out (8万 -> "80,000").
    """
    if v < _MILLION:
        written = scaled(figure.shown, figure.factor)
        return _en_large(written), written
    zh_step = None
    if style.decimals is not None:
        zh_step = scaled(Decimal(1).scaleb(-style.decimals), figure.factor)
    for factor in (_MILLION, _BILLION):
        m = divided(v, factor)
        places = None
        if zh_step is not None:
            step = max(divided(zh_step, factor), _EN_STEP)
            m, places = round_to(m, step), places_of(step)
        if m < 1000:
            break
    name = "million" if factor == _MILLION else "billion"
    return f"{format_plain(m, places, style.trim)} {name}", scaled(m, factor)


def _en_large(n: Decimal) -> str:
    """Write a number in English: 50 billion, 1.2 million, 500,000."""
    if n >= _BILLION:
        return f"{format_plain(divided(n, _BILLION), None, trim=True)} billion"
    if n >= _MILLION:
        return f"{format_plain(divided(n, _MILLION), None, trim=True)} million"
    return format_grouped(n, None, trim=True)


def _is_symbol(unit: str) -> bool:
    """Return whether a unit is a Latin symbol (W/cm², μm, °C) rather than Chinese."""
    first = unit[:1]
    return bool(first) and ((first.isascii() and first.isalpha()) or first in "μΩ°℃")
