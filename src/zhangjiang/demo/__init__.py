"""The synthetic demo data set: generated deterministically, loaded through the normal ingest path.

Every generator writes ordinary source files (CSV, XLSX, job logs, publication lists) whose
rows are clearly labelled as synthetic (示例 / synthetic); ``build_demo`` then ingests them
with the same code a real user runs, so the demo's indicators are computed, not typed in.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zhangjiang.config import Settings
from zhangjiang.ingest.load import IngestResult
from zhangjiang.ingest.service import ingest_paths
from zhangjiang.store import Store

__all__ = ["DEMO_NOTE", "GENERATORS", "DemoFile", "build_demo"]

DEMO_NOTE = "示例数据（合成，非真实统计）/ synthetic demo data, not real statistics"
GENERATOR_MODULES = ("projects", "science_city", "facilities", "hpc")


@dataclass(frozen=True)
class DemoFile:
    """One generated source file and how to ingest it."""

    dataset: str
    path: Path
    options: dict[str, Any] = field(default_factory=dict)


Generator = Callable[[Path, int], list[DemoFile]]
GENERATORS: dict[str, Generator] = {}


def register_generator(name: str, generator: Generator) -> None:
    """Register a demo generator ``generator(out_dir, scale) -> [DemoFile]``."""
    GENERATORS[name] = generator


def build_demo(
    store: Store,
    settings: Settings,
    out_dir: Path,
    scale: int = 1,
    only: list[str] | None = None,
    progress: bool = False,
) -> list[IngestResult]:
    """Generate every registered demo data set into ``out_dir`` and ingest it into ``store``."""
    for module in GENERATOR_MODULES:
        name = f"zhangjiang.demo.{module}"
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    results: list[IngestResult] = []
    with store.session():
        for name, generator in GENERATORS.items():
            if only and name not in only:
                continue
            target = out_dir / name
            target.mkdir(parents=True, exist_ok=True)
            for demo_file in generator(target, scale):
                results.extend(
                    ingest_paths(
                        store,
                        demo_file.dataset,
                        [demo_file.path],
                        settings,
                        note=DEMO_NOTE,
                        progress=progress,
                        snapshot=False,
                        **demo_file.options,
                    )
                )
    return results
