"""Indicators: declared once as SQL, computed for a period, stored with their lineage."""

from zhangjiang.indicators.engine import compute, read_values
from zhangjiang.indicators.model import Indicator, IndicatorValue
from zhangjiang.indicators.registry import (
    INDICATORS,
    get_indicator,
    load_builtin,
    register,
)

__all__ = [
    "INDICATORS",
    "Indicator",
    "IndicatorValue",
    "compute",
    "get_indicator",
    "load_builtin",
    "read_values",
    "register",
]
