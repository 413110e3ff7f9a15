"""The Typer app, global options and the error edge shared by every command."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

try:  # typer 0.2x carries its own copy of Click, whose errors the CLI raises
    from typer._click import exceptions as clicks
except ImportError:  # pragma: no cover - older typer uses Click itself
    from click import exceptions as clicks  # type: ignore[no-redef]

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


class BilingualGroup(TyperGroup):
    """The root command: Click's own usage errors are printed in Chinese and English."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Run the CLI; a usage error prints one zh/en message and exits with 2."""
        standalone = kwargs.pop("standalone_mode", True)
        try:
            with _HELD:
                code = super().main(*args, standalone_mode=False, **kwargs)
        except clicks.ClickException as exc:
            if not standalone:
                raise
            err_console.print(usage_message(exc), highlight=False)
            sys.exit(exc.exit_code)
        except typer.Abort:
            if not standalone:
                raise
            err_console.print("已取消 / aborted")
            sys.exit(1)
        except Exception as exc:
            # The last edge: whatever a file or a bug raised, one bilingual message
            # naming the command and its files, never a traceback (ZHANGJIANG_DEBUG=1
            # shows it).
            if not standalone or os.environ.get("ZHANGJIANG_DEBUG"):
                raise
            words = kwargs.get("args") or (args[0] if args else None) or sys.argv[1:]
            err_console.print(
                f"[red]错误 / error:[/red] 意外错误，未完成 / unexpected error, nothing "
                f"more was done: {escape(type(exc).__name__)}: {escape(str(exc))}\n"
                f"命令 / command: zhangjiang {escape(' '.join(map(str, words)))}\n"
                "设置 ZHANGJIANG_DEBUG=1 可查看详情 / set ZHANGJIANG_DEBUG=1 for the "
                "traceback",
                highlight=False,
            )
            sys.exit(EXIT_REJECTED)
        if standalone:
            sys.exit(code if isinstance(code, int) else 0)
        return code


app = typer.Typer(
    name="zhangjiang",
    help="张江综合性国家科学中心监测统计与报告平台 / Zhangjiang monitoring, statistics and reporting.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: flags without a "<bool>" metavar
    cls=BilingualGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
)
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)
_state: dict[str, Any] = {}
# Databases a command holds open (``store(hold=True)``), closed when it ends.
_HELD = ExitStack()


class OutputFormat(StrEnum):
    """Output formats of listing commands."""

    table = "table"
    json = "json"


def _print_version(value: bool) -> None:
    if value:
        console.print(f"zhangjiang {_package_version('zhangjiang')}")
        raise typer.Exit()


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
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            is_eager=True,
            callback=_print_version,
            help="显示版本并退出 / show the version and exit",
        ),
    ] = False,
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


def store(migrate: bool = True, hold: bool = False) -> Store:
    """Return the store of this invocation, migrated to the current schema.

    With ``hold`` the database stays open until the command ends (``Store.session``):
    its steps then share one open database instead of opening the file (reading its
    catalogue, checkpointing on close) a dozen times. The file stays locked meanwhile,
    so only commands that end soon hold it (never ``serve``).
    """
    from zhangjiang.store import Store, open_store

    if not migrate:
        with edge():
            return open_store(settings().db, migrate=False)
    with edge():
        path = Path(settings().db)
        if hold and not _state.get("held"):
            # Held before migrating, so that migrating uses the same open database.
            path.parent.mkdir(parents=True, exist_ok=True)
            _HELD.enter_context(Store(path).session())
            _state["held"] = True
        if "store" not in _state:
            _state["store"] = open_store(path)
    return _state["store"]  # type: ignore[no-any-return]


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


#: Help of the --format option of every listing command.
FORMAT_HELP = "输出格式 / output format: table|json"
#: Problems printed one by one before the rest are summarised by rule.
MAX_PROBLEMS_SHOWN = 20


def resolve_format(
    fmt: str, old_output: str | None, log_format: str | None
) -> tuple[OutputFormat, str | None]:
    """Return (output format, job-log dialect) from ``--format``, ``--log-format``, ``--output``.

    The spellings of the previous release keep working for one release, with a warning
    naming the new one: ``--format slurm`` (a job-log dialect: ``--log-format``) and
    ``--output json`` (an output format: ``--format``). Dialects and output formats do
    not overlap, so the old spellings are unambiguous.
    """
    if old_output is not None:
        _deprecated(f"--output {old_output}", f"--format {old_output}")
        fmt = old_output
    if fmt not in OutputFormat.__members__ and _is_dialect(fmt):
        _deprecated(f"--format {fmt}", f"--log-format {fmt}")
        log_format, fmt = log_format or fmt, OutputFormat.table.value
    if fmt not in OutputFormat.__members__:
        known = "|".join(OutputFormat.__members__)
        err_console.print(
            f"错误 / error: 未知的输出格式“{escape(fmt)}”，可用 {known}；作业日志格式用 "
            f"--log-format / unknown output format {fmt!r}; known: {known} (job-log "
            "dialects go to --log-format)",
            highlight=False,
        )
        raise typer.Exit(EXIT_USAGE)
    return OutputFormat(fmt), log_format


def _is_dialect(name: str) -> bool:
    """Return True when ``name`` is a job-log dialect (the job parsers load only then)."""
    from zhangjiang.ingest.jobs import FORMATS as DIALECTS

    return name in DIALECTS


def _deprecated(old: str, new: str) -> None:
    err_console.print(
        f"[yellow]提示 / deprecated:[/yellow] “{old}”将在下一版本停用，请改用“{new}” / "
        f"'{old}' will be removed in the next release: use '{new}'",
        highlight=False,
    )


def require_computed(st: Store, period: str) -> None:
    """Exit with a clear message when no value was ever computed for ``period``."""
    from zhangjiang.indicators import read_values

    if read_values(st, period):
        return
    err_console.print(
        f"[red]错误 / error:[/red] 报告期 {escape(period)} 尚未计算，请先运行 "
        f"zhangjiang compute --period {escape(period)} / period {escape(period)} was "
        f"never computed: run `zhangjiang compute --period {escape(period)}` first",
        highlight=False,
    )
    raise typer.Exit(EXIT_REJECTED)


def folding_table(*headers: str) -> Any:
    """Return a rich Table whose long names wrap instead of being cut to '…'."""
    from rich.table import Table

    table = Table()
    for header in headers:
        table.add_column(header, overflow="fold")
    return table


def usage_message(exc: clicks.ClickException) -> str:
    """Return Click's error as one Chinese and English message, with the help hint."""
    ctx = getattr(exc, "ctx", None)
    where = ctx.command_path if ctx is not None else "zhangjiang"
    en = exc.format_message()
    if isinstance(exc, clicks.NoSuchOption):
        zh = f"没有选项 {exc.option_name}"
        if exc.possibilities:
            zh += f"；您是不是要用：{'、'.join(sorted(exc.possibilities))}"
    elif isinstance(exc, clicks.MissingParameter):
        zh = f"缺少{'选项' if exc.param_type == 'option' else '参数'} {exc.param_hint or ''}"
        if getattr(exc.param, "param_type_name", "") == "option":
            zh = f"缺少选项 {exc.param.opts[0]}"
        elif exc.param is not None:
            zh = f"缺少参数 {(exc.param.name or '').upper()}"
    elif isinstance(exc, clicks.BadParameter):
        zh = "参数值无效"
        if "does not exist" in en:
            zh = "文件不存在"
        elif "is a directory" in en:
            zh = "这是一个目录，不是文件"
        elif "is not one of" in en or "is not a valid" in en:
            zh = "取值不在可选范围内"
        hint = exc.param_hint if isinstance(exc.param_hint, str) else None
        if hint is None and exc.param is not None:
            hint = " / ".join(getattr(exc.param, "opts", []) or [exc.param.name or ""])
        zh += f"（{hint}）" if hint else ""
    elif isinstance(exc, clicks.NoArgsIsHelpError):
        return exc.format_message()
    elif isinstance(exc, clicks.UsageError):
        zh = "用法错误"
        if "No such command" in en:
            zh = "没有这个命令"
        elif "Got unexpected extra argument" in en:
            zh = "多余的参数"
    else:
        zh = "错误"
    return f"错误 / error: {zh} / {en}\n用法见 / see: {where} --help"


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


def _package_version(name: str) -> str:
    """Return the installed version of ``name`` (importlib.metadata only when asked)."""
    from importlib.metadata import version

    return version(name)
