"""Fact-check a human-written report: extract its claims, match them to indicators, judge them."""

from __future__ import annotations

import json
import re
from collections import Counter
from decimal import Decimal
from difflib import SequenceMatcher
from typing import Any

from zhangjiang.indicators import load_builtin
from zhangjiang.periods import parse_period, ytd_period
from zhangjiang.phrasing import ClaimSpan, find_claims
from zhangjiang.phrasing.numbers import json_number
from zhangjiang.report.figures import FigureBook, base_value
from zhangjiang.report.render import skeleton_lines
from zhangjiang.store import Store

__all__ = ["VERDICTS", "check_text"]

VERDICTS = ("verified", "contradicted", "no-data", "unmatched")
_MARKER = re.compile(r"⟦([^|⟧]+)\|([^⟧]*)⟧")
_LINE_MATCH = 0.45
_CONTEXT_MATCH = 0.3
_LOCAL_MATCH = 0.6
# "1—10月", "1-10月", "1至10月": a year-to-date figure through that month.
_MONTHS = re.compile(r"1\s*[—–\-~～至到]\s*(\d{1,2})\s*月")


def check_text(store: Store, text: str, period: str) -> dict[str, Any]:
    """Return every quantitative claim of ``text`` with its indicator and verdict.

    A line that names its months ("1—10月") has its year-to-date figures judged against
    the value of January to that month, not against the latest one.
    """
    per = parse_period(period)
    book = FigureBook(store, per)
    ranges: dict[int, FigureBook] = {}
    skeletons = [_Skeleton(line) for line in skeleton_lines(store, period)]
    facts = _fact_texts(book)
    claims: list[dict[str, Any]] = []
    for line in text.splitlines():
        spans = find_claims(line)
        if not spans:
            continue
        plain = _without_claims(line, spans)
        best = max(skeletons, key=lambda s: s.similarity(plain), default=None)
        matched = (
            best.align(line, spans)
            if best and best.similarity(plain) >= _LINE_MATCH
            else [None] * len(spans)
        )
        matched = [
            t or _nearest_marker(skeletons, line, span)
            for t, span in zip(matched, spans, strict=True)
        ]
        line_book = book
        if (m := _MONTHS.search(line)) and per.kind == "year" and 1 <= int(m[1]) < 12:
            months = int(m[1])
            if months not in ranges:
                ranges[months] = FigureBook(store, ytd_period(per.year, months))
            line_book = ranges[months]
        for span, target in zip(spans, matched, strict=True):
            claims.append(_judge(book, line_book, line, span, target, facts))
    summary = Counter(c["verdict"] for c in claims)
    return {"claims": claims, "summary": {v: summary.get(v, 0) for v in VERDICTS}}


class _Skeleton:
    """A template line with the positions of its figures."""

    def __init__(self, line: str) -> None:
        self.markers = [
            (m.group(1), json.loads(m.group(2))) for m in _MARKER.finditer(line)
        ]
        pieces = _MARKER.split(line)
        # pieces: text, id, dims, text, id, dims, ..., text
        self.contexts = [_normalise(pieces[i]) for i in range(0, len(pieces), 3)]
        self.key = _normalise(_MARKER.sub("", line))

    def local(self) -> list[tuple[str, str, tuple[str, dict[str, Any]]]]:
        """Return each marker with the words just before and after it."""
        return [
            (self.contexts[i][-10:], self.contexts[i + 1][:6], m)
            for i, m in enumerate(self.markers)
        ]

    def similarity(self, plain: str) -> float:
        return SequenceMatcher(None, self.key, plain, autojunk=False).ratio()

    def align(
        self, line: str, spans: list[ClaimSpan]
    ) -> list[tuple[str, dict[str, Any]] | None]:
        """Pair each claim with the marker whose preceding words match its own."""
        out: list[tuple[str, dict[str, Any]] | None] = []
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


def _nearest_marker(
    skeletons: list[_Skeleton], line: str, span: ClaimSpan
) -> tuple[str, dict[str, Any]] | None:
    """Match a claim by the words around it when its line as a whole matched no template line."""
    before = _normalise(line[: span.start])[-10:]
    after = _normalise(line[span.end :])[:6]
    best, best_score = None, _LOCAL_MATCH
    for skeleton in skeletons:
        for ctx_before, ctx_after, marker in skeleton.local():
            score = 0.7 * _ratio(ctx_before, before) + 0.3 * _ratio(ctx_after, after)
            if score > best_score:
                best, best_score = marker, score
    return best


def _ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio() if a or b else 1.0


def _judge(
    book: FigureBook,
    line_book: FigureBook,
    line: str,
    span: ClaimSpan,
    target: tuple[str, dict[str, Any]] | None,
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
    if target is None:
        if any(_same_figure(span.text, fact) for fact in facts):
            claim.update(indicator="facts", verdict="verified", actual=span.text)
        return claim
    indicator, dims = target
    claim.update(indicator=indicator, dimensions=dims)
    ind = load_builtin().get(indicator)
    ytd = ind is not None and ind.period_rule == "ytd"
    used = line_book if ytd else book
    row = used.value(indicator, **dims)
    claim["period"] = used.period.label
    if row is None:
        claim["verdict"] = "no-data"
        return claim
    actual = base_value(row["value"], row["unit"])
    if line[max(0, span.start - 4) : span.start].replace("*", "").endswith("下降"):
        actual = -actual
    claim["actual"] = _num(actual)
    claim["verdict"] = "verified" if b.contains(actual) else "contradicted"
    return claim


def _fact_texts(book: FigureBook) -> list[str]:
    texts = []
    for dataset in ("events", "facility_milestones"):
        for row in book.facts(dataset):
            texts.append(str(row.get("text_zh") or ""))
    return texts


def _same_figure(claim: str, fact: str) -> bool:
    return bool(claim) and _normalise(claim) in _normalise(fact)


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
