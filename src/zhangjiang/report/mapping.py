"""Map a claim to an indicator by what its sentence says: subjects, round, unit and sums.

The template alignment proposes an indicator for each claim (``check._Skeleton``). The
proposal stands only if it agrees with the sentence: the unit of the figure fits the
indicator's; every subject the sentence names (a facility, computing system, industry,
clearance kind, project round) is a dimension value of the indicator or named around it
in the template. Otherwise the template figure whose words best match the claim's
neighbourhood and which does agree is taken; failing that, the claim stays unmatched.
A sentence naming two subjects with 共/合计 ("魔方II和魔方III共…") claims their sum.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from zhangjiang.indicators import load_builtin
from zhangjiang.phrasing import ClaimSpan
from zhangjiang.report.figures import FigureBook
from zhangjiang.report.subjects import has_sum_word, ordinal, subjects_in

__all__ = ["Context", "Marker", "Target", "resolve", "units_agree"]

_LOCAL_MATCH = 0.55
_CLAUSE_BREAKS = "，,；;。：:"
# Measure words that count things of any kind: "82个项目" and "82项" say the same.
_GENERIC_COUNT = "个"
_COUNT_WORDS = frozenset("个项家所件条篇批台套座款种")


@dataclass(frozen=True)
class Target:
    """An indicator and the dimensions a claim is about (a list: the sum over them)."""

    indicator: str
    dimensions: dict[str, Any]


@dataclass
class Marker:
    """A figure of the template: its indicator, dimensions and surrounding words."""

    indicator: str
    dimensions: dict[str, Any]
    before: str
    after: str
    text: str
    profile: dict[str, list[Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Note the subjects the template names around this figure."""
        self.profile = subjects_in(self.text)
        for key, value in self.dimensions.items():
            self.profile.setdefault(key, [])
            if value not in self.profile[key]:
                self.profile[key].append(value)


@dataclass(frozen=True)
class Context:
    """Where a claim stands: its line, its span, where the previous claim ended, the heading."""

    line: str
    span: ClaimSpan
    previous_end: int
    heading: str

    @property
    def clause(self) -> str:
        """Return the words that lead to the claim: from the clause start or previous claim."""
        start = max(
            self.previous_end,
            max(self.line.rfind(ch, 0, self.span.start) for ch in _CLAUSE_BREAKS) + 1,
        )
        return self.line[start : self.span.start]

    def named(self) -> tuple[dict[str, Any], tuple[str, list[Any]] | None]:
        """Return the subject each dimension is about, and a sum (dimension, values) if any.

        The clause speaks first, then the line, then the heading; a level naming two
        values of a dimension does not choose between them (unless it sums them).
        """
        clause = subjects_in(self.clause)
        total = None
        for key, values in clause.items():
            if len(values) >= 2 and has_sum_word(self.clause):
                total = (key, values)
        named: dict[str, Any] = {}
        for level in (clause, subjects_in(self.line), subjects_in(self.heading)):
            for key, values in level.items():
                if key not in named and len(values) == 1:
                    named[key] = values[0]
                elif key not in named and len(values) > 1:
                    named[key] = None  # several: the level does not choose
        named = {k: v for k, v in named.items() if v is not None}
        if total is not None:
            named.pop(total[0], None)
        round_ = ordinal(self.clause) or ordinal(self.line)
        if round_ is not None:
            named["round"] = round_
        return named, total


def resolve(
    proposed: Marker | None,
    context: Context,
    markers: list[Marker],
    book: FigureBook,
) -> Target | None:
    """Return the indicator a claim is about, or None when no match is confident."""
    named, total = context.named()
    unit = context.span.bounds.unit
    if proposed is not None and _agrees(proposed, named, total, unit):
        return _target(proposed, named, total)
    before = _normalise(context.line[: context.span.start])[-10:]
    after = _normalise(context.line[context.span.end :])[:6]
    best, best_score = None, _LOCAL_MATCH
    for marker in markers:
        if not _agrees(marker, named, total, unit):
            continue
        score = 0.7 * _ratio(marker.before, before) + 0.3 * _ratio(marker.after, after)
        if named and all(
            key in marker.dimensions or value in marker.profile.get(key, [])
            for key, value in named.items()
        ):
            score += 0.15
        if score > best_score:
            best, best_score = marker, score
    return _target(best, named, total) if best is not None else None


def units_agree(claim_unit: str, indicator_unit: str) -> bool:
    """Return whether a claim's unit can measure an indicator ("个" counts anything)."""
    indicator_unit = re.sub(r"^×10\^\d+\s*", "", indicator_unit)
    if indicator_unit[:1] in ("万", "亿") and len(indicator_unit) > 1:
        indicator_unit = indicator_unit[1:]
    if not claim_unit or not indicator_unit or claim_unit == indicator_unit:
        return True
    return _GENERIC_COUNT in (claim_unit, indicator_unit) and {
        claim_unit,
        indicator_unit,
    } <= _COUNT_WORDS


def _agrees(
    marker: Marker,
    named: dict[str, Any],
    total: tuple[str, list[Any]] | None,
    unit: str,
) -> bool:
    ind = load_builtin().get(marker.indicator)
    if ind is None or not units_agree(unit, ind.unit):
        return False
    for key, value in named.items():
        if key in marker.dimensions:
            continue
        if value not in marker.profile.get(key, []):
            return False
    return total is None or total[0] in marker.dimensions


def _target(
    marker: Marker | None,
    named: dict[str, Any],
    total: tuple[str, list[Any]] | None,
) -> Target | None:
    if marker is None:
        return None
    dims = dict(marker.dimensions)
    for key, value in named.items():
        if key in dims:
            dims[key] = value
    if total is not None:
        dims[total[0]] = list(total[1])
    return Target(marker.indicator, dims)


def _ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio() if a or b else 1.0


def _normalise(text: str) -> str:
    text = text.replace("**", "").replace("，", ",").replace("；", ";")
    return re.sub(r"[\s\-\u3000“”\"]+", "", text)
