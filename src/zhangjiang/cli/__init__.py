"""Command-line interface: one thin function per command, no business logic."""

from __future__ import annotations

import importlib

from zhangjiang.cli.common import app, main

# Each module registers its commands on ``app`` when imported.
for _module in (
    "data",
    "indicators",
    "report",
    "serve",
    "demo",
    "hpc",
    "users",
    "export",
    "quality",
    "status",
):
    try:
        importlib.import_module(f"zhangjiang.cli.{_module}")
    except ModuleNotFoundError as exc:
        if exc.name != f"zhangjiang.cli.{_module}":
            raise

__all__ = ["app", "main"]
