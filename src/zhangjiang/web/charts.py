"""Chart specifications: Plotly figures as plain dicts, and inline SVG sparklines."""

from __future__ import annotations

from typing import Any

__all__ = ["bar_chart", "line_chart", "sparkline"]

_FONT = "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif"
_COLOURS = ["#1f5fa8", "#c0392b", "#2e7d32", "#8e44ad", "#b9770e", "#117a8b", "#6d4c41"]


def bar_chart(
    labels: list[str], values: list[Any], title: str, unit: str
) -> dict[str, Any]:
    """Return a Plotly figure with one bar per label."""
    trace = {
        "type": "bar",
        "x": labels,
        "y": values,
        "marker": {"color": _COLOURS[0]},
        "hovertemplate": "%{x}: %{y}"
        + (f" {unit}" if unit else "")
        + "<extra></extra>",
    }
    return _figure([trace], title, unit)


def line_chart(
    periods: list[str], series: dict[str, list[Any]], title: str, unit: str
) -> dict[str, Any]:
    """Return a Plotly figure with one line per named series over ``periods``."""
    traces = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": name or title,
            "x": periods,
            "y": ys,
            "line": {"color": _COLOURS[i % len(_COLOURS)]},
        }
        for i, (name, ys) in enumerate(series.items())
    ]
    figure = _figure(traces, title, unit)
    figure["layout"]["xaxis"]["type"] = "category"
    figure["layout"]["showlegend"] = len(traces) > 1
    return figure


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


def _figure(traces: list[dict[str, Any]], title: str, unit: str) -> dict[str, Any]:
    return {
        "data": traces,
        "layout": {
            "title": {"text": title, "font": {"size": 15}},
            "font": {"family": _FONT, "color": "#1a1a1a"},
            "margin": {"l": 56, "r": 16, "t": 48, "b": 48},
            "height": 320,
            "paper_bgcolor": "#ffffff",
            "plot_bgcolor": "#ffffff",
            "xaxis": {"automargin": True},
            "yaxis": {
                "title": {"text": unit},
                "automargin": True,
                "rangemode": "tozero",
            },
        },
    }
