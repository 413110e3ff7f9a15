"""CLI conventions: help everywhere, zh/en usage errors, one meaning per option name."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from tests.test_ingest import GOOD, HEADER
from zhangjiang.cli import app
from zhangjiang.cli.common import MAX_PROBLEMS_SHOWN

runner = CliRunner()


def _commands() -> Iterator[tuple[str, Any]]:
    root = typer.main.get_command(app)

    def walk(cmd: Any, path: str) -> Iterator[tuple[str, Any]]:
        yield path, cmd
        for name, sub in getattr(cmd, "commands", {}).items():
            yield from walk(sub, f"{path} {name}".strip())

    yield from walk(root, "")


def test_every_option_and_argument_has_zh_en_help() -> None:
    missing = []
    for path, cmd in _commands():
        assert cmd.help, f"command {path!r} has no help"
        for param in cmd.params:
            text = getattr(param, "help", None) or ""
            if param.name == "help":
                continue
            if not text or "/" not in text:
                missing.append(f"{path} {param.name}")
    assert not missing, missing


def test_help_shows_flags_without_a_bool_metavar() -> None:
    result = runner.invoke(app, ["report", "--help"])
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.output
    assert "--lineage" in result.output


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith("zhangjiang ")


@pytest.mark.parametrize(
    ("args", "zh", "en"),
    [
        pytest.param(
            ["ingest", "projects", "nofile.csv"],
            "文件不存在",
            "does not exist",
            id="no-file",
        ),
        pytest.param(
            ["template", "projects"], "缺少选项 -o", "Missing option", id="missing"
        ),
        pytest.param(
            ["--dbb", "x", "forms"], "没有选项 --dbb", "No such option", id="option"
        ),
        pytest.param(["reprt"], "没有这个命令", "No such command", id="command"),
    ],
)
def test_click_errors_in_chinese_and_english(args: list[str], zh: str, en: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert zh in result.output and en in result.output, result.output
    assert "Traceback" not in result.output


def test_unknown_form_suggests_the_closest_and_lists_names_once(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a\n1\n")
    result = runner.invoke(
        app, ["--db", str(tmp_path / "z.duckdb"), "validate", "porjects", str(path)]
    )
    assert result.exit_code == 2
    assert "您是不是要找：projects" in result.output
    assert "did you mean: projects?" in result.output
    assert result.output.count("laser-shots") == 1


def _project_csv(tmp_path: Path, rows: list[list[str]]) -> Path:
    path = tmp_path / "projects.csv"
    path.write_text("\n".join(",".join(r) for r in [HEADER, *rows]) + "\n")
    return path


def test_old_spellings_warn_and_keep_working(tmp_path: Path) -> None:
    db = ["--db", str(tmp_path / "z.duckdb")]
    path = _project_csv(tmp_path, GOOD)
    old = runner.invoke(
        app, [*db, "validate", "projects", str(path), "--format", "json"]
    )
    assert old.exit_code == 0, old.output
    deprecated = runner.invoke(
        app, [*db, "ingest", "projects", str(path), "--output", "json"]
    )
    assert deprecated.exit_code == 0, deprecated.output
    assert (
        "--format json" in deprecated.output
        and '"outcome": "loaded"' in deprecated.output
    )
    dialect = runner.invoke(
        app, [*db, "validate", "projects", str(path), "--format", "slurm"]
    )
    assert "--log-format slurm" in dialect.output
    wrong = runner.invoke(
        app, [*db, "ingest", "projects", str(path), "--format", "xml"]
    )
    assert wrong.exit_code == 2 and "table|json" in wrong.output


def test_long_problem_lists_are_capped_with_a_summary_by_rule(tmp_path: Path) -> None:
    rows = [
        [f"P{i}", "x", "", "bad", "产业项目", "否", "2019-01-01", ""] for i in range(60)
    ]
    path = _project_csv(tmp_path, rows)
    db = ["--db", str(tmp_path / "z.duckdb")]
    result = runner.invoke(app, [*db, "validate", "projects", str(path)])
    assert result.exit_code == 1
    assert result.output.count("(rule: bad-type)") == MAX_PROBLEMS_SHOWN
    assert "40 more problems" in result.output and "bad-type" in result.output
    assert "--format json" in result.output
    full = runner.invoke(
        app, [*db, "validate", "projects", str(path), "--format", "json"]
    )
    assert full.output.count('"type": "bad-type"') == 60


def test_tables_fit_80_columns_without_cutting_names(tmp_path: Path) -> None:
    result = runner.invoke(app, ["forms"], env={"COLUMNS": "80"}, terminal_width=80)
    assert result.exit_code == 0
    assert max(len(line) for line in result.output.splitlines()) <= 80
    assert "…" not in result.output


@pytest.mark.parametrize("command", ["report", "indicators", "check"])
def test_a_never_computed_period_says_so(tmp_path: Path, command: str) -> None:
    draft = tmp_path / "draft.md"
    draft.write_text("首轮**73**个项目", encoding="utf-8")
    args = {"check": ["check", str(draft), "--period", "2021"]}.get(
        command, [command, "--period", "2021"]
    )
    result = runner.invoke(app, ["--db", str(tmp_path / "z.duckdb"), *args])
    assert result.exit_code == 1, result.output
    assert "尚未计算" in result.output
    assert "zhangjiang compute --period 2021" in result.output


def test_users_add_checks_the_facility_register(tmp_path: Path) -> None:
    db = ["--db", str(tmp_path / "z.duckdb")]
    register = tmp_path / "systems.csv"
    register.write_text(
        "system,cores,valid_from\n魔方III,100,2020-01-01\n", encoding="utf-8"
    )
    loaded = runner.invoke(app, [*db, "ingest", "hpc-systems", str(register)])
    assert loaded.exit_code == 0, loaded.output
    add = [*db, "users", "add", "ops", "--role", "operator", "--password-stdin"]
    wrong = runner.invoke(
        app, [*add, "--facility", "魔方IIII"], input="long-password-1\n"
    )
    assert wrong.exit_code == 1
    assert "未知的设施" in wrong.output and "did you mean: 魔方III?" in wrong.output
    right = runner.invoke(
        app, [*add, "--facility", "魔方III"], input="long-password-1\n"
    )
    assert right.exit_code == 0, right.output
