"""SQL pieces shared by the science-city indicators (plain SQL that sqlglot can transpile)."""

from __future__ import annotations

from dataclasses import replace

from zhangjiang.indicators.model import Indicator

__all__ = ["AREA", "DOMAIN", "count_distinct", "sources", "tag_match", "with_gaps"]

DOMAIN = "science_city"

#: Organisations of the register counted by the Torch rule: registered in the area at the
#: end of the period (``registered_date`` blank means registered before it).
AREA = """
    area AS (
        SELECT credit_code, kind, industry_tags, _batch_id AS org_batch
        FROM organizations
        WHERE in_area AND (registered_date IS NULL OR registered_date < $end)
    )"""


def sources(rows: str, *batch_columns: str) -> str:
    """Return a scalar subquery listing the distinct batch ids found in ``batch_columns``."""
    union = " UNION ALL ".join(f"SELECT {c} AS b FROM {rows}" for c in batch_columns)
    return f"(SELECT list(DISTINCT b ORDER BY b) FROM ({union}) AS s)"


def count_distinct(
    ctes: str, rows: str, *batch_columns: str, key: str = "credit_code"
) -> str:
    """Return SQL counting distinct ``key`` values of the CTE ``rows``, with its sources."""
    return (
        f"WITH {ctes}\n"
        f"SELECT (SELECT count(DISTINCT {key}) FROM {rows}) AS value,\n"
        f"       {sources(rows, *batch_columns)} AS sources"
    )


def tag_match(column: str, tag: str) -> str:
    """Return a condition true when the ";"-separated ``column`` holds ``tag``."""
    # Portable LIKE over ";a;b;" rather than DuckDB list functions; tolerate "；" and spaces.
    cleaned = f"replace(replace({column}, '；', ';'), ' ', '')"
    return f"(';' || {cleaned} || ';' LIKE '%;{tag};%')"


def with_gaps(*indicators: Indicator) -> tuple[Indicator, ...]:
    """Wrap each indicator's SQL so that missing data gives no row (a gap), not 0 or NULL.

    A value is kept only when every input view has rows and the value is not NULL, so a
    report lists the figure as a data gap instead of printing "0家" for an empty store.
    """
    out = []
    for ind in indicators:
        if ind.yoy_of is not None:  # a growth rate of another indicator has no SQL
            out.append(ind)
            continue
        present = " AND ".join(
            f"EXISTS (SELECT 1 FROM {name.replace('-', '_')})" for name in ind.inputs
        )
        sql = f"SELECT * FROM ({ind.sql}) AS q WHERE q.value IS NOT NULL AND {present}"
        out.append(replace(ind, sql=sql))
    return tuple(out)
