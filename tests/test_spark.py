"""One indicator suite over both engines: DuckDB, and Spark running the transpiled SQL.

Every registered indicator is computed for 2022 on the demo store by each engine and
compared with the values ``compute`` stored. Spark runs in local mode (``local[1]``)
and, for a sample, on a standalone master and worker started on loopback. The Spark
cases are skipped when pyspark or Java is missing; indicators listed in
``zhangjiang.spark.KNOWN_GAPS`` are expected to fail there (strictly: a fixed gap
fails the suite until it leaves the list).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from zhangjiang.cli import app
from zhangjiang.errors import ZhangjiangError
from zhangjiang.export_parquet import export_parquet
from zhangjiang.indicators import load_builtin, read_values
from zhangjiang.indicators.engine import evaluate, to_value
from zhangjiang.indicators.model import IndicatorValue
from zhangjiang.periods import parse_period
from zhangjiang.spark import (
    KNOWN_GAPS,
    SparkUnavailableError,
    check_export,
    compute_spark,
    to_spark_sql,
)
from zhangjiang.store import Store, open_store

PERIOD = "2022"
#: Demo-sized data: compiling generated code costs more than it saves, one partition.
SPARK_TEST_CONF = {
    "spark.sql.shuffle.partitions": "1",
    "spark.sql.codegen.wholeStage": "false",
}
# Growth rates derived from another indicator (``yoy_of``) have no SQL to transpile: the
# engine derives them from their base's year-on-year change.
INDICATOR_IDS = sorted(i for i, ind in load_builtin().items() if ind.yoy_of is None)
runner = CliRunner()


def _spark_missing() -> str:
    """Return why Spark cannot run here, or an empty string when it can."""
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed: pip install 'zhangjiang[spark]'"
    if not os.environ.get("JAVA_HOME") and shutil.which("java") is None:
        return "no Java runtime (java on PATH or JAVA_HOME) for Spark"
    return ""


needs_spark = pytest.mark.skipif(bool(_spark_missing()), reason=_spark_missing())


def _cases() -> Iterator[Any]:
    for engine in ("duckdb", "spark"):
        for ind_id in INDICATOR_IDS:
            marks: list[pytest.MarkDecorator] = []
            if engine == "spark":
                marks.append(needs_spark)
                if ind_id in KNOWN_GAPS:
                    marks.append(pytest.mark.xfail(reason=KNOWN_GAPS[ind_id]))
            yield pytest.param(engine, ind_id, id=f"{engine}-{ind_id}", marks=marks)


Outcome = list[tuple[Any, ...]] | Exception


@pytest.fixture(scope="module")
def demo_parquet(demo_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the demo store exported as Parquet (once per module)."""
    folder = tmp_path_factory.mktemp("parquet")
    export_parquet(demo_store, folder)
    return folder


@pytest.fixture(scope="module")
def engine_values(
    demo_store: Store, demo_parquet: Path
) -> Callable[[str], dict[str, Outcome]]:
    """Return a function giving each indicator's values (or error) by engine, computed once."""
    cache: dict[str, dict[str, Outcome]] = {}

    def values(engine: str) -> dict[str, Outcome]:
        if engine not in cache:
            run = _run_duckdb if engine == "duckdb" else _run_spark
            cache[engine] = run(demo_store, demo_parquet)
        return cache[engine]

    return values


@pytest.fixture(scope="module")
def stored(demo_store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Return the values ``compute`` stored for the demo period, by indicator."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    for row in read_values(demo_store, PERIOD):
        out.setdefault(row["id"], []).append(
            _key(
                row["dimensions"],
                row["value"],
                row["sources"],
                row["ref_end"],
                row["reference_period"],
            )
        )
    return {k: sorted(v, key=lambda k: k[0]) for k, v in out.items()}


@pytest.mark.parametrize(("engine", "indicator_id"), list(_cases()))
def test_indicator_equals_stored_value(
    engine: str,
    indicator_id: str,
    engine_values: Callable[[str], dict[str, Outcome]],
    stored: dict[str, list[tuple[Any, ...]]],
) -> None:
    outcome = engine_values(engine)[indicator_id]
    if isinstance(outcome, Exception):
        raise outcome
    assert outcome == stored.get(indicator_id, [])


def test_known_gaps_name_registered_indicators() -> None:
    assert set(KNOWN_GAPS) <= set(INDICATOR_IDS)
    assert all(reason.strip() for reason in KNOWN_GAPS.values())


def test_every_indicator_transpiles() -> None:
    period = parse_period(PERIOD)
    failed = {}
    for ind in load_builtin().values():
        if ind.yoy_of is not None:
            continue
        try:
            sql = to_spark_sql(ind.sql, period)
        except Exception as exc:  # report every failure at once
            failed[ind.id] = repr(exc)
            continue
        if "$" in sql or "main." in sql:
            failed[ind.id] = sql
    assert set(failed) <= set(KNOWN_GAPS), failed


def test_to_spark_sql_binds_typed_parameters() -> None:
    sql = (
        "SELECT count(*) AS value, list(DISTINCT _batch_id ORDER BY _batch_id) AS "
        "sources FROM main.projects WHERE d >= $start AND d < $end AND y = $year"
    )
    out = to_spark_sql(sql, parse_period("2022-10"))
    assert "CAST('2022-10-01' AS DATE)" in out
    assert "CAST('2022-11-01' AS DATE)" in out
    assert "y = 2022" in out
    assert "FROM projects" in out
    assert "COLLECT_LIST(DISTINCT _batch_id)" in out


def test_check_export_names_what_is_missing(tmp_path: Path) -> None:
    (tmp_path / "dataset=projects").mkdir()
    with pytest.raises(ZhangjiangError, match="not a complete Parquet export") as info:
        check_export(tmp_path)
    assert "zhangjiang export --format parquet" in str(info.value)
    check_export("hdfs://namenode/zhangjiang")  # URLs are Spark's to read


def test_compute_spark_without_pyspark_says_how_to_install(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)  # makes `import pyspark` fail
    with pytest.raises(SparkUnavailableError) as info:
        compute_spark(store, PERIOD)
    assert "pip install 'zhangjiang[spark]'" in str(info.value)
    result = runner.invoke(
        app,
        ["--db", str(store.path), "compute", "--period", PERIOD, "--engine", "spark"],
    )
    assert result.exit_code == 1, result.output
    assert "未安装 Spark 引擎" in result.output
    assert "pip install 'zhangjiang[spark]'" in result.output


@needs_spark
def test_standalone_cluster_matches_local_mode(
    demo_store: Store,
    engine_values: Callable[[str], dict[str, Outcome]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    local = engine_values("spark")
    ids = _sample_ids()
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(demo_store.path, copy)
    wal = demo_store.path.with_name(demo_store.path.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, copy.with_name(copy.name + ".wal"))
    target = open_store(copy)
    with target.connect() as con:
        con.execute("DELETE FROM indicator_values")  # the Spark run must write them
    monkeypatch.setenv("SPARK_LOCAL_IP", "127.0.0.1")
    with standalone_cluster(tmp_path / "cluster") as master:
        args = ["--db", str(copy), "compute", "--period", PERIOD, "--engine", "spark"]
        args += ["--spark-master", master]
        for ind_id in ids:
            args += ["-i", ind_id]
        result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    written: dict[str, list[tuple[Any, ...]]] = {}
    for row in read_values(target, PERIOD):
        written.setdefault(row["id"], []).append(
            _key(
                row["dimensions"],
                row["value"],
                row["sources"],
                row["ref_end"],
                row["reference_period"],
            )
        )
    assert set(written) == set(ids)
    for ind_id in ids:
        assert sorted(written[ind_id], key=lambda k: k[0]) == local[ind_id], ind_id


@contextmanager
def standalone_cluster(work: Path) -> Iterator[str]:
    """Start a standalone Spark master and one worker on loopback; stop them afterwards."""
    import pyspark

    home = Path(pyspark.__file__).parent
    spark_class = str(home / "bin" / "spark-class")
    port, master_ui, worker_ui = _free_port(), _free_port(), _free_port()
    url = f"spark://127.0.0.1:{port}"
    env = {**os.environ, "SPARK_HOME": str(home), "SPARK_LOCAL_IP": "127.0.0.1"}
    work.mkdir(parents=True)
    commands = [
        [
            spark_class,
            "org.apache.spark.deploy.master.Master",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--webui-port",
            str(master_ui),
        ],
        [
            spark_class,
            "org.apache.spark.deploy.worker.Worker",
            "--host",
            "127.0.0.1",
            "--webui-port",
            str(worker_ui),
            "--cores",
            "1",
            "--memory",
            "1g",
            "--work-dir",
            str(work / "worker"),
            url,
        ],
    ]
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for number, command in enumerate(commands):
            log = (work / f"daemon-{number}.log").open("wb")
            procs.append(
                subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
            )
            log.close()
        _wait_for_worker(master_ui, procs, work)
        yield url
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_for_worker(
    master_ui: int, procs: list[subprocess.Popen[bytes]], work: Path
) -> None:
    """Wait until the master reports a live worker, or fail with the daemons' logs."""
    # No proxy: a loopback request must not leave the machine.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            break
        try:
            with opener.open(f"http://127.0.0.1:{master_ui}/json/", timeout=2) as resp:
                if json.load(resp).get("aliveworkers", 0) >= 1:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    logs = "\n".join(p.read_text(errors="replace")[-2000:] for p in work.glob("*.log"))
    pytest.fail(f"standalone Spark cluster did not start:\n{logs}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _sample_ids() -> list[str]:
    """Return the first indicator of every domain plus the most involved HPC SQL."""
    registry = load_builtin()
    chosen: dict[str, str] = {}
    for ind_id in INDICATOR_IDS:
        chosen.setdefault(registry[ind_id].domain, ind_id)
    # Month series, capacity windows, GROUPING SETS and a join: the hardest to transpile.
    involved = {"hpc.cpu_utilization", "hpc.user_organizations_by_system"}
    ids = {*chosen.values(), *(involved & set(registry))}
    return sorted(ids - set(KNOWN_GAPS))


def _run_duckdb(store: Store, parquet: Path) -> dict[str, Outcome]:
    period = parse_period(PERIOD)
    out: dict[str, Outcome] = {}
    with store.connect(read_only=True) as con:
        for ind in load_builtin().values():
            if ind.yoy_of is not None:
                continue
            try:
                rows = evaluate(con, ind, period)
                out[ind.id] = _keys(to_value(ind, period, r, "p") for r in rows)
            except Exception as exc:  # reported by the indicator's own test case
                out[ind.id] = exc
    return out


def _run_spark(store: Store, parquet: Path) -> dict[str, Outcome]:
    from zhangjiang.spark import evaluate_spark, register_views, spark_session

    period = parse_period(PERIOD)
    out: dict[str, Outcome] = {}
    with spark_session("local[1]", SPARK_TEST_CONF) as spark:
        register_views(spark, parquet)
        for ind in load_builtin().values():
            if ind.yoy_of is not None:
                continue
            try:
                rows = evaluate_spark(spark, ind, period)
                out[ind.id] = _keys(to_value(ind, period, r, "p") for r in rows)
            except Exception as exc:  # reported by the indicator's own test case
                out[ind.id] = exc
    return out


def _keys(values: Any) -> list[tuple[Any, ...]]:
    items: list[IndicatorValue] = list(values)
    return sorted(
        (
            _key(v.dimensions, v.value, v.sources, v.ref_end, v.reference_period)
            for v in items
        ),
        key=lambda k: k[0],
    )


def _key(
    dims: dict[str, Any], value: Any, sources: Any, ref_end: Any, label: str
) -> tuple[Any, ...]:
    """Return what must agree between engines: dimensions, value, lineage, period."""
    text = json.dumps(dims, sort_keys=True, ensure_ascii=False)
    return (text, value, tuple(sources), ref_end, label)
