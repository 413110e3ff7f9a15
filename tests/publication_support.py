"""A facility register for the publication list tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from zhangjiang.config import Settings
from zhangjiang.ingest.service import ingest_paths
from zhangjiang.store import Store

FACILITIES = [
    ["设施编号", "设施名称", "英文名称", "设施类型"],
    ["ssrf", "上海光源一期", "SSRF phase I", "光源"],
    ["protein", "国家蛋白质科学研究（上海）设施", "Protein facility", "蛋白质设施"],
]


def register_facilities(
    store: Store, settings: Settings, write_csv: Callable[..., Path]
) -> Store:
    """Load a facility register listing ssrf and protein into ``store``; return it."""
    path = write_csv("facilities.csv", FACILITIES)
    [result] = ingest_paths(store, "facilities", [path], settings)
    assert result.outcome == "loaded"
    return store
