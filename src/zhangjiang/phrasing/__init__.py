"""Write figures as truthful Chinese/English phrases and read such phrases back to bounds.

The truth conditions are the "Number phrasing" rules of GLOSSARY.md: 800余 means
800 < v < 900, 约11700 rounds to 11700 at the hundreds, 超500亿 means v > 5e10, and so on.
``phrase`` writes only true phrases; ``parse`` and ``find_claims`` recover what a phrase
asserts, so that a checker can test a report against the figures behind it.
"""

from zhangjiang.phrasing.claims import UNITS, find_claims
from zhangjiang.phrasing.model import (
    QUALIFIER_KIND,
    QUALIFIERS,
    SCALES,
    UNITS_EN,
    Bounds,
    ClaimSpan,
    Phrase,
    Style,
)
from zhangjiang.phrasing.parsing import parse
from zhangjiang.phrasing.writing import phrase, phrase_growth

__all__ = [
    "QUALIFIERS",
    "QUALIFIER_KIND",
    "SCALES",
    "UNITS",
    "UNITS_EN",
    "Bounds",
    "ClaimSpan",
    "Phrase",
    "Style",
    "find_claims",
    "parse",
    "phrase",
    "phrase_growth",
]
