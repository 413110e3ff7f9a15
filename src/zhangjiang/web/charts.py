"""Chart specifications: Plotly figures as plain dicts, and inline SVG sparklines.

Axes are laid out here rather than by plotly.js so that they read like the tables beside
them: 万/亿 tick labels on Chinese pages, whole-number ticks for counts, the unit written
horizontally above the axis, and a logarithmic axis where the values differ by more than
a hundredfold (a linear one would hide the small bars).
"""

from __future__ import annotations

import math
from typing import Any

from zhangjiang.web.chart_text import describe_bars, describe_lines
from zhangjiang.web.formatting import format_number, superscript

__all__ = ["LOG_RATIO", "bar_chart", "line_chart", "sparkline", "value_axis"]

#: Values spanning more than this ratio get a logarithmic axis.
LOG_RATIO = 100
_FONT = "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif"
_COLOURS = ["#1f5fa8", "#c0392b", "#2e7d32", "#8e44ad", "#b9770e", "#117a8b", "#6d4c41"]
_TICKS = 5


def bar_chart(
    labels: list[str],
    values: list[Any],
    title: str,
    unit: str,
    lang: str = "zh",
    changes: list[str | None] | None = None,
) -> dict[str, Any]:
    """Return a Plotly figure with one bar per label; ``changes`` are their yearly changes."""
    trace = {
        "type": "bar",
        "x": labels,
        "y": values,
        "marker": {"color": _COLOURS[0]},
        "text": [_number(v, lang) for v in values],
        "hovertemplate": "%{x}: %{text}"
        + (f" {superscript(unit)}" if unit else "")
        + "<extra></extra>",
    }
    figure = _figure([trace], title, unit, values, lang)
    changes = changes or [None] * len(labels)
    return {**figure, **describe_bars(labels, values, changes, superscript(unit), lang)}


def line_chart(
    periods: list[str],
    series: dict[str, list[Any]],
    title: str,
    unit: str,
    lang: str = "zh",
) -> dict[str, Any]:
    """Return a Plotly figure with one line per named series over ``periods``."""
    traces = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": name or title,
            "x": periods,
            "y": ys,
            "text": [_number(v, lang) for v in ys],
            "hovertemplate": "%{x}: %{text}<extra>%{fullData.name}</extra>",
            "line": {"color": _COLOURS[i % len(_COLOURS)]},
        }
        for i, (name, ys) in enumerate(series.items())
    ]
    values = [v for ys in series.values() for v in ys]
    figure = _figure(traces, title, unit, values, lang)
    figure["layout"]["xaxis"]["type"] = "category"
    figure["layout"]["showlegend"] = len(traces) > 1
    return {**figure, **describe_lines(periods, series, superscript(unit), lang)}


def value_axis(values: list[Any], lang: str) -> dict[str, Any]:
    """Return the Plotly value axis for ``values``: ticks written as the tables write numbers.

    Whole-number ticks when every value is whole; a log axis when the positive values
    differ by more than ``LOG_RATIO`` times.

    Examples
    --------
    >>> value_axis([1, 3, 2], "zh")["tickvals"]
    [0, 1, 2, 3]
    >>> value_axis([3, 11], "zh")["tickvals"]
    [0, 5, 10, 15]
    >>> value_axis([12_000, 200_000_000], "zh")["ticktext"][-1]
    '10亿'
    >>> value_axis([1, 800], "en")["type"]
    'log'
    """
    known = [float(v) for v in values if v is not None]
    axis: dict[str, Any] = {"automargin": True, "tickmode": "array", "title": None}
    if not known:
        return axis
    positive = [v for v in known if v > 0]
    if positive and len(positive) == len(known) and max(known) > LOG_RATIO * min(known):
        low = math.floor(math.log10(min(positive)))
        high = math.ceil(math.log10(max(positive)))
        ticks = [10.0**e for e in range(low, high + 1)]
        return {
            **axis,
            "type": "log",
            # a little below the smallest value, so its bar has a visible height
            "range": [math.log10(min(positive)) - 0.5, high + 0.05],
            "tickvals": ticks,
            "ticktext": [_number(t, lang) for t in ticks],
        }
    whole = all(v == int(v) for v in known)
    ticks = _linear_ticks(min(0.0, min(known)), max(known), whole)
    return {
        **axis,
        "type": "linear",
        "range": [ticks[0], ticks[-1]],
        "tickvals": [int(t) if whole else t for t in ticks],
        "ticktext": [_number(t, lang) for t in ticks],
    }


def sparkline(values: list[float | None], width: int = 96, height: int = 24) -> str:
    """Return the ``points`` of an SVG polyline drawing ``values`` in a width x height box.

    Examples
    --------
    >>> sparkline([1, 3, 2], width=10, height=4)
    '1.0,3.0 5.0,1.0 9.0,2.0'
    """
    pad = 1.0
    known = [(i, float(v)) for i, v in enumerate(values) if v is not None]
    if len(known) < 2:
        return ""
    low = min(v for _, v in known)
    high = max(v for _, v in known)
    span = (high - low) or 1.0
    step = (width - 2 * pad) / (len(values) - 1)
    points = []
    for i, v in known:
        x = pad + i * step
        y = pad + (height - 2 * pad) * (1 - (v - low) / span)
        points.append(f"{x:.1f},{y:.1f}")
    return " ".join(points)


def _figure(
    traces: list[dict[str, Any]], title: str, unit: str, values: list[Any], lang: str
) -> dict[str, Any]:
    annotations = []
    if (
        unit
    ):  # horizontal, above the value axis: a one-character unit rotated reads badly
        annotations.append(
            {
                "text": superscript(unit),
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": 1.04,
                "xanchor": "left",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 12, "color": "#4a4a4a"},
            }
        )
    return {
        "data": traces,
        "layout": {
            "title": {"text": title, "font": {"size": 15}},
            "font": {"family": _FONT, "color": "#1a1a1a"},
            "margin": {"l": 64, "r": 16, "t": 56, "b": 48},
            "height": 320,
            "paper_bgcolor": "#ffffff",
            "plot_bgcolor": "#ffffff",
            "xaxis": {"automargin": True},
            "yaxis": value_axis(values, lang),
            "annotations": annotations,
        },
    }


def _linear_ticks(low: float, high: float, whole: bool) -> list[float]:
    if high <= low:
        high = low + 1
    raw = (high - low) / _TICKS
    step = max(1.0, _nice(raw, whole)) if whole else _nice(raw, whole)
    start = math.floor(low / step) * step
    ticks = [start]
    while ticks[-1] < high:
        ticks.append(ticks[-1] + step)
    return [round(t, 9) for t in ticks]


def _nice(raw: float, whole: bool) -> float:
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * power
        if raw <= step and not (whole and step != int(step)):
            return step
    return 10 * power


def _number(value: Any, lang: str) -> str:
    if value is None:
        return "—"
    return format_number(int(value) if float(value) == int(value) else value, lang)
