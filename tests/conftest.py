"""Shared fixtures: a fresh store per test, settings, and a writer of small input files."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

from zhangjiang.config import Settings
from zhangjiang.store import Store, open_store

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
VENDORED = (
    REPO / "tests/data/shared"
)  # the files of ../shared this repository may carry


def shared(path: str) -> Path:
    """Return a file of ``../shared`` by its relative path, or skip the calling test.

    The copy under ``tests/data/shared`` comes first (MIT / MIT-0 files, see its
    SOURCES.md); files whose licence the repository cannot carry are read from
    ``../shared``, and without it the test skips naming the file.
    """
    for base in (VENDORED, SHARED):
        if (base / path).is_file():
            return base / path
    pytest.skip(
        f"needs ../shared/{path}: its licence does not let the repository carry it "
        "(tests/data/shared/SOURCES.md) and ../shared is absent"
    )


SEED = REPO / "docs/seed/000_477805507e61a503.txt"


def seed_text() -> str:
    """Return the seed report's text: the specification the report reproduces (docs/seed)."""
    return SEED.read_text(encoding="utf-8")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Return settings pointing at a fresh database in the test's folder."""
    return Settings(db=tmp_path / "test.duckdb", user="tester")


@pytest.fixture
def store(settings: Settings) -> Store:
    """Return a fresh, migrated store."""
    return open_store(settings.db)


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """Return a function writing rows to a CSV file (UTF-8 by default) and returning its path."""

    def _write(name: str, rows: list[list[Any]], encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        with path.open("w", newline="", encoding=encoding) as fh:
            csv.writer(fh).writerows(rows)
        return path

    return _write


def table_counts(store: Store) -> dict[str, int]:
    """Return the row count of every table, to assert that a failed load changed nothing."""
    with store.connect(read_only=True) as con:
        names = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'"
            ).fetchall()
        ]
        return {
            n: con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names
        }  # type: ignore[index]


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """Return a store holding the whole synthetic demo, with 2022 computed (built once)."""
    from zhangjiang.demo import build_demo
    from zhangjiang.indicators import compute

    folder = tmp_path_factory.mktemp("demo")
    demo_settings = Settings(db=folder / "demo.duckdb", user="demo")
    st = open_store(demo_settings.db)
    results = build_demo(st, demo_settings, folder / "files")
    rejected = [r.to_dict() for r in results if r.outcome == "rejected"]
    assert not rejected, rejected
    with st.session():
        compute(st, "2022")
    return st


# Property tests explore new examples on every local run, but CI runs a fixed, derandomised
# set so that a green build stays green (a failure found locally is kept in the database).
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")
