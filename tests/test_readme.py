"""The README's tour runs as printed on the files of examples/, with the printed outputs."""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from zhangjiang.cli import app

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
ELLIPSIS = "…"


def tour() -> list[tuple[str, list[str]]]:
    """Return the tour's commands with the output lines printed under each."""
    text = README.read_text(encoding="utf-8")
    block = text.split("## A short tour", 1)[1].split("```console\n", 1)[1]
    block = block.split("\n```", 1)[0]
    steps: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            command = line[2:].split("   #", 1)[0].split("  #", 1)[0].strip()
            steps.append((command, []))
        elif line.strip() and steps:
            steps[-1][1].append(line.rstrip())
    return steps


def matches(expected: list[str], actual: list[str]) -> str | None:
    """Return None when ``expected`` is an ordered subsequence of ``actual``, else why not.

    A line ``…`` stands for any lines; a line ending in ``…`` matches any line it starts.
    """
    at = 0
    for want in expected:
        if want.strip() == ELLIPSIS:
            continue
        prefix = want[:-1] if want.endswith(ELLIPSIS) else None
        while at < len(actual):
            got = actual[at].rstrip()
            at += 1
            if got == want or (prefix is not None and got.startswith(prefix)):
                break
        else:
            return f"not printed (in order): {want!r}"
    return None


def test_the_tour_has_commands_with_outputs() -> None:
    steps = tour()
    assert len(steps) >= 8
    assert all(command.startswith("zhangjiang ") for command, _ in steps)
    for command, _ in steps:
        for word in shlex.split(command):
            if word.startswith("examples/"):
                assert (REPO / word).is_file(), f"{word} is not in the repository"


def test_the_tour_runs_as_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ZHANGJIANG_DB", raising=False)
    runner = CliRunner()
    for command, expected in tour():
        args = shlex.split(command)[1:]
        result = runner.invoke(app, args, env={"COLUMNS": "200"})
        want_exit = 1 if "bad.csv" in command else 0
        assert result.exit_code == want_exit, (command, result.output)
        why = matches(expected, result.output.splitlines())
        assert why is None, f"{command}: {why}\n{result.output[:3000]}"
