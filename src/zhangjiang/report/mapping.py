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
from collections.abc import Callable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from zhangjiang.indicators import load_builtin
from zhangjiang.phrasing import ClaimSpan
from zhangjiang.report.subjects import has_sum_word, ordinal, subjects_in

__all__ = ["Context", "Marker", "Target", "resolve", "units_agree"]

_LOCAL_MATCH = 0.55
_WINDOW = 12
_MIN_COMMON = 3
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

    @property
    def following(self) -> str:
        """Return the words after the claim up to the next clause break."""
        rest = self.line[self.span.end :]
        cut = min(
            [i for i in (rest.find(ch) for ch in _CLAUSE_BREAKS) if i >= 0]
            or [len(rest)]
        )
        return rest[:cut]

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
        line, heading = (
            subjects_in(t, topical=True) for t in (self.line, self.heading)
        )
        for level in (clause, line, heading):
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
    has_value: Callable[[Target], bool],
    alignment: float = 0.0,
) -> Target | None:
    """Return the indicator a claim is about, or None when no match is confident.

    Each template figure that agrees with the sentence (unit, subjects, round) is scored
    by its evidence: the indicator's declared keywords next to the claim, the subjects
    it names, and the template's words around the figure; the figure the line alignment
    proposed gets a bonus that grows with how closely the line matched its template line
    (``alignment``, 0..1). Without evidence and without close template words, none wins.
    """
    named, total = context.named()
    unit = context.span.bounds.unit
    before = _normalise(context.line[: context.span.start])[-10:]
    after = _normalise(context.line[context.span.end :])[:6]
    window_before = _normalise(context.clause)[-_WINDOW:]
    window_after = _normalise(context.following)[:_WINDOW]
    best, best_score = None, 0.0
    scored: list[tuple[Marker, float, str]] = []
    for marker in markers:
        if not _agrees(marker, named, total, unit):
            continue
        local = 0.7 * _ratio(marker.before, before) + 0.3 * _ratio(marker.after, after)
        evidence, word = _keyword_hit(marker.indicator, window_before, window_after)
        # A subject named in the claim's own clause that is a dimension of the
        # indicator ("魔方II为47%") is evidence; one named only by a heading is not.
        close = [
            k
            for k in subjects_in(context.clause)
            if k in named or (total is not None and k == total[0])
        ]
        if any(k in marker.dimensions for k in close) and all(
            k in marker.dimensions or named.get(k) in marker.profile.get(k, [])
            for k in close
        ):
            evidence = max(evidence, 0.5)
        is_proposed = proposed is not None and marker is proposed
        if not (evidence > 0 or is_proposed or local >= _LOCAL_MATCH):
            continue
        target = _target(marker, named, total)
        if (
            target is not None
            and target.dimensions != marker.dimensions
            and not has_value(target)
        ):
            continue  # a subject the indicator has no value for: not this indicator
        bonus = 0.3 + 3 * max(0.0, alignment - 0.7) if is_proposed else 0.0
        score = evidence + 0.5 * local + bonus
        scored.append((marker, evidence, word))
        if score > best_score:
            best, best_score = marker, score
    return _target(_more_specific(best, scored), named, total)


def _more_specific(
    best: Marker | None, scored: list[tuple[Marker, float, str]]
) -> Marker | None:
    """Prefer an indicator whose title holds the best one's keyword and adds words of
    its own found next to the claim: "三大期刊发表论文11篇" is about the papers in three
    journals (whose title holds "发表论文"), not all papers."""
    if best is None:
        return None
    word, strength = next(((w, e) for m, e, w in scored if m is best), ("", 0.0))
    if not word:
        return best
    best_title = _normalise(_title(best.indicator))
    special = [
        (evidence, marker)
        for marker, evidence, own in scored
        if marker.indicator != best.indicator
        and evidence >= 0.75 * strength
        and len(own) >= _MIN_COMMON
        and own not in best_title
        and word in _normalise(_title(marker.indicator))
    ]
    return max(special, key=lambda t: t[0])[1] if special else best


def _title(indicator: str) -> str:
    ind = load_builtin().get(indicator)
    return ind.title_zh if ind is not None else ""


def units_agree(claim_unit: str, indicator_unit: str) -> bool:
    """Return whether a claim's unit can measure an indicator ("个" counts anything)."""
    indicator_unit = re.sub(r"^×10\^\d+\s*", "", indicator_unit)
    if indicator_unit[:1] in ("万", "亿") and len(indicator_unit) > 1:
        indicator_unit = indicator_unit[1:]
    if not claim_unit or not indicator_unit or claim_unit == indicator_unit:
        return True
    return (
        _GENERIC_COUNT in (claim_unit, indicator_unit)
        and {
            claim_unit,
            indicator_unit,
        }
        <= _COUNT_WORDS
    )


def _keyword_hit(indicator: str, before: str, after: str) -> tuple[float, str]:
    """Return the strength of the best keyword next to a claim, and that keyword.

    A declared keyword (or its title) right after the figure ("233家单位") is the
    strongest sign, one ending just before it ("银行28家") next; farther words and
    partial matches (3 characters or the whole keyword) count less (0: not at all).
    """
    ind = load_builtin().get(indicator)
    if ind is None:
        return 0.0, ""
    best, best_word = 0.0, ""
    for word in ind.keywords:
        word = _normalise(word)
        for text, is_after in ((after, True), (before, False)):
            if not text or not word:
                continue
            match = SequenceMatcher(
                None, text, word, autojunk=False
            ).find_longest_match(0, len(text), 0, len(word))
            # The whole keyword, half of it (3 characters or more), or its last two
            # characters (the head noun: "团队" of "科研团队").
            tail = match.size >= 2 and match.b + match.size == len(word)
            half = match.size * 2 >= len(word) and (
                match.size >= _MIN_COMMON or match.size * 3 >= 2 * len(word)
            )
            if not (tail or half):
                continue
            distance = match.a if is_after else len(text) - (match.a + match.size)
            share = match.size / len(word)
            strength = (1.2 if is_after and distance == 0 else 0.9) - 0.05 * distance
            if is_after and distance > 0:
                strength -= 0.3
            value = max(strength, 0.1) * (0.8 + 0.2 * share)
            if value > best:
                best, best_word = value, text[match.a : match.a + match.size]
    return best, best_word


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
