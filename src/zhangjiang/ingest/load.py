"""Load a validated file as one batch: archive it, store its rows, supersede the older batch."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from zhangjiang.cells import (
    Cell,
    CellPlan,
    cells_of_rows,
    plan_cells,
    record_cells,
    take_cells,
)
from zhangjiang.config import Settings
from zhangjiang.forms import Form, get_form
from zhangjiang.ingest.problems import Problem
from zhangjiang.ingest.tabular import FileRejected, read_table
from zhangjiang.ingest.validate import Validated, validate_table
from zhangjiang.periods import Period, parse_period
from zhangjiang.store import Store
from zhangjiang.store.duckdb import Connection, now, sha256_file

__all__ = [
    "IngestResult",
    "check_file",
    "derived_period",
    "find_duplicate",
    "ingest_file",
    "insert_batch",
    "insert_rows",
    "plan_file",
    "store_batch",
]


@dataclass
class IngestResult:
    """What happened to one file: loaded, duplicate (no-op) or rejected."""

    file: str
    dataset: str
    outcome: str  # "loaded" | "pending" | "duplicate" | "rejected" | "valid"
    batch_id: int | None = None
    rows: int = 0
    sha256: str = ""
    superseded: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    plan: CellPlan | None = None
    message_zh: str = ""
    message_en: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return the result as a JSON-ready dict."""
        return {
            "file": self.file,
            "dataset": self.dataset,
            "outcome": self.outcome,
            "batch_id": self.batch_id,
            "rows": self.rows,
            "sha256": self.sha256,
            "superseded": self.superseded,
            "plan": self.plan.to_dict() if self.plan is not None else None,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "problems": [p.to_dict() for p in self.problems],
        }

    def set_duplicate(self, batch_id: int) -> IngestResult:
        """Mark the file as already loaded as ``batch_id`` (nothing changed)."""
        self.outcome, self.batch_id = "duplicate", batch_id
        self.message_zh = f"{self.file} 已作为批次 {batch_id} 加载，未作改动"
        self.message_en = (
            f"{self.file} is already loaded as batch {batch_id}; nothing changed"
        )
        return self

    def set_rejected(self, problems: list[Problem]) -> IngestResult:
        """Mark the file as rejected for ``problems`` (nothing was loaded)."""
        self.outcome, self.problems = "rejected", problems
        errors = sum(1 for p in problems if p.is_error)
        self.message_zh = f"{self.file} 有 {errors} 个错误，未加载任何数据"
        self.message_en = f"{self.file} has {errors} error(s); nothing was loaded"
        return self

    def set_unchanged(self, plan: CellPlan) -> IngestResult:
        """Mark a file whose every cell repeats the current content (nothing changed)."""
        holders = sorted({b for _, b in plan.unchanged})
        self.outcome, self.batch_id, self.plan = "duplicate", holders[0], plan
        ids = ", ".join(map(str, holders))
        self.message_zh = f"{self.file} 的内容与批次 {ids} 中的数据相同，未作改动"
        self.message_en = (
            f"{self.file} holds the same figures as batch {ids}; nothing changed"
        )
        return self

    def note_superseded(self) -> None:
        """Append the cell plan and the batch ids it replaces cells of to both messages."""
        if self.plan is not None and self.plan.changes_anything:
            zh, en = self.plan.summary()
            self.message_zh += f"；{zh}"
            self.message_en += f"; {en}"
        elif self.superseded:
            ids = ", ".join(map(str, self.superseded))
            self.message_zh += f"；取代批次 {ids}"
            self.message_en += f"; supersedes batch {ids}"


def check_file(
    form: Form,
    path: Path,
    settings: Settings,
    *,
    period: Period | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
    display_name: str | None = None,
) -> Validated:
    """Read and validate a tabular file against ``form`` without storing anything."""
    try:
        table = read_table(
            path,
            sheet=sheet,
            encoding=encoding,
            max_file_mb=settings.max_file_mb,
            max_unzipped_mb=settings.max_unzipped_mb,
            display_name=display_name,
        )
    except FileRejected as exc:
        return Validated(form, problems=[exc.problem])
    return validate_table(table, form, period)


def ingest_file(
    store: Store,
    dataset: str,
    path: Path,
    settings: Settings,
    *,
    period: str | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
    note: str = "",
    status: str = "loaded",
    display_name: str | None = None,
) -> IngestResult:
    """Validate ``path`` and, when it has no error, load it as one batch in one transaction."""
    form = get_form(dataset)
    name = display_name or path.name
    sha = sha256_file(path)
    result = IngestResult(name, dataset, "rejected", sha256=sha)
    duplicate = find_duplicate(store, dataset, sha)
    if duplicate is not None:
        return result.set_duplicate(duplicate)
    parsed_period = parse_period(period) if period else None
    checked = check_file(
        form,
        path,
        settings,
        period=parsed_period,
        sheet=sheet,
        encoding=encoding,
        display_name=name,
    )
    result.problems = checked.problems
    if checked.errors:
        return result.set_rejected(checked.problems)
    batch_period = period or derived_period(form, checked.rows)
    scope = _scope(form, checked.rows)
    cells = cells_of_rows(form, checked.rows, batch_period)
    with store.connect() as con:
        plan = plan_cells(con, form, cells)
    if checked.rows and not plan.changes_anything and form.mode == "replace":
        return result.set_unchanged(plan)
    batch_id, result.plan = store_batch(
        store,
        form,
        path,
        sha,
        name,
        checked.rows,
        settings,
        status=status,
        period=batch_period,
        scope=scope,
        note=note,
        warnings=len(checked.warnings),
        cells=cells,
    )
    result.superseded = result.plan.superseded
    result.outcome, result.batch_id, result.rows = status, batch_id, len(checked.rows)
    result.message_zh = f"{name} 已加载为批次 {batch_id}，共 {len(checked.rows)} 行"
    result.message_en = (
        f"{name} loaded as batch {batch_id} with {len(checked.rows)} rows"
    )
    result.note_superseded()
    return result


def plan_file(
    store: Store, form: Form, rows: list[dict[str, Any]], batch_period: str | None
) -> CellPlan:
    """Return what loading these rows would do to the dataset's cells (stores nothing)."""
    with store.connect() as con:
        return plan_cells(con, form, cells_of_rows(form, rows, batch_period))


def store_batch(
    store: Store,
    form: Form,
    path: Path,
    sha: str,
    name: str,
    rows: list[dict[str, Any]],
    settings: Settings,
    *,
    status: str,
    period: str | None,
    scope: str,
    note: str,
    warnings: int,
    cells: dict[Cell, tuple[int, str]] | None = None,
    source: str = "",
) -> tuple[int, CellPlan]:
    """Store validated rows as one batch in one transaction; return its id and cell plan.

    The batch record, its rows and cells, the replacement of the cells it covers again,
    and the archived original all commit together or not at all. A pending batch takes
    its cells when it is approved. ``cells`` are the rows' cells when the caller has
    them already (``cells_of_rows``); ``source`` is their source (see ``zhangjiang.cells``).
    """
    with store.transaction() as con:
        batch_id = insert_batch(
            con,
            form,
            name,
            sha,
            path.stat().st_size,
            len(rows),
            status,
            period,
            scope,
            settings.user,
            note,
            warnings,
        )
        insert_rows(con, form, batch_id, rows)
        if cells is None:
            cells = cells_of_rows(form, rows, period)
        if form.mode == "replace":
            record_cells(con, form, batch_id, cells, source)
        if status == "loaded":
            plan = take_cells(con, form, batch_id)
        else:
            plan = plan_cells(con, form, cells, exclude_batch=batch_id, source=source)
        store.archive(path, sha)
    return batch_id, plan


def find_duplicate(
    store: Store, dataset: str, sha: str, scope: str | None = None
) -> int | None:
    """Return the id of a loaded or pending batch of ``dataset`` with this sha256.

    With ``scope``, only a batch loaded for that scope counts (one publication export
    may list the papers of two facilities).
    """
    sql = (
        "SELECT id FROM batches WHERE dataset = ? AND sha256 = ? "
        "AND status IN ('loaded', 'pending')"
    )
    params: list[Any] = [dataset, sha]
    if scope is not None:
        sql += " AND scope = ?"
        params.append(scope)
    rows = store.query(sql + " ORDER BY id LIMIT 1", params)
    return rows[0]["id"] if rows else None


def insert_batch(
    con: Connection,
    form: Form,
    file_name: str,
    sha: str,
    size: int,
    rows: int,
    status: str,
    period: str | None,
    scope: str,
    user: str,
    note: str,
    warnings: int = 0,
) -> int:
    """Insert a batch record and return its id."""
    row = con.execute(
        "INSERT INTO batches (dataset, file_name, sha256, size, rows, status, period, scope, "
        "loaded_at, loaded_by, note, warnings) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        [
            form.name,
            file_name,
            sha,
            size,
            rows,
            status,
            period,
            scope,
            now(),
            user,
            note,
            warnings,
        ],
    ).fetchone()
    assert row is not None
    return int(row[0])


def insert_rows(
    con: Connection, form: Form, batch_id: int, rows: list[dict[str, Any]]
) -> None:
    names = [c.name for c in form.columns]
    with tempfile.NamedTemporaryFile(
        "w", suffix=".jsonl", encoding="utf-8", delete=False
    ) as fh:
        for row in rows:
            fh.write(
                json.dumps(
                    {n: _json_value(row[n]) for n in names} | {"_row": row["_row"]},
                    ensure_ascii=False,
                )
            )
            fh.write("\n")
        tmp = Path(fh.name)
    try:
        columns = ", ".join(f"'{n}': 'VARCHAR'" for n in names)
        select = ", ".join(f'CAST("{c.name}" AS {c.sql_type})' for c in form.columns)
        con.execute(
            f"INSERT INTO {form.table} SELECT {select}, {batch_id}, CAST(_row AS BIGINT) "
            f"FROM read_json(?, format='newline_delimited', columns={{{columns}, '_row': 'VARCHAR'}})",
            [str(tmp)],
        )
    finally:
        tmp.unlink(missing_ok=True)


def _json_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date | datetime | Decimal):
        return (
            str(value) if not isinstance(value, date | datetime) else value.isoformat()
        )
    return str(value)


def derived_period(form: Form, rows: list[dict[str, Any]]) -> str | None:
    """Return the year the rows' period column falls in, when it is a single year."""
    if form.period_column is None:
        return None
    years = set()
    for row in rows:
        value = row.get(form.period_column)
        if isinstance(value, date):
            years.add(value.year)
        elif isinstance(value, int):
            years.add(value)
    return str(years.pop()) if len(years) == 1 else None


def _scope(form: Form, rows: list[dict[str, Any]]) -> str:
    if form.scope_column is None:
        return ""
    return ",".join(
        sorted(
            {
                str(r[form.scope_column])
                for r in rows
                if r.get(form.scope_column) is not None
            }
        )
    )
