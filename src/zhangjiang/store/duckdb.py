"""DuckDB engine of the store: the only module that imports duckdb."""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
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
# Databases held open by ``Store.session`` in this process, by path.
_SESSIONS: dict[Path, Connection] = {}
_SESSIONS_LOCK = threading.Lock()
_PART = ".part"
_ZST = ".zst"
# zstd level 1: a text log shrinks 5-10x at several hundred MB/s on one core.
_ZSTD_LEVEL = 1
_CHUNK = 1 << 20


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
        """Open a short-lived connection, retrying while another process holds the file.

        Inside :meth:`session` the connection is a cursor of the database held open
        (read-write, whatever ``read_only`` asks).
        """
        with _SESSIONS_LOCK:
            held = _SESSIONS.get(self.path)
            con = held.cursor() if held is not None else None
        if con is None:
            con = _connect_with_retry(self.path, read_only)
        try:
            yield con
        finally:
            con.close()

    @contextmanager
    def session(self) -> Iterator[None]:
        """Hold the database open in this process for a run of work (building the demo).

        Every ``connect`` of the block is then a cursor of one open database instead of
        opening the file, reading its catalogue and checkpointing on close each time
        (~25 ms a call). The file stays locked against other processes meanwhile, so
        this is for one-process batch work, not for the web server.
        """
        with _SESSIONS_LOCK:
            if self.path in _SESSIONS:
                held = None
            else:
                held = _connect_with_retry(self.path, False)
                _SESSIONS[self.path] = held
        try:
            yield
        finally:
            if held is not None:
                with _SESSIONS_LOCK:
                    del _SESSIONS[self.path]
                held.close()

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
        """Create or extend every form's row table and refresh its view.

        The digest of the statements is recorded in ``form_statements`` once they ran,
        so a later call with the same declarations does nothing: every CLI call opens
        the store, and replacing ~30 views cost more than loading a small file.
        """
        digest = _forms_digest(forms)
        with self.transaction() as con:
            applied = con.execute(
                "SELECT count(*) FROM form_statements WHERE digest = ?", [digest]
            ).fetchall()[0][0]
            if applied and not backfill:
                return
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
            con.execute("DELETE FROM form_statements")
            con.execute("INSERT INTO form_statements VALUES (?, ?)", [digest, now()])

    def archive(self, source: Path, sha256: str) -> Path:
        """Copy a file into the archive under its sha256 (idempotent); return its path."""
        existing = self.archived(sha256)
        if existing is not None:
            return existing
        with self.archive_copy() as copy:
            shutil.copyfile(source, copy.part)
            return copy.file(sha256)

    @contextmanager
    def archive_copy(self, source: Path | None = None) -> Iterator[ArchiveCopy]:
        """Yield an :class:`ArchiveCopy` to write a file into while it is read anyway.

        With ``source`` (a large file such as a job log) the copy is a reflink of it
        where the file system allows (no byte is copied), else zstd-compressed as it
        is written. The copy lands in the archive under its sha256 when
        ``file(sha256)`` is called; otherwise (the block failed, or never filed it)
        it is removed.
        """
        incoming = self.archive_dir / "incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        name = f"{os.getpid()}.{threading.get_ident()}.{time.time_ns()}{_PART}"
        copy = ArchiveCopy(self, incoming / name, source)
        try:
            yield copy
        finally:
            copy.part.unlink(missing_ok=True)

    def archive_path(self, sha256: str) -> Path:
        """Return where the archived file of that sha256 lives, stored as is."""
        return self.archive_dir / sha256[:2] / sha256

    def archived(self, sha256: str) -> Path | None:
        """Return the archive file of that sha256 (as is, or ``.zst``), or None."""
        plain = self.archive_path(sha256)
        for path in (plain, plain.with_name(plain.name + _ZST)):
            if path.is_file():
                return path
        return None

    def read_archived(self, sha256: str) -> Iterator[bytes]:
        """Yield the original bytes of the archived file of that sha256, in chunks.

        Raises ``FileNotFoundError`` when it is not archived.
        """
        path = self.archived(sha256)
        if path is None:
            raise FileNotFoundError(self.archive_path(sha256))
        with path.open("rb") as fh:
            if path.suffix == _ZST:
                import zstandard

                reader = zstandard.ZstdDecompressor().stream_reader(fh)
                yield from iter(lambda: reader.read(_CHUNK), b"")
            else:
                yield from iter(lambda: fh.read(_CHUNK), b"")

    def verify_archived(self, sha256: str) -> bool:
        """Return whether the archived file's original bytes still hash to ``sha256``."""
        import zstandard

        digest = hashlib.sha256()
        try:
            for chunk in self.read_archived(sha256):
                digest.update(chunk)
        except (FileNotFoundError, zstandard.ZstdError):
            return False
        return digest.hexdigest() == sha256

    def remove_stale_parts(self) -> list[Path]:
        """Delete partial copies left in ``incoming`` by processes that have ended.

        A load killed half-way leaves its ``*.part``; it is never archive. A part of a
        process still running (named by its pid) is left alone.
        """
        incoming = self.archive_dir / "incoming"
        removed: list[Path] = []
        if not incoming.is_dir():
            return removed
        for part in incoming.glob(f"*{_PART}"):
            if not _is_running(part.name.split(".", 1)[0]):
                part.unlink(missing_ok=True)
                removed.append(part)
        return removed


@dataclass
class ArchiveCopy:
    """A file being copied into the archive as it is read (see ``Store.archive_copy``)."""

    store: Store
    part: Path
    source: Path | None = None
    compressed: bool = field(default=False, init=False)

    def writer(self) -> BinaryIO:
        """Open the partial copy for writing the file's bytes (the caller closes it).

        For a ``source`` that could be reflinked the writer discards what it is given
        (the copy is complete already); otherwise it compresses it with zstd.
        """
        if self.source is None:
            return self.part.open("wb")
        if _reflink(self.source, self.part):
            return _Discard()
        import zstandard

        self.compressed = True
        out = self.part.open("wb")
        compressor = zstandard.ZstdCompressor(level=_ZSTD_LEVEL)
        size = self.source.stat().st_size
        return compressor.stream_writer(out, size=size)  # type: ignore[return-value]

    def file(self, sha256: str) -> Path:
        """Move the finished copy to its place in the archive; return that path."""
        existing = self.store.archived(sha256)
        if existing is not None:  # the same content is archived already
            self.part.unlink(missing_ok=True)
            return existing
        target = self.store.archive_path(sha256)
        if self.compressed:
            target = target.with_name(target.name + _ZST)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self.part, target)
        return target


class _Discard:
    """A writer that keeps nothing (the reflinked copy needs no bytes)."""

    def write(self, data: bytes) -> int:
        return len(data)

    def __enter__(self) -> _Discard:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def close(self) -> None:
        return None


def _reflink(source: Path, target: Path) -> bool:
    """Make ``target`` a copy-on-write clone of ``source``; return False where unsupported.

    A clone shares the blocks (nothing is copied) yet stays the original's bytes
    when the source is later changed, unlike a hard link.
    """
    import fcntl

    ficlone = 0x40049409  # FICLONE from linux/fs.h
    try:
        with source.open("rb") as src, target.open("wb") as dst:
            fcntl.ioctl(dst.fileno(), ficlone, src.fileno())
    except OSError:
        target.unlink(missing_ok=True)
        return False
    return True


def _is_running(pid: str) -> bool:
    """Return whether a process of that id runs (True when it cannot be told)."""
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def open_store(path: Path | str, migrate: bool = True) -> Store:
    """Return the store at ``path``, migrating it to the current schema."""
    from zhangjiang.forms import FORMS  # the registry loads declarations on import

    store = Store(Path(path))
    store.remove_stale_parts()
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


def _forms_digest(forms: list[Form]) -> str:
    """Return the sha256 of the statements making the forms' tables and views."""
    digest = hashlib.sha256()
    for form in forms:
        for stmt in form_ddl(form):
            digest.update(stmt.encode())
            digest.update(b"\0")
    return digest.hexdigest()


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
