"""Sign-in sessions with their CSRF tokens, and login throttling.

The cookie holds a random token; the database keeps only its sha256, so a copy of the
file does not let anyone sign in. Every session — also the anonymous one the login page
opens — carries a CSRF token that each POST must echo.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from zhangjiang.portal.state import AppState

__all__ = [
    "Session",
    "check_csrf",
    "end_session",
    "failures",
    "find_session",
    "forget_failures",
    "note_failure",
    "start_session",
]


@dataclass(frozen=True)
class Session:
    """A session: its cookie token (only known when just started), user and CSRF token."""

    token: str
    user: str | None
    csrf: str
    expires_at: float


def start_session(state: AppState, user: str | None, hours: float) -> Session:
    """Open a session (anonymous when ``user`` is None) and return it with its token."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = time.time()
    expires = now + hours * 3600
    with state.transaction() as con:
        con.execute("DELETE FROM sessions WHERE expires_at < ?", (now,))
        con.execute(
            "INSERT INTO sessions (token_hash, user, csrf, created_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (_digest(token), user, csrf, now, expires),
        )
    return Session(token, user, csrf, expires)


def find_session(state: AppState, token: str | None) -> Session | None:
    """Return the live session of a cookie token, or None."""
    if not token or len(token) > 100:
        return None
    with state.connect() as con:
        row = con.execute(
            "SELECT user, csrf, expires_at FROM sessions WHERE token_hash = ?",
            (_digest(token),),
        ).fetchone()
    if row is None or row["expires_at"] < time.time():
        return None
    return Session(token, row["user"], row["csrf"], row["expires_at"])


def end_session(state: AppState, token: str) -> None:
    """Close a session (sign out)."""
    with state.connect() as con:
        con.execute("DELETE FROM sessions WHERE token_hash = ?", (_digest(token),))


def check_csrf(session: Session | None, submitted: str | None) -> bool:
    """Return True when ``submitted`` is the session's CSRF token."""
    if session is None or not submitted:
        return False
    return hmac.compare_digest(session.csrf.encode(), submitted.encode())


def failures(state: AppState, account: str, address: str, minutes: float) -> int:
    """Return how many sign-ins failed for (account, address) in the last ``minutes``."""
    since = time.time() - minutes * 60
    with state.connect() as con:
        row = con.execute(
            "SELECT count(*) FROM login_failures WHERE account = ? AND address = ? "
            "AND at >= ?",
            (account.lower(), address, since),
        ).fetchone()
    return int(row[0])


def note_failure(state: AppState, account: str, address: str) -> None:
    """Count one failed sign-in for (account, address)."""
    with state.connect() as con:
        con.execute(
            "INSERT INTO login_failures (account, address, at) VALUES (?, ?, ?)",
            (account.lower(), address, time.time()),
        )


def forget_failures(state: AppState, account: str, address: str) -> None:
    """Clear the failures of (account, address) after a successful sign-in."""
    with state.connect() as con:
        con.execute(
            "DELETE FROM login_failures WHERE account = ? AND address = ?",
            (account.lower(), address),
        )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
