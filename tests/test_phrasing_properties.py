"""Phrasing properties: every phrase is true of its value, under every supported style."""

from __future__ import annotations

import itertools
from decimal import Decimal as D
from decimal import localcontext

from hypothesis import given, settings
from hypothesis import strategies as st

from zhangjiang.phrasing import (
    QUALIFIER_KIND,
    QUALIFIERS,
    SCALES,
    Phrase,
    Style,
    find_claims,
    parse,
    phrase,
)


def _all_styles() -> list[Style]:
    """Return every supported Style over a grid of each field's interesting values."""
    styles = []
    grid = itertools.product(
        (None, "万", "亿"),  # scale
        (0, 1, 2, None),  # decimals
        (True, False),  # trim
        (None, *QUALIFIERS),  # qualifier
        (False, True),  # percent
        ("个", "核小时", "W/cm²", ""),  # unit
        (None, 1, 10, 100, D("0.1")),  # base
        (False, True),  # scientific
    )
    for scale, decimals, trim, qualifier, percent, unit, base, scientific in grid:
        try:
            style = Style(
                scale=scale,
                decimals=decimals,
                trim=trim,
                qualifier=qualifier,
                percent=percent,
                unit="" if percent else unit,
                base=base,
                scientific=scientific,
            )
        except ValueError:
            continue
        styles.append(style)
    return sorted(set(styles), key=repr)


STYLES = _all_styles()

# Values across magnitudes: counts, money in yuan up to 1e12, percents with two decimals,
# small measures, and powers for scientific notation.
VALUES = st.one_of(
    st.integers(min_value=0, max_value=10**12).map(D),
    st.decimals(
        min_value=0, max_value=10**12, places=2, allow_nan=False, allow_infinity=False
    ),
    st.decimals(
        min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False
    ),
    st.decimals(
        min_value=0, max_value=10, places=4, allow_nan=False, allow_infinity=False
    ),
    st.builds(lambda m, e: D(m).scaleb(e), st.integers(1, 9999), st.integers(-4, 24)),
    st.sampled_from(
        [D(n) * 10**k for n in (1, 5, 8, 9, 10, 99, 100) for k in range(0, 12, 3)]
    ),
)
FIXED_VALUES = [D(v) for v in ("0", "0.05", "1", "9.96", "173", "800", "812", "84.15",
                               "99.96", "80000", "81234", "36924612", "1.56e11", "9.97e22")]  # fmt: skip


def _shown(p: Phrase, style: Style) -> tuple[D, D]:
    """Read the written number as (digits, factor to base units), independently of parse."""
    text = p.number.removesuffix(style.scale or "")
    if "10^{" in text:
        mantissa, _, exponent = text.partition("10^{")
        return D(mantissa.rstrip("×") or "1"), D(1).scaleb(int(exponent.rstrip("}")))
    return D(text), SCALES[style.scale] if style.scale else D(1)


def _place(d: D) -> D:
    exponent = d.as_tuple().exponent
    assert isinstance(exponent, int)
    return D(1).scaleb(exponent)


def _assert_true_of(v: D, p: Phrase, style: Style) -> None:
    """Check the glossary's truth condition of the phrase for ``v``."""
    digits, factor = _shown(p, style)
    n = digits * factor
    if p.qualifier is None:
        # Statistical rounding at the last written digit.
        half = _place(digits) * factor / 2
        assert n - half <= v <= n + half, (v, p)
        return
    # The glossary reads N at its last non-zero place ("800余": 800 < v < 900).
    place = _place(digits.normalize()) * factor
    kind = QUALIFIER_KIND[p.qualifier]
    if kind == "band":
        assert n < v < n + place, (v, p)
    elif kind == "about":
        assert abs(v - n) <= place / 2, (v, p)
    elif kind == "nearly":
        assert n - place / 2 <= v < n, (v, p)
    elif kind == "above":
        assert v > n, (v, p)
    else:
        assert kind == "at_least", p
        assert v >= n, (v, p)


def _check(v: D, style: Style) -> None:
    written = phrase(v, style)
    assert written.qualifier in (None, style.qualifier)
    bounds = parse(written.text)
    assert bounds.contains(v), (v, style, written.text, bounds)
    assert bounds.qualifier == written.qualifier
    _assert_true_of(v, written, style)
    if written.exact:
        assert bounds.number == v
    if (
        style.base is not None
        and written.qualifier is not None
        and not style.scientific
    ):
        # Also true at the declared (finer) base, not only at the glossary's reading.
        # Exact arithmetic: 1e26 + 0.05 needs more than Decimal's default 28 digits.
        with localcontext(prec=80):
            factor = SCALES[style.scale] if style.scale else D(1)
            base = D(style.base) * factor
            n = bounds.number
            kind = QUALIFIER_KIND[written.qualifier]
            if kind == "band":
                assert n < v < n + base
            elif kind == "about":
                assert n - base / 2 <= v < n + base / 2
            elif kind == "nearly":
                assert n - base / 2 <= v < n


def test_every_style_on_fixed_values() -> None:
    assert len(STYLES) > 2000
    for style in STYLES:
        for v in FIXED_VALUES:
            _check(v, style)
            assert phrase(v, style, lang="en").text


@settings(max_examples=3000, deadline=None)
@given(v=VALUES, style=st.sampled_from(STYLES))
def test_phrase_is_true_and_parses_back(v: D, style: Style) -> None:
    _check(v, style)


@settings(max_examples=1500, deadline=None)
@given(v=VALUES, style=st.sampled_from(STYLES))
def test_english_never_raises(v: D, style: Style) -> None:
    written = phrase(v, style, lang="en")
    assert written.text and written.number
    if written.qualifier is not None:
        assert written.text.startswith(("over ", "about ", "nearly ", "at least "))


@settings(max_examples=1500, deadline=None)
@given(v=VALUES, style=st.sampled_from(STYLES))
def test_find_claims_finds_a_written_phrase_in_a_sentence(v: D, style: Style) -> None:
    written = phrase(v, style)
    text = f"累计**{written.text}**，其中"
    found = find_claims(text)
    assert [c.text for c in found] == [written.text], text
    assert text[found[0].start : found[0].end] == f"**{written.text}**"
    assert found[0].bounds.contains(v)


@settings(max_examples=1000, deadline=None)
@given(pct=st.decimals(min_value=0, max_value=100, places=2, allow_nan=False))
def test_percent_with_two_decimals_round_trips_exactly(pct: D) -> None:
    written = phrase(pct, Style(percent=True, decimals=2))
    assert written.exact
    assert parse(written.text).number == pct


_PIECES = st.sampled_from(
    ["1", "2", "0", "5", "12", "2022", ".", ",", "，", "**", "*", "万", "亿", "余", "多", "约",
     "超过", "近", "以上", "左右", "个", "人次", "年", "月", "第", "类", "%", "-", "—", " ",
     "\n", "(", ")", "G", "W/cm²", "×", "10^{", "}", "签约", "１", "％", "累计"]
)  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(pieces=st.lists(_PIECES, max_size=20))
def test_find_claims_never_raises_and_spans_hold_their_claim(pieces: list[str]) -> None:
    text = "".join(pieces)
    for claim in find_claims(text):
        assert 0 <= claim.start < claim.end <= len(text)
        assert claim.text in text.replace("**", "")
        assert claim.bounds == parse(claim.text)
        assert claim.bounds.contains(claim.bounds.number) or claim.bounds.qualifier
