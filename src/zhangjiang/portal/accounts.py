"""Portal accounts: name, role, facilities, argon2 password hash."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from zhangjiang.errors import AccountError
from zhangjiang.portal.state import AppState, utc_now
from zhangjiang.suggest import unknown_name

if TYPE_CHECKING:
    from zhangjiang.store import Store

__all__ = [
    "MIN_PASSWORD",
    "ROLES",
    "Account",
    "add_user",
    "get_user",
    "list_users",
    "update_user",
    "verify_login",
]

#: Each role with its zh/en title and what it may do.
ROLES: dict[str, tuple[str, str]] = {
    "admin": (
        "管理员：管理用户、查看审计日志",
        "admin: manages users, reads the audit log",
    ),
    "statistician": (
        "统计人员：审核批次、计算指标、发布数据",
        "statistician: reviews batches, computes, releases",
    ),
    "operator": (
        "报送员：上传本单位报表、查看本单位批次",
        "operator: uploads and sees their own facilities' batches",
    ),
    "viewer": ("查看者：只看已发布数据", "viewer: sees released figures only"),
}
MIN_PASSWORD = 10
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
_HASHER = PasswordHasher()


@dataclass(frozen=True)
class Account:
    """A portal user as the web app sees it (never the password hash)."""

    name: str
    role: str
    facilities: tuple[str, ...] = ()
    active: bool = True

    def has_facility(self, facility: str) -> bool:
        """Return True when ``facility`` is one of this account's facilities."""
        return facility in self.facilities


def add_user(
    state: AppState,
    name: str,
    role: str,
    password: str,
    facilities: Iterable[str] = (),
) -> Account:
    """Create an account; AccountError when the name is taken or a value is invalid."""
    _check_name(name)
    _check_role(role)
    _check_password(password)
    facs = _facilities(facilities)
    stamp = utc_now()
    with state.transaction() as con:
        if con.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
            raise AccountError(f"用户 {name} 已存在 / user {name!r} already exists")
        con.execute(
            "INSERT INTO users (name, role, facilities, password_hash, active, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?)",
            (name, role, json.dumps(facs), _HASHER.hash(password), stamp, stamp),
        )
    return Account(name, role, tuple(facs))


def update_user(
    state: AppState,
    name: str,
    *,
    role: str | None = None,
    facilities: Iterable[str] | None = None,
    password: str | None = None,
    active: bool | None = None,
) -> Account:
    """Change an account's role, facilities, password or active flag."""
    if get_user(state, name) is None:
        raise AccountError(f"未知用户 {name} / unknown user {name!r}")
    sets, params = ["updated_at = ?"], [utc_now()]
    if role is not None:
        _check_role(role)
        sets.append("role = ?")
        params.append(role)
    if facilities is not None:
        sets.append("facilities = ?")
        params.append(json.dumps(_facilities(facilities)))
    if password is not None:
        _check_password(password)
        sets.append("password_hash = ?")
        params.append(_HASHER.hash(password))
    if active is not None:
        sets.append("active = ?")
        params.append("1" if active else "0")
    with state.transaction() as con:
        con.execute(
            f"UPDATE users SET {', '.join(sets)} WHERE name = ?", (*params, name)
        )
        if active is False or password is not None:  # end the user's sessions
            con.execute("DELETE FROM sessions WHERE user = ?", (name,))
    account = get_user(state, name)
    assert account is not None
    return account


def get_user(state: AppState, name: str) -> Account | None:
    """Return the account called ``name``, or None."""
    with state.connect() as con:
        row = con.execute(
            "SELECT name, role, facilities, active FROM users WHERE name = ?", (name,)
        ).fetchone()
    return _account(row) if row else None


def list_users(state: AppState) -> list[Account]:
    """Return every account, by name."""
    with state.connect() as con:
        rows = con.execute(
            "SELECT name, role, facilities, active FROM users ORDER BY name"
        ).fetchall()
    return [_account(r) for r in rows]


def verify_login(state: AppState, name: str, password: str) -> Account | None:
    """Return the active account when ``password`` is right, else None."""
    with state.connect() as con:
        row = con.execute(
            "SELECT name, role, facilities, active, password_hash FROM users "
            "WHERE name = ?",
            (name,),
        ).fetchone()
    stored = row["password_hash"] if row else _dummy_hash()
    try:
        _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or not row["active"]:
        return None
    if _HASHER.check_needs_rehash(stored):
        with state.connect() as con:
            con.execute(
                "UPDATE users SET password_hash = ? WHERE name = ?",
                (_HASHER.hash(password), name),
            )
    return _account(row)


def _account(row: object) -> Account:
    return Account(
        row["name"],  # type: ignore[index]
        row["role"],  # type: ignore[index]
        tuple(json.loads(row["facilities"])),  # type: ignore[index]
        bool(row["active"]),  # type: ignore[index]
    )


def _check_name(name: str) -> None:
    if not _NAME.match(name):
        raise AccountError(
            f"用户名 {name!r} 无效：仅限字母、数字和 _.@-，最长 64 个字符 / invalid user "
            f"name {name!r}: letters, digits and _.@- only, up to 64 characters"
        )


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AccountError(
            f"未知角色 {role!r}；可用 / unknown role {role!r}; known: {', '.join(ROLES)}"
        )


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(
            f"密码至少 {MIN_PASSWORD} 个字符 / the password needs at least "
            f"{MIN_PASSWORD} characters"
        )


def _facilities(facilities: Iterable[str]) -> list[str]:
    out = sorted({f.strip() for f in facilities if f and f.strip()})
    for f in out:
        if len(f) > 100 or any(ord(c) < 32 for c in f):
            raise AccountError(f"设施编号无效 / invalid facility id {f!r}")
    return out


def check_facilities(store: Store, facilities: Iterable[str]) -> list[str]:
    """Check facility ids against the register (facilities, hpc-systems) in ``store``.

    Raise AccountError naming the unknown ones and the closest known id; return the
    facilities when all are known. With an empty register nothing can be checked, and
    the caller is told so by an empty list of known ids (see ``registered_facilities``).
    """
    wanted = list(facilities)
    known = registered_facilities(store)
    if not known or not wanted:
        return wanted
    unknown = [f for f in wanted if f not in known]
    if unknown:
        raise AccountError(
            "；".join(unknown_name("设施", "facility", f, known) for f in unknown)
        )
    return wanted


def registered_facilities(store: Store) -> set[str]:
    """Return the facility ids of the register and the HPC systems loaded in ``store``."""
    tables = {
        r["table_name"]
        for r in store.query("SELECT table_name FROM information_schema.tables")
    }
    known: set[str] = set()
    if "facilities" in tables:
        known |= {
            r["id"]
            for r in store.query("SELECT DISTINCT facility_id AS id FROM facilities")
        }
    if "hpc_systems" in tables:
        known |= {
            r["id"]
            for r in store.query("SELECT DISTINCT system AS id FROM hpc_systems")
        }
    return {k for k in known if k}


@functools.cache
def _dummy_hash() -> str:
    """Return the hash verified when the account is unknown (made once, on first use).

    A miss then costs as much as a wrong password; hashing it at import would make
    every CLI call pay an argon2 hash (0.25 s, 64 MiB).
    """
    return _HASHER.hash("zhangjiang-no-such-account")
