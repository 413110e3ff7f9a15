"""The Typer app, global options and the error edge shared by every command."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from zhangjiang.config import Settings, load_settings
from zhangjiang.errors import (
    PeriodError,
    UnknownDatasetError,
    UnknownIndicatorError,
    ZhangjiangError,
)

if TYPE_CHECKING:
    from zhangjiang.store import Store

__all__ = [
    "EXIT_REJECTED",
    "EXIT_USAGE",
    "OutputFormat",
    "app",
    "console",
    "edge",
    "emit_json",
    "err_console",
    "main",
    "settings",
    "store",
]

EXIT_REJECTED = 1
EXIT_USAGE = 2

app = typer.Typer(
    name="zhangjiang",
    help="张江综合性国家科学中心监测统计与报告平台 / Zhangjiang monitoring, statistics and reporting.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)
_state: dict[str, Any] = {}


class OutputFormat(StrEnum):
    """Output formats of listing commands."""

    table = "table"
    json = "json"


@app.callback()
def _root(
    db: Annotated[
        Path | None,
        typer.Option("--db", envvar="ZHANGJIANG_DB", help="数据库文件 / database file"),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="配置文件 zhangjiang.toml / settings file"),
    ] = None,
    user: Annotated[
        str | None,
        typer.Option("--user", help="记录为加载人 / name recorded as loaded_by"),
    ] = None,
) -> None:
    """张江综合性国家科学中心监测统计与报告平台 / Zhangjiang monitoring, statistics and reporting."""
    _state.clear()
    _state["overrides"] = {"db": db, "user": user}
    _state["config"] = config


def settings() -> Settings:
    """Return the settings of this invocation."""
    if "settings" not in _state:
        with edge():
            _state["settings"] = load_settings(
                _state.get("config"), **_state.get("overrides", {})
            )
    return _state["settings"]  # type: ignore[no-any-return]


def store(migrate: bool = True) -> Store:
    """Return the store of this invocation, migrated to the current schema."""
    from zhangjiang.store import open_store

    with edge():
        return open_store(settings().db, migrate=migrate)


@contextmanager
def edge() -> Iterator[None]:
    """Turn a ZhangjiangError into one clear message and an exit code."""
    try:
        yield
    except (UnknownDatasetError, UnknownIndicatorError, PeriodError) as exc:
        err_console.print(
            f"[red]错误 / error:[/red] {escape(str(exc))}", highlight=False
        )
        raise typer.Exit(EXIT_USAGE) from None
    except ZhangjiangError as exc:
        err_console.print(
            f"[red]错误 / error:[/red] {escape(str(exc))}", highlight=False
        )
        raise typer.Exit(EXIT_REJECTED) from None


def emit_json(data: Any) -> None:
    """Print JSON to stdout (UTF-8, not escaped)."""
    sys.stdout.write(
        json.dumps(data, ensure_ascii=False, indent=2, default=_json_default) + "\n"
    )


def _json_default(value: Any) -> Any:
    # Exact decimals become JSON numbers: integers stay integers, others keep their digits.
    if isinstance(value, Decimal):
        from zhangjiang.phrasing.numbers import json_number

        return json_number(value)
    return str(value)


def main(argv: list[str] | None = None) -> Any:
    """Run the CLI (console-script entry point)."""
    _state.clear()
    return app(args=argv, prog_name="zhangjiang")


def command(
    *args: Any, **kwargs: Any
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a command on the app (alias kept short for command modules)."""
    return app.command(*args, **kwargs)
