"""Fact-check a human-written report: extract its claims, match them to indicators, judge them.

A claim is mapped in two steps. First its line is aligned with the template's lines (the
report's own wording); then the mapping is checked against what the sentence itself says
(``report.mapping``): the subjects it names (facility, system, industry, round), its
unit, and sums over subjects ("魔方II和魔方III共…"). A claim with no confident match is
``unmatched``, never forced onto an indicator. The period a sentence names ("1—10月",
"截至9月底", "全年", "2021年") is a claim of its own: the figure is judged against the
value of that period, and a figure whose period has no such value is ``contradicted``
with the period named.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from decimal import Decimal
from difflib import SequenceMatcher
from typing import Any

from zhangjiang.periods import Period, parse_period, ytd_period
from zhangjiang.phrasing import ClaimSpan, find_claims
from zhangjiang.phrasing.numbers import json_number
from zhangjiang.report.figures import FigureBook, base_value
from zhangjiang.report.mapping import Context, Marker, Target, resolve
from zhangjiang.report.period_words import NamedPeriod, named_periods, period_at
from zhangjiang.report.render import skeleton_entries
from zhangjiang.store import Store

__all__ = ["VERDICTS", "check_text"]

VERDICTS = ("verified", "contradicted", "no-data", "unmatched")
_MARKER = re.compile(r"⟦([^|⟧]+)\|([^⟧]*)⟧")
_LINE_MATCH = 0.45
_CONTEXT_MATCH = 0.3


def check_text(store: Store, text: str, period: str) -> dict[str, Any]:
    """Return every quantitative claim of ``text`` with its indicator and verdict.

    Each figure is judged against the value of the period its sentence names, or of
    ``period`` when it names none. When ``period`` has no data at all, ``notice`` says so.
    """
    per = parse_period(period)
    books = _Books(store, per)
    skeletons = [_Skeleton(h, line) for h, line in skeleton_entries(store, period)]
    markers = [m for s in skeletons for m in s.markers]
    facts = _fact_texts(books.main)
    claims: list[dict[str, Any]] = []
    heading = ""
    for line in text.splitlines():
        spans = find_claims(line)
        if not spans:
            if _is_heading(line):
                heading = line
            continue
        plain = _without_claims(line, spans)
        best = max(skeletons, key=lambda s: s.similarity(plain), default=None)
        similarity = best.similarity(plain) if best else 0.0
        aligned = (
            best.align(line, spans)
            if best and similarity >= _LINE_MATCH
            else [None] * len(spans)
        )
        periods = named_periods(line, per.year)
        previous_end = 0
        for span, first in zip(spans, aligned, strict=True):
            context = Context(line, span, previous_end, heading)
            previous_end = span.end
            target = resolve(first, context, markers, books.has_value, similarity)
            named = period_at(line, span.start, periods)
            claims.append(_judge(books, line, span, target, named, facts))
    summary = Counter(c["verdict"] for c in claims)
    result: dict[str, Any] = {
        "claims": claims,
        "summary": {v: summary.get(v, 0) for v in VERDICTS},
        "period": per.label,
        "has_data": books.main.has_values(),
    }
    if not result["has_data"]:
        result["notice"] = (
            f"{per.label} 期间没有任何数据，所有数字都无法核对 / "
            f"the period {per.label} has no data at all; no figure can be checked"
        )
    return result


class _Books:
    """Figure books by period: the checked period's, and those the draft names."""

    def __init__(self, store: Store, period: Period) -> None:
        self.store = store
        self.main = FigureBook(store, period)
        self._books: dict[str, FigureBook] = {period.label: self.main}

    def has_value(self, target: Target) -> bool:
        """Return whether the checked period has a value for a target (sums: each part)."""
        return _value(self.main, target) is not None

    def for_named(self, named: NamedPeriod) -> FigureBook:
        """Return the figure book of the window a period word names."""
        months = named.months
        per = (
            parse_period(str(named.year))
            if months is None
            else ytd_period(named.year, months)
        )
        if per.label not in self._books:
            self._books[per.label] = FigureBook(self.store, per)
        return self._books[per.label]


class _Skeleton:
    """A template line with the positions of its figures and the heading it is under."""

    def __init__(self, heading: str, line: str) -> None:
        found = [(m.group(1), json.loads(m.group(2))) for m in _MARKER.finditer(line)]
        pieces = _MARKER.split(line)
        # pieces: text, id, dims, text, id, dims, ..., text
        self.contexts = [_normalise(pieces[i]) for i in range(0, len(pieces), 3)]
        self.key = _normalise(_MARKER.sub("", line))
        text = heading + " " + _MARKER.sub("", line)
        self.markers = [
            Marker(
                indicator,
                dims,
                self.contexts[i][-10:],
                self.contexts[i + 1][:6],
                text,
            )
            for i, (indicator, dims) in enumerate(found)
        ]

    def similarity(self, plain: str) -> float:
        return SequenceMatcher(None, self.key, plain, autojunk=False).ratio()

    def align(self, line: str, spans: list[ClaimSpan]) -> list[Marker | None]:
        """Pair each claim with the marker whose preceding words match its own."""
        out: list[Marker | None] = []
        next_marker = 0
        previous_end = 0
        for span in spans:
            before = _normalise(line[previous_end : span.start])[-12:]
            previous_end = span.end
            best, best_score = None, _CONTEXT_MATCH
            for i in range(next_marker, len(self.markers)):
                context = self.contexts[i][-12:]
                score = (
                    SequenceMatcher(None, context, before, autojunk=False).ratio()
                    if context or before
                    else 1.0
                )
                if score > best_score:
                    best, best_score = i, score
            if (
                best is None
                and next_marker < len(self.markers)
                and len(spans) == len(self.markers)
            ):
                best = next_marker
            if best is None:
                out.append(None)
                continue
            out.append(self.markers[best])
            next_marker = best + 1
        return out


def _judge(
    books: _Books,
    line: str,
    span: ClaimSpan,
    target: Target | None,
    named: NamedPeriod | None,
    facts: list[str],
) -> dict[str, Any]:
    b = span.bounds
    claim: dict[str, Any] = {
        "text": span.text,
        "low": _num(b.low),
        "high": _num(b.high),
        "qualifier": b.qualifier,
        "unit": b.unit,
        "indicator": None,
        "dimensions": None,
        "verdict": "unmatched",
        "actual": None,
        "context": line.strip()[:120],
    }
    if named is not None:
        claim["period_claimed"] = named.text
    if target is None:
        if any(_same_figure(span.text, fact) for fact in facts):
            claim.update(indicator="facts", verdict="verified", actual=span.text)
        return claim
    claim.update(indicator=target.indicator, dimensions=target.dimensions)
    row = _value(books.main, target)
    if named is not None and (row is None or not named.covers(row)):
        other = _value(books.for_named(named), target)
        if other is not None and named.covers(other):
            row = other
        elif row is not None:
            claim.update(
                verdict="contradicted",
                period=row["reference_period"],
                actual=_num(base_value(row["value"], row["unit"])),
                reason=(
                    f"期间不符：数据中没有“{named.text}”的值，该指标的参考期为"
                    f"{row['reference_period']} / period mismatch: no value for "
                    f"“{named.text}”; the data are for {row['reference_period_en']}"
                ),
            )
            return claim
    if row is None:
        claim["verdict"] = "no-data"
        claim["period"] = books.main.period.label
        return claim
    claim["period"] = row["reference_period"]
    actual = base_value(row["value"], row["unit"])
    if line[max(0, span.start - 4) : span.start].replace("*", "").endswith("下降"):
        actual = -actual
    claim["actual"] = _num(actual)
    claim["verdict"] = "verified" if b.contains(actual) else "contradicted"
    return claim


def _value(book: FigureBook, target: Target) -> dict[str, Any] | None:
    """Return the value row of a target; a sum over listed subjects adds their rows."""
    listed = [(k, v) for k, v in target.dimensions.items() if isinstance(v, list)]
    if not listed:
        return book.value(target.indicator, **target.dimensions)
    key, values = listed[0]
    rows = [
        book.value(target.indicator, **{**target.dimensions, key: v}) for v in values
    ]
    if any(r is None for r in rows):
        return None
    first = rows[0]
    assert first is not None  # for mypy: checked above
    total = sum((base_value(r["value"], r["unit"]) for r in rows if r), Decimal(0))
    return {**first, "value": total, "unit": _base_unit(first["unit"])}


def _base_unit(unit: str) -> str:
    return unit[1:] if len(unit) > 1 and unit[0] in "万亿" else unit


def _fact_texts(book: FigureBook) -> list[str]:
    texts = []
    for dataset in ("events", "facility_milestones"):
        for row in book.facts(dataset):
            texts.append(str(row.get("text_zh") or ""))
    return texts


def _same_figure(claim: str, fact: str) -> bool:
    return bool(claim) and _normalise(claim) in _normalise(fact)


def _is_heading(line: str) -> bool:
    text = line.strip()
    if text.startswith(("#", ">>")):
        return True
    return (
        bool(text)
        and not text.startswith(("-", "*", "+"))
        and len(text) <= 40
        and not text.endswith(("。", ".", "；", ";"))
    )


def _without_claims(line: str, spans: list[ClaimSpan]) -> str:
    out, last = [], 0
    for span in spans:
        out.append(line[last : span.start])
        last = span.end
    out.append(line[last:])
    return _normalise("".join(out))


def _normalise(text: str) -> str:
    text = (
        text.replace("**", "")
        .replace("，", ",")
        .replace("；", ";")
        .replace("（", "(")
        .replace("）", ")")
    )
    return re.sub(r"[\s\-\u3000“”\"]+", "", text)


def _num(value: Decimal | None) -> float | int | None:
    return None if value is None else json_number(value)
