"""The text of a chart: a sentence stating its latest values and their change, and a table.

Every chart on the pages carries both, so that a reader who cannot see the plot (a screen
reader, a printout, a blocked script) gets the same figures.
"""

from __future__ import annotations

from typing import Any

from zhangjiang.web.formatting import format_number
from zhangjiang.web.i18n import pick

__all__ = ["describe_bars", "describe_lines"]

_MAX_SAID = 6


def describe_lines(
    periods: list[str], series: dict[str, list[Any]], unit: str, lang: str
) -> dict[str, Any]:
    """Return the text alternative and data table of lines over ``periods``.

    Examples
    --------
    >>> describe_lines(["2021", "2022"], {"A": [100, 120]}, "个", "zh")["alt"]
    'A：2022 为 120个，比 2021 增加 20个（+20.0%）。'
    >>> describe_lines(["2021", "2022"], {"A": [100, 90]}, "hours", "en")["alt"]
    'A: 90 hours in 2022, down 10 hours (-10.0%) from 2021.'
    """
    sentences = []
    for name, ys in list(series.items())[:_MAX_SAID]:
        known = [(p, y) for p, y in zip(periods, ys, strict=True) if y is not None]
        if not known:
            continue
        sentences.append(_latest_sentence(name, known, unit, lang))
    return {
        "alt": pick(lang, "".join(sentences), " ".join(sentences)),
        "table": {
            "head": [
                pick(lang, "报告期", "Period"),
                *(name or pick(lang, "数值", "Value") for name in series),
            ],
            "rows": [
                [p, *(_write(ys[i], unit, lang) for ys in series.values())]
                for i, p in enumerate(periods)
            ],
        },
    }


def describe_bars(
    labels: list[str],
    values: list[Any],
    changes: list[str | None],
    unit: str,
    lang: str,
) -> dict[str, Any]:
    """Return the text alternative and data table of bars, each with its yearly change.

    Examples
    --------
    >>> describe_bars(["A", "B"], [3, 5], ["同比增长50.0%", None], "个", "zh")["alt"]
    'A 3个（同比增长50.0%）；B 5个。'
    """
    parts = []
    for name, value, change in list(zip(labels, values, changes, strict=True))[
        :_MAX_SAID
    ]:
        text = f"{name} {_write(value, unit, lang)}"
        if change:
            text += pick(lang, f"（{change}）", f" ({change})")
        parts.append(text)
    if len(labels) > _MAX_SAID:
        parts.append(
            pick(lang, f"等{len(labels)}项", f"and {len(labels) - _MAX_SAID} more")
        )
    alt = pick(lang, "；".join(parts) + "。", "; ".join(parts) + ".")
    return {
        "alt": alt,
        "table": {
            "head": [
                pick(lang, "维度", "Dimensions"),
                pick(lang, "数值", "Value"),
                pick(lang, "同比", "Year on year"),
            ],
            "rows": [
                [name, _write(value, unit, lang), change or "—"]
                for name, value, change in zip(labels, values, changes, strict=True)
            ],
        },
    }


def _latest_sentence(
    name: str, known: list[tuple[str, Any]], unit: str, lang: str
) -> str:
    period, last = known[-1]
    if not name:  # a single unnamed line: the sentence starts with its figure
        return _latest_sentence(pick(lang, "最新", "Latest"), known, unit, lang)
    if len(known) < 2:
        return pick(
            lang,
            f"{name}：{period} 为 {_write(last, unit, lang)}。",
            f"{name}: {_write(last, unit, lang)} in {period}.",
        )
    before, prev = known[-2]
    diff = float(last) - float(prev)
    pct = f"（{diff / float(prev) * 100:+.1f}%）" if prev else ""
    pct_en = f" ({diff / float(prev) * 100:+.1f}%)" if prev else ""
    if diff == 0:
        return pick(
            lang,
            f"{name}：{period} 为 {_write(last, unit, lang)}，与 {before} 持平。",
            f"{name}: {_write(last, unit, lang)} in {period}, as in {before}.",
        )
    up = diff > 0
    return pick(
        lang,
        f"{name}：{period} 为 {_write(last, unit, lang)}，比 {before} "
        f"{'增加' if up else '减少'} {_write(abs(diff), unit, lang)}{pct}。",
        f"{name}: {_write(last, unit, lang)} in {period}, {'up' if up else 'down'} "
        f"{_write(abs(diff), unit, lang)}{pct_en} from {before}.",
    )


def _write(value: Any, unit: str, lang: str) -> str:
    if value is None:
        return "—"
    number = format_number(int(value) if float(value) == int(value) else value, lang)
    if not unit:
        return number
    return f"{number}{unit}" if lang == "zh" or unit == "%" else f"{number} {unit}"
