"""Bad input through the tabular connectors: declared problems only, nothing stored.

Each kind of bad file gets its own declared problem naming the user's file; a fuzz test
feeds random bytes and mutated samples and checks that only declared problems come out
and that a rejected file stores nothing.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests.conftest import table_counts
from tests.test_ingest import GOOD, HEADER
from zhangjiang.cli import app
from zhangjiang.config import Settings
from zhangjiang.ingest.problems import PROBLEM_KINDS
from zhangjiang.ingest.service import ingest_paths
from zhangjiang.store import Store, open_store

GOOD_TEXT = "\n".join(",".join(row) for row in [HEADER, *GOOD]) + "\n"
OUTCOMES = {"loaded", "rejected", "duplicate"}


def _ingest(store: Store, settings: Settings, path: Path):  # type: ignore[no-untyped-def]
    return ingest_paths(store, "projects", [path], settings)[0]


def _kinds(result) -> set[str]:  # type: ignore[no-untyped-def]
    return {p.kind.type for p in result.problems if p.is_error}


@pytest.mark.parametrize(
    ("name", "body", "kind"),
    [
        pytest.param(
            "extra.csv",
            (GOOD_TEXT + "P9,多一列,,1,产业项目,否,2019-01-01,,多余A,多余B\n").encode(),
            "extra-fields",
            id="extra-fields",
        ),
        pytest.param(
            "quote.csv",
            (GOOD_TEXT + 'P9,"未闭合,,1,产业项目,否,2019-01-01,\nP10,x\n').encode(),
            "unclosed-quote",
            id="unclosed-quote",
        ),
    ],
)
def test_bad_text_gets_its_own_kind_naming_the_file(
    store: Store, settings: Settings, tmp_path: Path, name: str, body: bytes, kind: str
) -> None:
    path = tmp_path / name
    path.write_bytes(body)
    before = table_counts(store)
    result = _ingest(store, settings, path)
    assert result.outcome == "rejected"
    assert _kinds(result) == {kind}, [p.message_en for p in result.problems]
    found = next(p for p in result.problems if p.kind.type == kind)
    assert name in found.message_zh and name in found.message_en
    assert table_counts(store) == before


def test_the_extra_fields_row_is_named(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "extra.csv"
    path.write_text(GOOD_TEXT + "P9,多一列,,1,产业项目,否,2019-01-01,,多余\n")
    found = _ingest(store, settings, path).problems[0]
    assert (found.row, found.params["count"], found.params["columns"]) == (5, 1, 8)
    assert "'多余'" in found.message_en


def test_an_unclosed_quote_names_the_row_where_it_opens(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "quote.csv"
    path.write_text(GOOD_TEXT + 'P9,"未闭合,,1\nP10,x\nP11,y\n')
    found = _ingest(store, settings, path).problems[0]
    assert found.kind.type == "unclosed-quote" and found.row == 5


@pytest.mark.parametrize(
    "codec", ["utf-16", "utf-16-le", "utf-16-be"], ids=["bom", "le", "be"]
)
def test_utf16_loads_with_or_without_a_byte_order_mark(
    store: Store, settings: Settings, tmp_path: Path, codec: str
) -> None:
    path = tmp_path / f"projects_{codec}.csv"
    path.write_bytes(codecs.encode(GOOD_TEXT, codec))
    result = _ingest(store, settings, path)
    assert result.outcome == "loaded", [p.message_en for p in result.problems]
    assert result.rows == len(GOOD)


# --- Fuzzing ---------------------------------------------------------------------------

_SAMPLES = [
    GOOD_TEXT.encode("utf-8"),
    GOOD_TEXT.encode("gb18030"),
    codecs.BOM_UTF8 + GOOD_TEXT.encode("utf-8"),
    GOOD_TEXT.encode("utf-16"),
]


@st.composite
def _mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(_SAMPLES)))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif op == "insert":
            data[at:at] = draw(
                st.sampled_from([b'"', b",", b"\n", b"\r", b"\x00", b"\xff", b";"])
            )
        elif op == "delete" and data:
            del data[at]
        elif op == "truncate":
            del data[at:]
    return bytes(data)


@pytest.fixture(scope="module")
def fuzz_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, Settings]:
    folder = tmp_path_factory.mktemp("fuzz")
    settings = Settings(db=folder / "fuzz.duckdb", user="fuzz")
    return open_store(settings.db), settings


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(body=st.one_of(st.binary(max_size=2000), _mutated()))
def test_any_bytes_give_declared_problems_and_store_nothing_when_rejected(
    fuzz_store: tuple[Store, Settings],
    tmp_path_factory: pytest.TempPathFactory,
    body: bytes,
) -> None:
    store, settings_ = fuzz_store
    path = tmp_path_factory.mktemp("f") / "上传文件.csv"
    path.write_bytes(body)
    before = table_counts(store)
    result = _ingest(store, settings_, path)  # never raises
    assert result.outcome in OUTCOMES
    for found in result.problems:
        assert found.kind.type in PROBLEM_KINDS
        assert found.file == "上传文件.csv"
        assert found.message_zh and found.message_en
    if result.outcome != "loaded":
        assert table_counts(store) == before


def test_the_cli_reports_any_file_without_a_traceback(tmp_path: Path) -> None:
    runner = CliRunner()
    db = str(tmp_path / "z.duckdb")
    folder = tmp_path / "a-folder.csv"
    folder.mkdir()
    garbage = tmp_path / "garbage.xlsx"
    garbage.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    for args in (
        ["validate", "projects", str(garbage)],
        ["ingest", "projects", str(garbage)],
        ["ingest", "projects", str(folder)],
        ["validate", "projects", str(folder)],
    ):
        result = runner.invoke(app, ["--db", db, *args])
        assert result.exit_code != 0, (args, result.output)
        assert "Traceback" not in result.output, result.output
        assert not isinstance(result.exception, Exception) or isinstance(
            result.exception, SystemExit
        ), (args, repr(result.exception))
        assert Path(args[-1]).name in result.output, result.output
