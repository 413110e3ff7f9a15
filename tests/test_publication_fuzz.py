"""Fuzzing the publication readers: random bytes and mutated real exports.

Whatever the bytes, a reader either returns records (with declared record problems) or
raises ``IngestError`` naming the file; the connector answers with declared problem kinds
only, and a rejected file stores nothing.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import table_counts
from zhangjiang.config import Settings
from zhangjiang.errors import IngestError
from zhangjiang.ingest.problems import PROBLEM_KINDS
from zhangjiang.ingest.pub_formats import READERS
from zhangjiang.ingest.publications import RecordProblem, read_export
from zhangjiang.ingest.publications_load import ingest_publications
from zhangjiang.ingest.service import ingest_paths
from zhangjiang.store import Store, open_store

TESTS = Path(__file__).parent
# Every format has a real or hand-written sample here (the repository carries them all).
SAMPLES = sorted(
    p
    for folder in ("data/publications", "data/shared/data/publication-samples")
    for p in (TESTS / folder).iterdir()
    if p.suffix in {".ris", ".bib", ".json", ".net", ".txt", ".xml"}
    and not p.name.startswith("expected_")
)
NAME = "用户的文件.txt"


@pytest.fixture(autouse=True, scope="module")
def _no_snapshot() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("zhangjiang.snapshot.write_snapshot", lambda store: store.path)
        yield


def test_the_samples_cover_every_format() -> None:
    formats = {read_export(p).format for p in SAMPLES}
    assert formats >= set(READERS) - {"scopus-csv"}  # Scopus's CSV is GPL: not carried


def _mutate(data: bytes, draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["truncate", "flip", "insert", "repeat"]))
    at = draw(st.integers(0, len(data)))
    if kind == "truncate":
        return data[:at]
    if kind == "flip":
        if at == len(data):
            return data
        return (
            data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
        )
    if kind == "insert":
        return data[:at] + draw(st.binary(min_size=1, max_size=64)) + data[at:]
    end = draw(st.integers(at, len(data)))
    return data[:end] + data[at:end] * draw(st.integers(1, 50)) + data[end:]


@st.composite
def inputs(draw: st.DrawFn) -> bytes:
    """Random bytes, random text, or a real sample cut, flipped, padded or repeated."""
    choice = draw(st.sampled_from(["bytes", "text", "sample"]))
    if choice == "bytes":
        return draw(st.binary(max_size=2048))
    if choice == "text":
        return draw(st.text(max_size=1024)).encode("utf-8")
    sample = draw(st.sampled_from(SAMPLES)).read_bytes()
    return _mutate(sample, draw)


def _check_read(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload.json"
        path.write_bytes(data)
        try:
            export = read_export(path, NAME)
        except IngestError as exc:
            zh, en = exc.zh_en
            assert NAME in zh and NAME in en
            assert "upload.json" not in str(exc)
            return
    assert export.format in READERS
    for problem in export.problems:
        assert PROBLEM_KINDS[problem.type] is problem.kind
        assert problem.file == NAME


@settings(max_examples=200, deadline=None)
@given(inputs())
def test_readers_raise_only_declared_errors(data: bytes) -> None:
    _check_read(data)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(sorted(READERS)), st.data())
def test_each_reader_given_any_text_returns_records_or_a_declared_error(
    fmt: str, data: st.DataObject
) -> None:
    # Straight to the reader, past detection: text in the reader's own alphabet.
    alphabet = st.sampled_from([*"{}[]<>/%@:：;,\t\n\"'=#ATPYRIS0DB ", "ER  -", "PT "])
    text = data.draw(st.one_of(st.text(max_size=400), st.lists(alphabet).map("".join)))
    try:
        records = READERS[fmt](text, NAME)
    except IngestError as exc:
        assert NAME in str(exc)
        return
    for record in records:
        if isinstance(record, RecordProblem):
            assert PROBLEM_KINDS[record.type] is record.kind and record.file == NAME
        else:
            assert record.title and record.source_format == fmt


@pytest.mark.parametrize("sample", SAMPLES, ids=[p.name for p in SAMPLES])
def test_every_truncation_of_a_sample_reads_or_fails_cleanly(sample: Path) -> None:
    data = sample.read_bytes()
    step = max(1, len(data) // 40)
    for cut in range(0, len(data), step):
        _check_read(data[:cut])


@pytest.fixture(scope="module")
def fuzz_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, Settings]:
    folder = tmp_path_factory.mktemp("fuzz")
    settings = Settings(db=folder / "fuzz.duckdb", user="fuzzer")
    store = open_store(settings.db)
    register = folder / "facilities.csv"
    register.write_text(
        "设施编号,设施名称,英文名称,设施类型\nssrf,上海光源一期,SSRF phase I,光源\n",
        encoding="utf-8",
    )
    [result] = ingest_paths(store, "facilities", [register], settings)
    assert result.outcome == "loaded"
    return store, settings


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(inputs())
def test_the_connector_answers_declared_problems_and_stores_nothing_it_rejects(
    fuzz_store: tuple[Store, Settings], data: bytes
) -> None:
    store, settings = fuzz_store
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload"
        path.write_bytes(data)
        before = table_counts(store)
        result = ingest_publications(
            store, "publications", path, settings, facility="ssrf", display_name=NAME
        )
    for problem in result.problems:
        assert PROBLEM_KINDS[problem.kind.type] is problem.kind
        assert problem.file == NAME and "upload" not in problem.message_en.replace(
            NAME, ""
        )
    if result.outcome != "loaded":
        assert result.outcome in {"rejected", "duplicate"}
        assert table_counts(store) == before
