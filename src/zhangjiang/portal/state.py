"""Application state of the portal in a SQLite file beside the database.

DuckDB lets one process write its file and then blocks even readers, so users, sessions,
login throttling, submissions and the audit log — written by every web worker and the CLI
— live in ``<db>.app.sqlite`` (stdlib sqlite3, WAL journal, busy timeout), which several
processes may write safely. The statistical store stays in DuckDB.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["APP_MIGRATIONS", "AppState", "app_db_path", "open_state", "utc_now"]

_BUSY_MS = 10_000
#: Named migrations of the application database, applied once each, in order.
APP_MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_portal",
        """
        CREATE TABLE users (
            name TEXT PRIMARY KEY,
            role TEXT NOT NULL,
            facilities TEXT NOT NULL DEFAULT '[]',
            password_hash TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE sessions (
            token_hash TEXT PRIMARY KEY,
            user TEXT,
            csrf TEXT NOT NULL,
            created_at REAL NOT NULL,
            expires_at REAL NOT NULL
        );
        CREATE INDEX sessions_expiry ON sessions (expires_at);
        CREATE TABLE login_failures (
            account TEXT NOT NULL,
            address TEXT NOT NULL,
            at REAL NOT NULL
        );
        CREATE INDEX login_failures_key ON login_failures (account, address, at);
        CREATE TABLE submissions (
            batch_id INTEGER PRIMARY KEY,
            dataset TEXT NOT NULL,
            submitted_for TEXT NOT NULL,
            submitted_by TEXT NOT NULL,
            original_name TEXT NOT NULL,
            submitted_at TEXT NOT NULL
        );
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT NOT NULL DEFAULT '',
            detail TEXT NOT NULL DEFAULT '{}',
            address TEXT NOT NULL DEFAULT ''
        );
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
        """,
    ),
]
_migrated: set[Path] = set()
_migrate_lock = threading.Lock()


def app_db_path(db: Path | str) -> Path:
    """Return where the application database of ``db`` lives (``<db>.app.sqlite``)."""
    db = Path(db)
    return db.with_name(db.name + ".app.sqlite")


def utc_now() -> str:
    """Return the current UTC time as ISO 8601 text (seconds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class AppState:
    """The portal's SQLite file: short connections, immediate write transactions."""

    path: Path

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """Open a connection in autocommit mode; closed after the block."""
        con = sqlite3.connect(self.path, timeout=_BUSY_MS / 1000, isolation_level=None)
        try:
            con.row_factory = sqlite3.Row
            con.execute(f"PRAGMA busy_timeout = {_BUSY_MS}")
            con.execute("PRAGMA journal_mode = WAL")
            con.execute("PRAGMA synchronous = NORMAL")
            yield con
        finally:
            con.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run the block in one write transaction, taking the write lock up front."""
        with self.connect() as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    def migrate(self) -> list[str]:
        """Apply the pending named migrations; return the names applied."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        applied = []
        with self.transaction() as con:
            con.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            done = {r[0] for r in con.execute("SELECT name FROM schema_migrations")}
            for name, sql in APP_MIGRATIONS:
                if name in done:
                    continue
                for statement in _statements(sql):
                    con.execute(statement)
                con.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?)", (name, utc_now())
                )
                applied.append(name)
        return applied


def open_state(db: Path | str) -> AppState:
    """Return the application state of database ``db``, migrated (once per process)."""
    state = AppState(app_db_path(db))
    key = state.path.resolve()
    if key not in _migrated:
        with _migrate_lock:
            if key not in _migrated:
                state.migrate()
                _migrated.add(key)
    return state


def _statements(sql: str) -> list[str]:
    # executescript would commit the open transaction; split instead, keeping each
    # trigger (whose body holds a ';') whole.
    out, buffer = [], ""
    for line in sql.strip().splitlines():
        buffer += line + "\n"
        if sqlite3.complete_statement(buffer):
            out.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        out.append(buffer.strip())
    return out
