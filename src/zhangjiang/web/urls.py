"""Links between pages: one place that spells the dashboard's URLs."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

__all__ = ["href", "indicator_api", "indicator_href"]


def href(path: str, **params: Any) -> str:
    """Return ``path`` with the non-empty query parameters appended.

    Examples
    --------
    >>> href("/area/hpc", period="2022", lang=None)
    '/area/hpc?period=2022'
    """
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{path}?{query}" if query else path


def indicator_href(indicator_id: str, period: str | None) -> str:
    """Return the link to an indicator's page."""
    return href(f"/indicator/{quote(indicator_id)}", period=period)


def indicator_api(indicator_id: str, period: str | None) -> str:
    """Return the link to an indicator's JSON."""
    return href(f"/api/v1/indicators/{quote(indicator_id)}", period=period)
