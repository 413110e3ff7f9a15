"""Records of number phrasing: styles, phrases, bounds, claims, and the qualifier table."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from zhangjiang.phrasing.numbers import Number, is_power_of_ten, to_decimal

__all__ = [
    "QUALIFIERS",
    "QUALIFIER_KIND",
    "SCALES",
    "UNITS_EN",
    "Bounds",
    "ClaimSpan",
    "Phrase",
    "Style",
]

#: Chinese scale characters and their factors (GB/T 15835-2011 allows 万 and 亿 as units).
SCALES: dict[str, Decimal] = {
    "万": Decimal(10) ** 4,
    "亿": Decimal(10) ** 8,
    "万亿": Decimal(10) ** 12,  # read only: Style.scale offers 万 and 亿
}

#: Every qualifier the parser reads, mapped to its truth condition (see GLOSSARY.md):
#: ``band`` N < v < N + b; ``about`` N - b/2 <= v < N + b/2; ``nearly`` N - b/2 <= v < N;
#: ``above`` v > N; ``at_least`` v >= N; ``at_most`` v <= N; ``below`` v < N.
QUALIFIER_KIND: dict[str, str] = {
    "余": "band",
    "多": "band",
    "约": "about",
    "大约": "about",
    "左右": "about",
    "近": "nearly",
    "将近": "nearly",
    "接近": "nearly",
    "超": "above",
    "超过": "above",
    "逾": "above",
    "以上": "at_least",
    "至少": "at_least",
    "不少于": "at_least",
    "不低于": "at_least",
    "以下": "at_most",
    "不足": "below",
    "不到": "below",
}

#: The qualifiers ``phrase`` writes (Style.qualifier); the parser reads all of QUALIFIER_KIND.
QUALIFIERS: tuple[str, ...] = (
    "余",
    "多",
    "约",
    "左右",
    "超",
    "超过",
    "逾",
    "以上",
    "近",
)

#: Where a qualifier stands: after the number and scale (800余个), or after the unit (85%以上);
#: every other qualifier stands before the number (约11700人次).
AFTER_NUMBER = frozenset({"余", "多"})
AFTER_UNIT = frozenset({"左右", "以上", "以下"})

#: English words for each truth condition.
EN_WORDS: dict[str, str] = {
    "band": "over",
    "about": "about",
    "nearly": "nearly",
    "above": "over",
    "at_least": "at least",
}

#: English unit written when Style.unit_en is empty.
UNITS_EN: dict[str, str] = {
    "元": "yuan",
    "人": "people",
    "人次": "person-visits",
    "小时": "hours",
    "核小时": "core-hours",
    "篇": "papers",
    "微米": "μm",
}


@dataclass(frozen=True)
class Style:
    """Declare how a value is written: scale, decimals, qualifier, percent, unit, base.

    ``base`` is in the units of the written number (after dividing by ``scale``): base 1 with
    scale 万 gives "8万余"; base 10 without scale gives "170余". It must be a power of ten.
    ``unit`` is the base unit ("元", not "亿元"): put 万/亿 in ``scale``.
    """

    scale: str | None = None
    decimals: int | None = 0
    trim: bool = True
    qualifier: str | None = None
    percent: bool = False
    unit: str = ""
    unit_en: str = ""
    base: Number | None = None
    scientific: bool = False

    def __post_init__(self) -> None:
        """Reject combinations that have no truthful, parseable form."""
        if self.scale not in (None, "万", "亿"):
            raise ValueError(
                f"Style.scale must be None, '万' or '亿' (got {self.scale!r})"
            )
        if self.decimals is not None and self.decimals < 0:
            raise ValueError(
                f"Style.decimals must be >= 0 or None (got {self.decimals})"
            )
        if self.qualifier is not None and self.qualifier not in QUALIFIERS:
            raise ValueError(
                f"Style.qualifier {self.qualifier!r} is not one of {', '.join(QUALIFIERS)}"
            )
        if self.base is not None and not is_power_of_ten(to_decimal(self.base)):
            raise ValueError(f"Style.base must be a power of ten (got {self.base})")
        if self.unit[:1] in ("万", "亿"):
            raise ValueError(
                f"Style.unit {self.unit!r} starts with a scale: "
                f"use scale={self.unit[0]!r}, unit={self.unit[1:]!r}"
            )
        banded = self.qualifier in AFTER_NUMBER
        if self.percent and (self.scale or self.unit or self.scientific or banded):
            raise ValueError(
                "a percent Style takes no scale, unit, scientific form or 余/多 "
                "(write 超过50% or 50%以上)"
            )
        if self.scientific and (self.scale or banded):
            raise ValueError("a scientific Style takes no scale and no 余/多")


@dataclass(frozen=True)
class Phrase:
    """A written figure: the full text and its parts.

    ``number`` includes the scale character ("3692.46万"); ``unit`` is the base unit ("元",
    "%" for percentages, the English unit for lang="en"). ``qualifier`` is the Chinese
    qualifier written (also for English text), or None when the fallback exact form was used.
    """

    text: str
    number: str
    qualifier: str | None
    unit: str
    exact: bool


@dataclass(frozen=True)
class Bounds:
    """The interval a phrase asserts, in base units (3692.46万 -> around 36924600).

    ``low``/``high`` are None when unbounded. An unqualified number asserts its rounding
    interval at the last written digit ("47%" -> [46.5, 47.5)).
    """

    low: Decimal | None
    high: Decimal | None
    low_inclusive: bool
    high_inclusive: bool
    qualifier: str | None
    unit: str
    number: Decimal

    def contains(self, v: Number) -> bool:
        """Return whether the value ``v`` (in base units) makes the phrase true."""
        d = to_decimal(v)
        if self.low is not None and (
            d < self.low or (d == self.low and not self.low_inclusive)
        ):
            return False
        return (
            self.high is None
            or d < self.high
            or (d == self.high and self.high_inclusive)
        )


@dataclass(frozen=True)
class ClaimSpan:
    """A quantitative phrase found in running text.

    ``start``/``end`` index the original text (markdown included): the span covers the
    claim and the ``**`` markers needed to keep it balanced. ``text`` is the claim with the
    markers removed, as passed to ``parse``.
    """

    start: int
    end: int
    text: str
    bounds: Bounds
