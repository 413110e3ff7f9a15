"""The audit log: who did what, when, from where. Append-only.

This module offers ``record`` and ``read`` and nothing else; the table's triggers refuse
UPDATE and DELETE, so not even a direct SQL statement can rewrite history.
"""

from __future__ import annotations

import json
from typing import Any

from zhangjiang.portal.state import AppState, utc_now

__all__ = ["AUDIT_ACTIONS", "read", "record"]

#: Every action the log records, with its zh/en label.
AUDIT_ACTIONS: dict[str, tuple[str, str]] = {
    "login": ("登录成功", "signed in"),
    "login-failed": ("登录失败", "sign-in failed"),
    "login-throttled": ("登录被限流", "sign-in throttled"),
    "logout": ("退出登录", "signed out"),
    "upload": ("上传文件", "uploaded a file"),
    "upload-rejected": ("上传被校验拒绝", "upload failed validation"),
    "approve": ("批准批次", "approved a batch"),
    "reject": ("驳回批次", "rejected a batch"),
    "compute": ("计算指标", "computed indicators"),
    "release": ("发布数据", "released figures"),
    "quality-explain": ("填写审核说明", "explained a data-quality warning"),
    "user-add": ("新增用户", "added a user"),
    "user-change": ("修改用户", "changed a user"),
}


def record(
    state: AppState,
    actor: str,
    action: str,
    target: str = "",
    detail: dict[str, Any] | None = None,
    address: str = "",
) -> None:
    """Append one entry to the audit log."""
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"undeclared audit action {action!r}")
    with state.connect() as con:
        con.execute(
            "INSERT INTO audit (at, actor, action, target, detail, address) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                utc_now(),
                actor,
                action,
                target,
                json.dumps(detail or {}, ensure_ascii=False, default=str),
                address,
            ),
        )


def read(state: AppState, limit: int = 500) -> list[dict[str, Any]]:
    """Return the newest ``limit`` entries, newest first."""
    with state.connect() as con:
        rows = con.execute(
            "SELECT id, at, actor, action, target, detail, address FROM audit "
            "ORDER BY id DESC LIMIT ?",
            (limit,),
        ).fetchall()
    return [{**dict(r), "detail": json.loads(r["detail"])} for r in rows]
