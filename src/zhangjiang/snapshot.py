"""Immutable JSON snapshots of the store, which the web app serves from.

DuckDB lets one process write a database file, and while it holds the file no other
process can open it, not even read-only. So the web app never reads the database while it
serves: ``write_snapshot`` (called at the end of every compute) writes everything the pages
show — indicator values of every period (years, months, year-to-date ranges, each with its
comparable previous value and year-on-year change), the indicator catalogue, batches, forms,
a few record datasets, and the inputs changed since the last compute (``stale_inputs``) — to
``<db>.snapshot.json``, atomically (temporary file + ``os.replace``). Whoever changes the
store rewrites it: ingest, the compute command, portal actions.
``SnapshotSource`` re-reads that file when it changes and builds one from the database
(a short read-only connection, retried for a bounded time) only when none exists.

The snapshot holds the working values and the releases. Statisticians see it as it is;
everyone else sees ``Snapshot.public()``: once a period has been released, only released
figures (the latest version of each period), and only loaded or superseded batches.
"""

from __future__ import annotations

import json
import os
import textwrap
import threading
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from zhangjiang.errors import StoreError
from zhangjiang.forms import FORMS
from zhangjiang.indicators import load_builtin, read_values
from zhangjiang.indicators.model import dimensions_key
from zhangjiang.ingest.service import list_batches
from zhangjiang.periods import PERIOD_RULES, parse_period
from zhangjiang.phrasing.numbers import json_number
from zhangjiang.portal.releases import read_releases
from zhangjiang.staleness import stale_inputs
from zhangjiang.store import Store
from zhangjiang.store.duckdb import fetch_dicts

__all__ = [
    "PUBLIC_BATCH_STATUSES",
    "RECORD_DATASETS",
    "SNAPSHOT_FORMAT",
    "Snapshot",
    "SnapshotSource",
    "build_snapshot",
    "dimensions_key",
    "period_kind",
    "read_snapshot",
    "snapshot_path",
    "write_snapshot",
]

SNAPSHOT_FORMAT = 1
#: Datasets whose rows the snapshot carries as they are (when their form is declared):
#: the facility register and status history, and the milestones/events of the overview.
RECORD_DATASETS = ("facilities", "facility-status", "facility-milestones", "events")
#: Batches everyone may see listed: their rows feed, or fed, published figures.
PUBLIC_BATCH_STATUSES = ("loaded", "superseded")
_RECORD_LIMIT = 2000


def snapshot_path(db: Path | str) -> Path:
    """Return where the snapshot of the database ``db`` lives (``<db>.snapshot.json``)."""
    db = Path(db)
    return db.with_name(db.name + ".snapshot.json")


def build_snapshot(store: Store) -> dict[str, Any]:
    """Read everything the web app shows from ``store`` into one JSON-ready dict."""
    values = [_jsonable(v) for v in read_values(store)]
    batches = [_jsonable(b) for b in list_batches(store)]
    records = _read_records(store)
    periods = sorted({v["period"] for v in values}, key=_period_key)
    return {
        "format": SNAPSHOT_FORMAT,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": str(store.path),
        "periods": periods,
        "indicators": [_catalogue_entry(ind) for ind in load_builtin().values()],
        "values": values,
        "batches": batches,
        "forms": [form.model_dump(mode="json") for form in FORMS.values()],
        "records": records,
        "releases": [_jsonable(r) for r in read_releases(store)],
        "stale_inputs": [_jsonable(s) for s in stale_inputs(store)],
    }


def write_snapshot(store: Store) -> Path:
    """Write the snapshot of ``store`` beside its database, atomically; return its path.

    Examples
    --------
    >>> import tempfile
    >>> from zhangjiang.store import open_store
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = write_snapshot(open_store(Path(tmp) / "z.duckdb"))
    ...     path.name, read_snapshot(path).periods
    ('z.duckdb.snapshot.json', [])
    """
    # One connection held open for the whole build: the reads inside open theirs on
    # the same database instance, instead of each loading the catalogue again.
    with store.connect(read_only=True):
        data = build_snapshot(store)
    target = snapshot_path(store.path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            # dumps, not dump: only dumps uses the C encoder (several times faster).
            fh.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def read_snapshot(path: Path, version: str = "") -> Snapshot:
    """Read a snapshot file written by ``write_snapshot``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreError(
            f"无法读取快照 {path} / cannot read snapshot {path}: {exc}"
        ) from exc
    if data.get("format") != SNAPSHOT_FORMAT:
        raise StoreError(
            f"快照 {path} 的格式不受支持，请重新计算指标 / snapshot {path} has an "
            f"unsupported format {data.get('format')!r}: run zhangjiang compute again"
        )
    return Snapshot(data, version or _version(path) or "0")


class Snapshot:
    """A snapshot's data with the lookups the pages need; never changed once read."""

    def __init__(self, data: dict[str, Any], version: str) -> None:
        """Index ``data`` (the dict ``build_snapshot`` returns); ``version`` names the file state."""
        self.data = data
        self.version = version
        self.periods: list[str] = list(data["periods"])
        #: Each period's kind: ``year``, ``month`` or ``range`` (year to date).
        self.kinds: dict[str, str] = {p: period_kind(p) for p in self.periods}
        self.indicators: dict[str, dict[str, Any]] = {
            i["id"]: i for i in data["indicators"]
        }
        self.forms: dict[str, dict[str, Any]] = {f["name"]: f for f in data["forms"]}
        self.batches: dict[int, dict[str, Any]] = {b["id"]: b for b in data["batches"]}
        self.records: dict[str, list[dict[str, Any]]] = data.get("records", {})
        self.releases: list[dict[str, Any]] = data.get("releases", [])
        #: Batches changed since the last compute (``zhangjiang.staleness``), when written.
        self.stale_inputs: list[dict[str, Any]] = data.get("stale_inputs", [])
        #: "staff" (working values) or "public" (released figures, see ``public``).
        self.audience = "staff"
        #: Periods whose report may be shown; None: every period.
        self.report_periods: set[str] | None = None
        self._values: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        self._cells: dict[tuple[str, str], dict[str, dict[str, Any]]] = defaultdict(
            dict
        )
        for value in data["values"]:
            self._values[value["id"], value["period"]].append(value)
            key = (value["id"], dimensions_key(value["dimensions"]))
            self._cells[key][value["period"]] = value

    def public(self) -> Snapshot:
        """Return what visitors other than statisticians see.

        Before any release, that is the working values (development and the demo); after
        the first, only the latest release of each released period. Pending and rejected
        batches are never listed. The report of a period is shown only while the working
        values still equal the released ones (the report is rendered from working values).
        Released figures are what was published, so changed inputs do not make them
        stale: the public sees no staleness once it sees releases. For lineage the public
        sees the metadata (form, period, rows, sha256, file name) of the batches behind the
        figures it sees, and nothing of the others; who loaded a batch and the reviewer's
        note stay with the staff.
        """
        data = dict(self.data)
        latest = [r for r in self.releases if r.get("latest")]
        report_periods = None
        if self.releases:
            data["values"] = [v for r in latest for v in r["values"]]
            data["periods"] = sorted({r["period"] for r in latest}, key=_period_key)
            data["stale_inputs"] = []
            report_periods = {
                r["period"]
                for r in latest
                if _figures(r["values"]) == _figures(self._period_values(r["period"]))
            }
        behind = {int(s) for v in data["values"] for s in v.get("sources") or ()}
        data["batches"] = [
            _public_batch(b)
            for b in self.data["batches"]
            if b["status"] in PUBLIC_BATCH_STATUSES and b["id"] in behind
        ]
        view = Snapshot(data, self.version)
        view.audience = "public"
        view.report_periods = report_periods
        return view

    def may_report(self, period: str | None) -> bool:
        """Return True when the report of ``period`` may be shown to this audience."""
        return self.report_periods is None or period in self.report_periods

    @property
    def latest_period(self) -> str | None:
        """Return the period pages show by default: the latest year with values.

        A month or a year-to-date range is never the default, though the December or
        the January–December range ends with the year; without any year, the latest
        period of any kind; None when nothing is computed.
        """
        years = self.periods_of("year")
        if years:
            return years[-1]
        return self.periods[-1] if self.periods else None

    @property
    def generated_at(self) -> str:
        """Return when the snapshot was written (ISO 8601, UTC)."""
        return str(self.data.get("generated_at", ""))

    def periods_of(self, kind: str) -> list[str]:
        """Return the periods of one kind (``year``, ``month``, ``range``), oldest first."""
        return [p for p in self.periods if self.kinds[p] == kind]

    def values(self, indicator_id: str, period: str) -> list[dict[str, Any]]:
        """Return the values of one indicator for one period (one per dimension combination)."""
        return self._values.get((indicator_id, period), [])

    def series(
        self, indicator_id: str, kinds: tuple[str, ...] | None = None
    ) -> list[dict[str, Any]]:
        """Return the values of one indicator over every period (of ``kinds``), oldest first."""
        return [
            v
            for p in self.periods
            if kinds is None or self.kinds[p] in kinds
            for v in self._values.get((indicator_id, p), [])
        ]

    def cell(
        self, indicator_id: str, dimensions: dict[str, Any]
    ) -> dict[str, dict[str, Any]]:
        """Return the values of one indicator and dimension combination, by period."""
        return self._cells.get((indicator_id, dimensions_key(dimensions)), {})

    def _period_values(self, period: str) -> list[dict[str, Any]]:
        return [v for v in self.data["values"] if v["period"] == period]


def _public_batch(batch: dict[str, Any]) -> dict[str, Any]:
    return {**batch, "loaded_by": "", "note": ""}


def period_kind(label: str) -> str:
    """Return the kind of a period label: ``year``, ``month`` or ``range``.

    Examples
    --------
    >>> period_kind("2022"), period_kind("2022-10"), period_kind("2022-01/2022-10")
    ('year', 'month', 'range')
    """
    return parse_period(label).kind


class SnapshotSource:
    """The newest snapshot of a database, re-read whenever its file changes."""

    def __init__(self, db: Path | str) -> None:
        """Serve the snapshot of database ``db``."""
        self.db = Path(db)
        self.path = snapshot_path(self.db)
        self._lock = threading.Lock()
        self._current: Snapshot | None = None

    def fresh(self) -> Snapshot | None:
        """Return the snapshot already read if its file is unchanged (one stat), else None."""
        current = self._current
        if current is not None and _version(self.path) == current.version:
            return current
        return None

    def current(self) -> Snapshot:
        """Return the newest snapshot, building one from the database if none exists.

        Raises StoreBusyError when no snapshot exists and another process holds the
        database for longer than the store's bounded retry.
        """
        current = self.fresh()
        if current is not None:
            return current
        with self._lock:
            version = _version(self.path)
            if version is None:
                write_snapshot(Store(self.db))
                version = _version(self.path)
            if self._current is None or self._current.version != version:
                try:
                    self._current = read_snapshot(self.path, version or "")
                except StoreError:
                    if self._current is None:
                        raise
            return self._current


def _version(path: Path) -> str | None:
    # os.replace gives the new file a new inode, so even two writes within the clock's
    # resolution yield different versions.
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return f"{st.st_mtime_ns}-{st.st_size}-{st.st_ino}"


def _figures(values: list[dict[str, Any]]) -> set[tuple[str, str, Any]]:
    return {
        (v["id"], json.dumps(v["dimensions"], sort_keys=True), v["value"])
        for v in values
    }


def _read_records(store: Store) -> dict[str, list[dict[str, Any]]]:
    wanted = [FORMS[name] for name in RECORD_DATASETS if name in FORMS]
    if not wanted:
        return {}
    with store.connect(read_only=True) as con:
        # A form declared after the store was last migrated has no view yet: skip it.
        views = {
            r["table_name"]
            for r in fetch_dicts(
                con, "SELECT table_name FROM information_schema.tables"
            )
        }
        return {
            form.name: [
                _jsonable(row)
                for row in fetch_dicts(
                    con, f'SELECT * FROM "{form.view}" LIMIT {_RECORD_LIMIT}'
                )
            ]
            for form in wanted
            if form.view in views
        }


def _catalogue_entry(ind: Any) -> dict[str, Any]:
    rule_zh, rule_en = PERIOD_RULES.get(
        ind.period_rule, (ind.period_rule, ind.period_rule)
    )
    return {
        "id": ind.id,
        "title_zh": ind.title_zh,
        "title_en": ind.title_en,
        "unit": ind.unit,
        "unit_en": ind.unit_en,
        "description_zh": ind.description_zh,
        "description_en": ind.description_en,
        "sql": textwrap.dedent(ind.sql).strip(),
        "inputs": list(ind.inputs),
        "dimensions": list(ind.dimensions),
        "period_rule": ind.period_rule,
        "period_rule_zh": rule_zh,
        "period_rule_en": rule_en,
        "monthly": ind.monthly,
        "yoy_of": ind.yoy_of,
        "style": _jsonable(dict(ind.style)),
        "domain": ind.domain,
        "keywords": list(ind.keywords),
        "definition_hash": ind.definition_hash,
    }


def _period_key(label: str) -> tuple[date, int]:
    # Latest end first decides; of two periods ending together the longer one (the
    # year rather than its December) counts as the later, so it is the default.
    period = parse_period(label)
    return period.end, -period.start.toordinal()


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return json_number(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
