"""What the overview says in words: a lead sentence per area, and the release status.

The sentence is written from the area's headline cards as the report's lead sentences
are: the first figures that have a year-on-year change, with that change. The release
status says which version of a period was released and when, or that the figures are
provisional and not released; it never claims a release that does not exist.
"""

from __future__ import annotations

from typing import Any

from zhangjiang.snapshot import Snapshot
from zhangjiang.web.i18n import pick

__all__ = ["area_headline", "release_status"]

_CLAUSES = 2


def area_headline(cards: list[dict[str, Any]], lang: str) -> str | None:
    """Return one sentence about an area from its cards, or None when it has none.

    Examples
    --------
    >>> card = {"title": "集成电路产业营收", "figures": [{"label": "", "display": "3000亿元",
    ...     "reference_period": "2022年", "yoy": {"value": 10, "display": "同比增长10.0%"}}]}
    >>> area_headline([card], "zh")
    '2022年集成电路产业营收为3000亿元，同比增长10.0%。'
    """
    growing = [(c, f) for c in cards for f in c["figures"][:1] if f.get("yoy")]
    # A change says more than "flat": figures that moved come first (sort is stable).
    growing.sort(key=lambda cf: cf[1]["yoy"]["value"] == 0)
    picked = growing[:_CLAUSES]
    if not picked:
        picked = [(c, c["figures"][0]) for c in cards[:1] if c["figures"]]
    if not picked:
        return None
    clauses = [_clause(c, f, lang) for c, f in picked]
    return pick(lang, "；".join(clauses) + "。", "; ".join(clauses) + ".")


def release_status(snap: Snapshot, period: str | None, lang: str) -> dict[str, Any]:
    """Return whether ``period`` is released (version, date) or still provisional."""
    release = next(
        (r for r in snap.releases if r.get("latest") and r["period"] == period), None
    )
    if release is None:
        return {
            "released": False,
            "version": None,
            "released_at": None,
            "text": pick(lang, "初步数，尚未发布", "Provisional, not yet released"),
        }
    day = str(release["released_at"])[:10]
    return {
        "released": True,
        "version": release["version"],
        "released_at": day,
        "text": pick(
            lang,
            f"已发布：第{release['version']}版，{day}",
            f"Released: version {release['version']}, {day}",
        ),
    }


def _clause(card: dict[str, Any], figure: dict[str, Any], lang: str) -> str:
    label = figure.get("label") or ""
    change = figure["yoy"]["display"] if figure.get("yoy") else ""
    text = pick(
        lang,
        f"{figure['reference_period']}{card['title']}{label}为{figure['display']}",
        f"{card['title']}{' (' + label + ')' if label else ''}: "
        f"{figure['display']} ({figure['reference_period']})",
    )
    return f"{text}{pick(lang, '，', ', ')}{change}" if change else text
