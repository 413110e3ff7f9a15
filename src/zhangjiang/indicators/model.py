"""The declaration of an indicator: id, titles, unit, SQL definition, period rule, phrasing."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Indicator", "IndicatorValue", "dimensions_key"]

_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


@dataclass(frozen=True)
class Indicator:
    """An indicator defined once as DuckDB SQL over the stored datasets.

    The SQL receives ``$start`` (DATE, first day of the period), ``$end`` (DATE, first day
    after it) and ``$year`` (INTEGER) and returns one row per combination of its
    ``dimensions`` with the columns: each dimension, ``value``, ``sources`` (the list of
    batch ids the value came from) and optionally ``ref_end`` (the last day the value
    covers, which the reference-period label is built from).

    ``inputs`` names the datasets the SQL reads, the primary one first: while the primary
    dataset has no loaded batch the indicator has no value (a data gap, never a zero).

    ``monthly`` indicators are also computed for each month with data (the series).
    ``comparable`` compares a value with the same period of the previous year on a
    comparable basis (同口径): over the reporters of the primary input that reported in
    both periods. ``yoy_of`` makes the indicator the year-on-year change of another one
    (its SQL is then empty): one mechanism for every growth rate.

    ``rollup_sql`` gives the same rows as ``sql`` from a rollup that ingest maintains;
    DuckDB runs it for whole-month periods while ``rollup_ready`` (a query of one
    boolean) holds. ``sql`` stays the definition: Spark and every other period run it.
    """

    id: str
    title_zh: str
    title_en: str
    unit: str
    unit_en: str
    sql: str
    description_zh: str
    description_en: str
    inputs: tuple[str, ...]
    dimensions: tuple[str, ...] = ()
    period_rule: str = "year"
    style: dict[str, Any] = field(default_factory=dict)
    domain: str = "core"
    keywords: tuple[str, ...] = ()
    monthly: bool = False
    comparable: bool = False
    yoy_of: str | None = None
    rollup_sql: str = ""
    rollup_ready: str = ""

    def __post_init__(self) -> None:
        if not _ID.match(self.id):
            raise ValueError(f"indicator id {self.id!r} is not dotted snake_case")

    @property
    def definition_hash(self) -> str:
        """Return a short hash of everything that defines the value."""
        parts = [self.sql, ",".join(self.dimensions), self.period_rule, self.unit]
        if self.comparable or self.yoy_of:
            parts += [f"comparable={self.comparable}", f"yoy_of={self.yoy_of}"]
        text = "\x1f".join(parts)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class IndicatorValue:
    """One computed value: an indicator for a period and a combination of dimensions."""

    indicator_id: str
    dimensions: dict[str, Any]
    period: str
    reference_period: str
    reference_period_en: str
    value: Any
    unit: str
    status: str
    definition_hash: str
    computed_at: Any
    sources: tuple[int, ...]
    ref_start: Any = None
    ref_end: Any = None
    previous: Any = None
    yoy: Any = None


def dimensions_key(dimensions: dict[str, Any]) -> str:
    """Return one text for a dimension combination, whatever the order of its keys.

    It is how values are stored (``indicator_values.dimensions``) and looked up.
    """
    return json.dumps(dimensions, sort_keys=True, ensure_ascii=False)
