"""The registry of indicators; built-in definitions register themselves by domain."""

from __future__ import annotations

import importlib

from zhangjiang.errors import UnknownIndicatorError
from zhangjiang.indicators.model import Indicator
from zhangjiang.suggest import did_you_mean

__all__ = ["BUILTIN_MODULES", "INDICATORS", "get_indicator", "load_builtin", "register"]

INDICATORS: dict[str, Indicator] = {}
BUILTIN_MODULES = ("projects", "science_city", "facilities", "hpc")


def register(*indicators: Indicator) -> None:
    """Add indicators to the registry (ids are unique)."""
    for ind in indicators:
        if ind.id in INDICATORS and INDICATORS[ind.id] != ind:
            raise ValueError(f"indicator {ind.id} is declared twice")
        INDICATORS[ind.id] = ind


def get_indicator(indicator_id: str) -> Indicator:
    """Return the indicator with that id or raise UnknownIndicatorError."""
    load_builtin()
    try:
        return INDICATORS[indicator_id]
    except KeyError:
        close = did_you_mean(indicator_id, INDICATORS)
        hint = f"；您是不是要找：{'、'.join(close)} / did you mean: {', '.join(close)}?"
        raise UnknownIndicatorError(
            f"未知指标“{indicator_id}” / unknown indicator {indicator_id!r}"
            + (hint if close else "")
        ) from None


def load_builtin() -> dict[str, Indicator]:
    """Import the built-in definition modules (idempotent) and return the registry."""
    for name in BUILTIN_MODULES:
        module = f"zhangjiang.indicators.{name}"
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
    return INDICATORS
