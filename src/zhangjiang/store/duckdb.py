"""DuckDB engine of the store: the only module that imports duckdb."""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from zhangjiang.cells import legacy_cells_sql
from zhangjiang.errors import StoreBusyError, StoreError
from zhangjiang.forms.model import Form
from zhangjiang.store.schema import MIGRATIONS, form_ddl, missing_columns_ddl

__all__ = ["ArchiveCopy", "Connection", "Store", "open_store", "sha256_file"]

if TYPE_CHECKING:
    import duckdb

    Connection = duckdb.DuckDBPyConnection
else:
    # duckdb is imported on first connect, so that a CLI call that opens no store
    # (``--help``) does not pay for it; the alias serves annotations only.
    Connection = Any
_LOCK_RETRY_SECONDS = 10.0


@dataclass(frozen=True)
class Store:
    """A database file plus the content-addressed archive of original files beside it."""

    path: Path

    @property
    def archive_dir(self) -> Path:
        """Return the folder holding every ingested file, named by its sha256."""
        return self.path.with_name(self.path.name + ".files")

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[Connection]:
        """Open a short-lived connection, retrying while another process holds the file."""
        con = _connect_with_retry(self.path, read_only)
        try:
            yield con
        finally:
            con.close()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """Open a connection and run the block in one transaction (all or nothing)."""
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    def query(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        """Run a read query and return rows as dicts."""
        with self.connect(read_only=True) as con:
            return fetch_dicts(con, sql, params)

    def migrate(self) -> list[str]:
        """Apply the pending named migrations; return the names applied."""
        import duckdb

        self.path.parent.mkdir(parents=True, exist_ok=True)
        applied: list[str] = []
        with self.connect() as con:
            con.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(name VARCHAR PRIMARY KEY, applied_at TIMESTAMP NOT NULL)"
            )
            done = {
                r[0]
                for r in con.execute("SELECT name FROM schema_migrations").fetchall()
            }
            for name, sql in MIGRATIONS:
                if name in done:
                    continue
                con.execute("BEGIN TRANSACTION")
                try:
                    con.execute(sql)
                    con.execute(
                        "INSERT INTO schema_migrations VALUES (?, ?)", [name, now()]
                    )
                except duckdb.Error as exc:
                    con.execute("ROLLBACK")
                    raise StoreError(
                        f"迁移 {name} 失败 / migration {name} failed: {exc}"
                    ) from exc
                con.execute("COMMIT")
                applied.append(name)
        return applied

    def ensure_forms(self, forms: list[Form], backfill: bool = False) -> None:
        """Create or extend every form's row table and refresh its view."""
        with self.connect() as con:
            tables = {
                r[0]: set(r[1])
                for r in con.execute(
                    "SELECT table_name, list(column_name) FROM information_schema.columns "
                    "WHERE table_schema = 'main' GROUP BY table_name"
                ).fetchall()
            }
            for form in forms:
                if form.table in tables:
                    for stmt in missing_columns_ddl(form, tables[form.table]):
                        con.execute(stmt)
                    con.execute(form_ddl(form)[1])
                    if backfill and form.mode == "replace":
                        con.execute(legacy_cells_sql(form))
                else:
                    for stmt in form_ddl(form):
                        con.execute(stmt)

    def archive(self, source: Path, sha256: str) -> Path:
        """Copy a file into the archive under its sha256 (idempotent); return its path."""
        target = self.archive_path(sha256)
        if target.exists():
            return target
        with self.archive_copy() as copy:
            shutil.copyfile(source, copy.part)
            return copy.file(sha256)

    @contextmanager
    def archive_copy(self) -> Iterator[ArchiveCopy]:
        """Yield an :class:`ArchiveCopy` to write a file into while it is read anyway.

        The copy lands in the archive under its sha256 when ``file(sha256)`` is
        called; otherwise (the block failed, or never filed it) it is removed.
        """
        incoming = self.archive_dir / "incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        part = incoming / f"{os.getpid()}.{threading.get_ident()}.{time.time_ns()}.part"
        copy = ArchiveCopy(self, part)
        try:
            yield copy
        finally:
            part.unlink(missing_ok=True)

    def archive_path(self, sha256: str) -> Path:
        """Return where the archived file of that sha256 lives."""
        return self.archive_dir / sha256[:2] / sha256


@dataclass
class ArchiveCopy:
    """A file being copied into the archive as it is read (see ``Store.archive_copy``)."""

    store: Store
    part: Path

    def writer(self) -> BinaryIO:
        """Open the partial copy for writing (the caller closes it)."""
        return self.part.open("wb")

    def file(self, sha256: str) -> Path:
        """Move the finished copy to its place in the archive; return that path."""
        target = self.store.archive_path(sha256)
        if target.exists():  # the same content is archived already
            self.part.unlink(missing_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.part, target)
        return target


def open_store(path: Path | str, migrate: bool = True) -> Store:
    """Return the store at ``path``, migrating it to the current schema."""
    from zhangjiang.forms import FORMS  # the registry loads declarations on import

    store = Store(Path(path))
    if migrate:
        applied = store.migrate()
        # A store made before cells existed gets the cells of its batches once.
        store.ensure_forms(
            list(FORMS.values()), backfill="0004_reporting_cycle" in applied
        )
    return store


def fetch_dicts(con: Connection, sql: str, params: Any = None) -> list[dict[str, Any]]:
    """Execute ``sql`` on ``con`` and return the rows as dicts."""
    cur = con.execute(sql, params) if params is not None else con.execute(sql)
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def sha256_file(path: Path) -> str:
    """Return the hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def now() -> datetime:
    """Return the current UTC time as a naive timestamp (how the store keeps times)."""
    return datetime.now(UTC).replace(tzinfo=None)


def _connect_with_retry(path: Path, read_only: bool) -> Connection:
    """Connect, waiting while the file is busy (bounded by ``_LOCK_RETRY_SECONDS``).

    Busy means another process holds the file's lock, or another thread of this one
    has it open in the other mode (read-only against read-write), which DuckDB
    refuses as "a different configuration" until that connection closes.
    """
    import duckdb

    deadline = time.monotonic() + _LOCK_RETRY_SECONDS
    delay = 0.02
    while True:
        try:
            if read_only and not path.exists():
                raise StoreError(
                    f"数据库 {path} 不存在，请先运行 zhangjiang init / "
                    f"database {path} does not exist: run zhangjiang init first"
                )
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.ConnectionException as exc:
            if "different configuration" not in str(exc):
                raise StoreError(
                    f"无法打开数据库 {path} / cannot open database {path}: {exc}"
                ) from exc
            if time.monotonic() > deadline:
                raise StoreBusyError(
                    f"数据库 {path} 正被本进程的另一操作使用，请稍后重试 / database "
                    f"{path} is in use by another operation of this process; try again"
                ) from exc
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                if "lock" in str(exc).lower():
                    raise StoreBusyError(
                        f"数据库 {path} 正被另一进程使用，请稍后重试 / database {path} is "
                        f"held by another process; try again shortly"
                    ) from exc
                raise StoreError(
                    f"无法打开数据库 {path} / cannot open database {path}: {exc}"
                ) from exc
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
