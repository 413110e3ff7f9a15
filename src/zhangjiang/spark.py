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
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot import exp

from zhangjiang.errors import ZhangjiangError
from zhangjiang.export_parquet import dataset_dir, export_parquet, partition_column
from zhangjiang.forms import FORMS, Form
from zhangjiang.indicators.engine import _refresh_snapshot, _store_values, _to_value
from zhangjiang.indicators.model import Indicator, IndicatorValue
from zhangjiang.indicators.registry import get_indicator, load_builtin
from zhangjiang.periods import Period, parse_period
from zhangjiang.store import Store

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = [
    "INSTALL_HINT",
    "KNOWN_GAPS",
    "SparkUnavailableError",
    "compute_spark",
    "evaluate_spark",
    "register_views",
    "spark_session",
    "to_spark_sql",
]

INSTALL_HINT = (
    "未安装 Spark 引擎，请运行 pip install 'zhangjiang[spark]'（需要 Java 17 或更高版本）"
    " / the Spark engine is not installed: run pip install 'zhangjiang[spark]' "
    "(needs Java 17 or later)"
)
#: Indicators whose SQL does not run on Spark yet, with the reason (id -> reason).
#: The parity test marks them xfail; keep this list short by fixing the rewrite below.
KNOWN_GAPS: dict[str, str] = {}
#: Session settings: loopback only, no web UI, few shuffle partitions, UTC, and
#: DuckDB's NULL (not an error) on division by zero.
SESSION_CONF: dict[str, str] = {
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "false",
}
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
        Spark master URL (``local[*]`` when None, or ``spark://host:7077``).
    data:
        A folder written by ``zhangjiang export --format parquet``; every executor must
        be able to read it. Without it the store is exported to a temporary folder.

    Returns
    -------
    list[IndicatorValue]
        The values computed, as :func:`zhangjiang.indicators.compute` returns them.
    """
    per = period if isinstance(period, Period) else parse_period(period)
    registry = load_builtin()
    chosen = [get_indicator(i) for i in ids] if ids else list(registry.values())
    with _parquet_dir(store, data) as folder, spark_session(master) as spark:
        register_views(spark, folder)
        results = [
            (ind, [_to_value(ind, per, row, status) for row in evaluate_spark(spark, ind, per)])
            for ind in chosen
        ]
    computed: list[IndicatorValue] = []
    with store.transaction() as con:
        for ind, values in results:
            _store_values(con, ind, per, values)
            computed.extend(values)
    _refresh_snapshot(store)
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
    with warnings.catch_warnings():
        # pyspark probes pandas when converting rows and warns about pandas 3.
        warnings.filterwarnings("ignore", "PySpark does not yet", FutureWarning)
        rows = spark.sql(to_spark_sql(indicator.sql, period)).collect()
    out = [row.asDict(recursive=True) for row in rows]
    for row in out:
        missing = {"value", "sources"} - set(row)
        if missing:
            raise ValueError(
                f"indicator {indicator.id}: query lacks column(s) {sorted(missing)}"
            )
        ref_end = row.get("ref_end")
        if ref_end is not None and not isinstance(ref_end, date):
            row["ref_end"] = ref_end.date()  # a TIMESTAMP where DuckDB keeps a DATE
    return out


def register_views(spark: SparkSession, data: str | Path) -> None:
    """Register each dataset's Parquet folder as a temp view named like its form's view."""
    root = str(data)
    for form in FORMS.values():
        path = dataset_dir(Path(root), form.name) if "://" not in root else None
        location = str(path) if path else f"{root.rstrip('/')}/dataset={form.name}"
        if path is not None and not path.exists():
            raise ZhangjiangError(
                f"{root} 中没有数据集 {form.name}，请重新运行 zhangjiang export --format "
                f"parquet / {root} lacks dataset {form.name}: re-run zhangjiang export "
                "--format parquet"
            )
        reader = spark.read.schema(_spark_schema(form))
        frame = reader.parquet(location).drop(partition_column(form))
        frame.createOrReplaceTempView(form.view)


@contextmanager
def spark_session(
    master: str | None = None, conf: dict[str, str] | None = None
) -> Iterator[SparkSession]:
    """Start a Spark session bound to loopback (or join ``master``); stop it afterwards."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise SparkUnavailableError(INSTALL_HINT) from exc
    if not os.environ.get("JAVA_HOME") and shutil.which("java") is None:
        raise SparkUnavailableError(
            "找不到 Java，Spark 需要 Java 17 或更高版本 / Java not found: Spark needs "
            "Java 17 or later (set JAVA_HOME)"
        )
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = SparkSession.builder.appName("zhangjiang").master(master or "local[*]")
    for key, value in {**SESSION_CONF, **(conf or {})}.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    try:
        yield spark
    finally:
        spark.stop()


@contextmanager
def _parquet_dir(store: Store, data: str | Path | None) -> Iterator[str]:
    """Yield ``data``, or a temporary folder holding a fresh export of the store."""
    if data is not None:
        yield str(data)
        return
    with tempfile.TemporaryDirectory(prefix="zhangjiang-parquet-") as tmp:
        export_parquet(store, tmp)
        yield tmp


def _spark_schema(form: Form) -> str:
    """Return the Spark DDL schema of a form's Parquet export (skips footer sampling)."""
    columns = [(c.name, _SPARK_TYPES[c.sql_type]) for c in form.columns]
    columns += [("_batch_id", "INT"), ("_row", "BIGINT")]
    return ", ".join(f"`{name}` {kind}" for name, kind in columns)


def _portable(node: exp.Expression) -> exp.Expression:
    """Rewrite DuckDB-only constructs sqlglot leaves as they are into Spark's."""
    if isinstance(node, exp.Table) and node.db == "main" and not node.catalog:
        # DuckDB's default schema; Spark's temp views are unqualified.
        node.set("db", None)
    return node
