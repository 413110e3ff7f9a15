"""Compute indicators on Spark: the same DuckDB SQL, transpiled by sqlglot, over Parquet.

The store's datasets are exported as Parquet (:mod:`zhangjiang.export_parquet`), each
registered as a temporary view named like the form's DuckDB view (``hpc-jobs`` →
``hpc_jobs``), and every indicator's SQL runs there after ``$start``, ``$end`` and
``$year`` become typed literals and sqlglot rewrites it from DuckDB's dialect to
Spark's. The values go through the same conversion and storage as
:func:`zhangjiang.indicators.compute`, so both engines fill ``indicator_values`` alike.

pyspark is an optional extra (``pip install 'zhangjiang[spark]'``) and is imported only
when a session starts; it needs a Java runtime (17 or later).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from zhangjiang.errors import ZhangjiangError
from zhangjiang.export_parquet import dataset_dir, export_parquet, partition_column
from zhangjiang.forms import FORMS, Form
from zhangjiang.indicators.engine import store_values, to_value
from zhangjiang.indicators.model import Indicator, IndicatorValue
from zhangjiang.indicators.registry import get_indicator, load_builtin
from zhangjiang.periods import Period, parse_period
from zhangjiang.store import Store

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = [
    "INSTALL_HINT",
    "KNOWN_GAPS",
    "SparkQueryError",
    "SparkUnavailableError",
    "check_export",
    "compute_spark",
    "evaluate_spark",
    "register_views",
    "require_spark",
    "spark_session",
    "to_spark_sql",
]

INSTALL_HINT = (
    "未安装 Spark 引擎，请运行 pip install 'zhangjiang[spark]'（即 pip install "
    "'pyspark>=3.5'，需要 Java 17 或更高版本） / the Spark engine is not installed: run "
    "pip install 'zhangjiang[spark]' (that is, pip install 'pyspark>=3.5'; needs Java "
    "17 or later)"
)
#: Indicators whose SQL does not run on Spark yet, with the reason (id -> reason).
#: The parity test marks them xfail; keep this list short by fixing the rewrite below.
KNOWN_GAPS: dict[str, str] = {}
#: Settings of every session: no web UI, UTC (the store keeps naive UTC times), and
#: DuckDB's NULL rather than an error on division by zero.
SESSION_CONF: dict[str, str] = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "false",
}
#: Added in local mode: stay on loopback, and few shuffle partitions for one machine.
#: On a cluster the driver must be reachable, so Spark's own settings apply there.
LOCAL_CONF: dict[str, str] = {
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.sql.shuffle.partitions": "4",
}
DEFAULT_MASTER = "local[*]"
#: Spark types of the DuckDB types a form column is stored as (see forms.model);
#: DuckDB writes naive TIMESTAMPs to Parquet as local (not UTC-adjusted) times.
_SPARK_TYPES = {
    "VARCHAR": "STRING",
    "BIGINT": "BIGINT",
    "DECIMAL(38, 6)": "DECIMAL(38, 6)",
    "DATE": "DATE",
    "INTEGER": "INT",
    "BOOLEAN": "BOOLEAN",
    "TIMESTAMP": "TIMESTAMP_NTZ",
}
_PARAM = re.compile(r"\$(start|end|year)\b")


class SparkUnavailableError(ZhangjiangError):
    """The Spark engine cannot start: pyspark or Java is missing."""


class SparkQueryError(ZhangjiangError):
    """An indicator's SQL could not be transpiled or failed on Spark."""


def compute_spark(
    store: Store,
    period: str | Period,
    ids: Iterable[str] | None = None,
    master: str | None = None,
    data: str | Path | None = None,
    status: str = "provisional",
) -> list[IndicatorValue]:
    """Compute indicators on Spark over Parquet data and store them as ``compute`` does.

    Parameters
    ----------
    store:
        The store receiving the values (and, without ``data``, exported first).
    period:
        The period, e.g. ``"2022"``.
    ids:
        Indicator ids to compute; all registered ones when empty.
    master:
        Spark master URL: ``local[*]`` when None (on loopback), or ``spark://host:7077``.
    data:
        A folder (or ``hdfs://``, ``s3a://`` URL) written by ``zhangjiang export
        --format parquet`` that every executor can read. Without it the store is
        exported to a local temporary folder, which only executors on this machine see.
    status:
        The status the values are stored with, as for ``compute``.

    Returns
    -------
    list[IndicatorValue]
        The values computed, as :func:`zhangjiang.indicators.compute` returns them.
    """
    require_spark()
    per = period if isinstance(period, Period) else parse_period(period)
    registry = load_builtin()
    chosen = [get_indicator(i) for i in ids] if ids else list(registry.values())
    # Growth rates derived from another indicator have no SQL of their own.
    chosen = [ind for ind in chosen if ind.yoy_of is None]
    if data is not None:
        check_export(data)  # before the session: starting Spark takes seconds
    with _parquet_dir(store, data) as folder, spark_session(master) as spark:
        register_views(spark, folder)
        results = []
        for ind in chosen:
            rows = evaluate_spark(spark, ind, per)
            results.append((ind, [to_value(ind, per, row, status) for row in rows]))
    computed: list[IndicatorValue] = []
    with store.transaction() as con:
        for ind, values in results:
            store_values(con, ind, per, values)
            computed.extend(values)
    return computed


def to_spark_sql(sql: str, period: Period) -> str:
    """Return an indicator's DuckDB SQL as Spark SQL, with the period's parameters bound."""
    literals = {
        "start": f"DATE '{period.start.isoformat()}'",
        "end": f"DATE '{period.end.isoformat()}'",
        "year": str(period.year),
    }
    bound = _PARAM.sub(lambda m: literals[m.group(1)], sql)
    tree = sqlglot.parse_one(bound, read="duckdb")
    tree = tree.transform(_portable)
    return tree.sql(dialect="spark")


def evaluate_spark(
    spark: SparkSession, indicator: Indicator, period: Period
) -> list[dict[str, Any]]:
    """Run one indicator on Spark and return rows as :func:`evaluate` does."""
    from py4j.protocol import Py4JError
    from pyspark.errors import PySparkException

    try:
        with _quiet_pandas_probe():
            rows = spark.sql(to_spark_sql(indicator.sql, period)).collect()
    except (SqlglotError, PySparkException, Py4JError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
        raise SparkQueryError(
            f"指标 {indicator.id} 无法在 Spark 上计算 / indicator {indicator.id} failed "
            f"on Spark: {first}"
        ) from exc
    out = [row.asDict(recursive=True) for row in rows]
    for row in out:
        missing = {"value", "sources"} - set(row)
        if missing:
            raise ValueError(
                f"indicator {indicator.id}: query lacks column(s) {sorted(missing)}"
            )
    return out


def register_views(spark: SparkSession, data: str | Path) -> None:
    """Register each dataset's Parquet folder as a temp view named like its form's view."""
    check_export(data)
    root = str(data).rstrip("/")
    for form in FORMS.values():
        location = f"{root}/dataset={form.name}"
        reader = spark.read.schema(_spark_schema(form))
        frame = reader.parquet(location).drop(partition_column(form))
        frame.createOrReplaceTempView(form.view)


@contextmanager
def spark_session(
    master: str | None = None, conf: dict[str, str] | None = None
) -> Iterator[SparkSession]:
    """Start a local Spark session on loopback, or join ``master``; stop it afterwards.

    ``conf`` adds or overrides session settings (e.g. ``spark.executor.memory``).
    """
    require_spark()
    from pyspark.sql import SparkSession

    # Under spark-submit (which starts the JVM and passes its port) the master, the
    # driver's address and the resources come from spark-submit's own arguments.
    submitted = master is None and "PYSPARK_GATEWAY_PORT" in os.environ
    master = master or DEFAULT_MASTER
    settings = dict(SESSION_CONF)
    if master.startswith("local") and not submitted:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        settings.update(LOCAL_CONF)
    settings.update(conf or {})
    builder = SparkSession.builder.appName("zhangjiang")
    if not submitted:
        builder = builder.master(master)
    for key, value in settings.items():
        builder = builder.config(key, value)
    with _quiet_pandas_probe():
        spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    try:
        yield spark
    finally:
        spark.stop()


def check_export(data: str | Path) -> None:
    """Raise ZhangjiangError unless a local ``data`` folder holds every dataset's export.

    URLs (``hdfs://``, ``s3a://``) are left for Spark to read.
    """
    root = str(data)
    if "://" in root:
        return
    missing = [
        f.name for f in FORMS.values() if not dataset_dir(Path(root), f.name).is_dir()
    ]
    if missing:
        names = ", ".join(missing[:5]) + ("…" if len(missing) > 5 else "")
        raise ZhangjiangError(
            f"{root} 不是完整的 Parquet 导出（缺少 {names}），请运行 zhangjiang export "
            f"--format parquet -o {root} / {root} is not a complete Parquet export "
            f"(missing {names}): run zhangjiang export --format parquet -o {root}"
        )


def require_spark() -> None:
    """Raise SparkUnavailableError (with how to install it) unless pyspark and Java are there."""
    try:
        import pyspark  # noqa: F401
    except ImportError as exc:
        raise SparkUnavailableError(INSTALL_HINT) from exc
    if not os.environ.get("JAVA_HOME") and shutil.which("java") is None:
        raise SparkUnavailableError(
            "找不到 Java，Spark 需要 Java 17 或更高版本，请安装后设置 JAVA_HOME / Java "
            "not found: Spark needs Java 17 or later; install it and set JAVA_HOME"
        )


@contextmanager
def _parquet_dir(store: Store, data: str | Path | None) -> Iterator[str]:
    """Yield ``data``, or a temporary folder holding a fresh export of the store."""
    if data is not None:
        yield str(data)
        return
    with tempfile.TemporaryDirectory(prefix="zhangjiang-parquet-") as tmp:
        export_parquet(store, tmp)
        yield tmp


@contextmanager
def _quiet_pandas_probe() -> Iterator[None]:
    """Silence pyspark's warning about pandas 3, which it probes on first conversion."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "PySpark does not yet", FutureWarning)
        yield


def _spark_schema(form: Form) -> str:
    """Return the Spark DDL schema of a form's Parquet export (skips footer sampling)."""
    columns = [(c.name, _SPARK_TYPES[c.sql_type]) for c in form.columns]
    columns += [("_batch_id", "INT"), ("_row", "BIGINT")]
    return ", ".join(f"`{name}` {kind}" for name, kind in columns)


def _portable(node: exp.Expression) -> exp.Expression:
    """Rewrite DuckDB-only constructs sqlglot leaves as they are into Spark's."""
    if isinstance(node, exp.Table) and node.db == "main" and not node.catalog:
        # DuckDB's default schema; Spark's temporary views are unqualified.
        node.set("db", None)
    elif isinstance(node, exp.Div) and not _is_double(node.this):
        # DuckDB's `/` always divides in DOUBLE, Spark keeps DECIMAL operands exact (to
        # 6 places): at 10M jobs the two differed in the 6th decimal of core-hours.
        node.set("this", exp.cast(node.this, exp.DataType.Type.DOUBLE))
    return node


def _is_double(node: exp.Expression) -> bool:
    """Tell whether ``node`` is already a cast to DOUBLE."""
    return isinstance(node, exp.Cast) and node.to.is_type(exp.DataType.Type.DOUBLE)
