"""Portal pages for statisticians (compute, data review, release) and admins (users,
audit log), and the public list of releases with their change notes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from zhangjiang.errors import StoreBusyError
from zhangjiang.indicators import compute
from zhangjiang.periods import parse_period
from zhangjiang.portal import audit
from zhangjiang.portal.accounts import ROLES, add_user, list_users, update_user
from zhangjiang.portal.auth import client_address, require_csrf, require_role
from zhangjiang.portal.releases import release_period
from zhangjiang.quality import RULES, QualityError, UnknownWarningError, explain, review
from zhangjiang.snapshot import Snapshot, write_snapshot
from zhangjiang.web.calls import begin
from zhangjiang.web.figures import dimension_label
from zhangjiang.web.i18n import label, pick
from zhangjiang.web.portal import html_page, signed_in, to_login
from zhangjiang.web.portal_choices import facility_choices
from zhangjiang.web.site import dump_json

__all__ = ["quality_dict", "releases_list", "router"]

router = APIRouter(include_in_schema=False)


@router.get("/releases")
async def releases_page(request: Request) -> Response:
    """Show every release with its change note."""
    c, who = await signed_in(request)
    return html_page(
        c, who, "releases.html.j2", releases_list(c.snap, c.lang), status=200
    )


@router.get("/api/v1/releases")
async def releases_json(request: Request) -> Response:
    """发布记录 / Every release with its change note, newest first."""
    c = await begin(request)
    return Response(
        dump_json(releases_list(c.snap, c.lang)), media_type="application/json"
    )


@router.post("/portal/compute")
async def compute_period(request: Request) -> Response:
    """Compute the indicators of a period (working values)."""
    c, who = await signed_in(request)
    user = require_role(who, "statistician")
    await require_csrf(request, who)
    form = await request.form()
    period = parse_period(str(form.get("period") or "")).label
    values = await run_in_threadpool(compute, c.site.store, period)
    await run_in_threadpool(write_snapshot, c.site.store)
    await run_in_threadpool(
        audit.record,
        c.site.state,
        user.name,
        "compute",
        f"period {period}",
        {"values": len(values)},
        client_address(request),
    )
    return RedirectResponse(f"/portal/releases?period={period}", status_code=303)


@router.get("/portal/releases")
async def releases_staff(request: Request, period: str | None = None) -> Response:
    """Show the releases and the forms to compute and release a period."""
    c, who = await signed_in(request)
    if who.user is None:
        return to_login(c)
    require_role(who, "statistician")
    chosen = period or c.snap.latest_period
    page = {
        **releases_list(c.snap, c.lang),
        "title": pick(c.lang, "计算与发布", "Compute and release"),
        "chosen": chosen,
        "periods": list(reversed(c.snap.periods)),
        "quality": await run_in_threadpool(quality_dict, c.site.store, chosen, c.lang),
    }
    return html_page(c, who, "portal_releases.html.j2", page)


@router.get("/api/v1/portal/quality")
async def quality_json(request: Request, period: str | None = None) -> Response:
    """数据审核警告 / The data-quality warnings of a period (statisticians only)."""
    c, who = await signed_in(request)
    require_role(who, "statistician")
    chosen = parse_period(period).label if period else None
    found = await run_in_threadpool(review, c.site.store, chosen)
    return Response(
        dump_json(
            {
                "ok": True,
                "period": chosen,
                "count": len(found),
                "warnings": [w.to_dict() for w in found],
            }
        ),
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


@router.post("/portal/quality/explain")
async def explain_warning(request: Request) -> Response:
    """Record the explanation (审核说明) of a data-quality warning."""
    c, who = await signed_in(request)
    user = require_role(who, "statistician")
    await require_csrf(request, who)
    form = await request.form()
    warning_id = str(form.get("warning_id") or "").strip()
    text = str(form.get("text") or "").strip()[:2000]
    try:
        warning = await run_in_threadpool(
            explain, c.site.store, warning_id, text, user.name
        )
    except UnknownWarningError as exc:
        raise HTTPException(404, str(exc)) from None
    except QualityError as exc:
        raise HTTPException(400, str(exc)) from None
    await run_in_threadpool(
        audit.record,
        c.site.state,
        user.name,
        "quality-explain",
        warning.id,
        {
            "text": text,
            "rule": warning.rule,
            "indicator": warning.indicator,
            "form": warning.form,
            "dimensions": warning.dimensions,
            "period": warning.period,
        },
        client_address(request),
    )
    back = str(form.get("period") or "")
    query = f"?period={parse_period(back).label}" if back else ""
    return RedirectResponse(f"/portal/releases{query}#quality", status_code=303)


@router.post("/portal/releases")
async def release(request: Request) -> Response:
    """Release a period's working values as its next version."""
    c, who = await signed_in(request)
    user = require_role(who, "statistician")
    await require_csrf(request, who)
    form = await request.form()
    period = parse_period(str(form.get("period") or "")).label
    note = str(form.get("note") or "").strip()[:2000]
    made = await run_in_threadpool(
        release_period, c.site.store, period, user.name, note
    )
    await run_in_threadpool(write_snapshot, c.site.store)
    await run_in_threadpool(
        audit.record,
        c.site.state,
        user.name,
        "release",
        f"period {period} v{made['version']}",
        {
            "version": made["version"],
            "values": made["values"],
            "changes": len(made["changes"]),
        },
        client_address(request),
    )
    return RedirectResponse(f"/releases#release-{made['id']}", status_code=303)


@router.get("/portal/users")
async def users_page(request: Request) -> Response:
    """Show the accounts and the form to add or change one."""
    c, who = await signed_in(request)
    if who.user is None:
        return to_login(c)
    require_role(who, "admin")
    return html_page(c, who, "portal_users.html.j2", await _users_dict(c))


@router.post("/portal/users")
async def save_user(request: Request) -> Response:
    """Add an account, or change its role, facilities, password or active flag."""
    c, who = await signed_in(request)
    admin = require_role(who, "admin")
    await require_csrf(request, who)
    form = await request.form()
    name = str(form.get("name") or "").strip()
    role = str(form.get("role") or "") or None
    # Picked from the register (several boxes) or typed, comma-separated.
    facilities = [
        f.strip()
        for raw in form.getlist("facilities")
        for f in str(raw).split(",")
        if f.strip()
    ]
    password = str(form.get("password") or "") or None
    state = c.site.state
    if form.get("action") == "add":
        if password is None or role is None:
            raise HTTPException(
                400, "新用户需要角色和密码 / a new user needs a role and a password"
            )
        account = await run_in_threadpool(
            add_user, state, name, role, password, facilities
        )
        action = "user-add"
    else:
        active = {"1": True, "0": False}.get(str(form.get("active") or ""))
        account = await run_in_threadpool(
            lambda: update_user(
                state,
                name,
                role=role,
                facilities=facilities if form.get("facilities") is not None else None,
                password=password,
                active=active,
            )
        )
        action = "user-change"
    detail = {
        "role": account.role,
        "facilities": list(account.facilities),
        "active": account.active,
        "password_changed": password is not None,
    }
    await run_in_threadpool(
        audit.record, state, admin.name, action, name, detail, client_address(request)
    )
    return RedirectResponse("/portal/users", status_code=303)


@router.get("/portal/audit")
async def audit_page(request: Request) -> Response:
    """Show the audit log, newest first."""
    c, who = await signed_in(request)
    if who.user is None:
        return to_login(c)
    require_role(who, "admin")
    entries = await run_in_threadpool(audit.read, c.site.state)
    page = {
        "title": pick(c.lang, "审计日志", "Audit log"),
        "api": "/api/v1/portal/audit",
        "entries": [
            {
                **e,
                "action_label": label(audit.AUDIT_ACTIONS, e["action"], c.lang),
                "detail_items": detail_items(e["detail"], c.lang),
            }
            for e in entries
        ],
    }
    return html_page(c, who, "portal_audit.html.j2", page)


def detail_items(detail: Any, lang: str) -> list[dict[str, str]]:
    """Return an audit entry's detail as labelled lines of plain text (not escaped JSON)."""
    if not isinstance(detail, dict):
        return [{"label": "", "text": _plain(detail, lang)}]
    return [
        {"label": label(_DETAIL_LABELS, key, lang), "text": _plain(value, lang)}
        for key, value in detail.items()
    ]


#: Labels of the audit details' keys; others show as recorded.
_DETAIL_LABELS: dict[str, tuple[str, str]] = {
    "dataset": ("报表", "form"),
    "file": ("文件", "file"),
    "outcome": ("结果", "outcome"),
    "rows": ("行数", "rows"),
    "errors": ("错误数", "errors"),
    "status": ("状态", "status"),
    "superseded": ("被替代的批次", "superseded batches"),
    "plan": ("报送单元", "cells"),
    "period": ("报告期", "period"),
    "role": ("角色", "role"),
    "facilities": ("设施", "facilities"),
    "repeated_runs": ("重复作业", "repeated jobs"),
    "added": ("新增", "added"),
    "replaced": ("替换", "replaced"),
    "unchanged": ("未变", "unchanged"),
    "id": ("编号", "id"),
}


def _plain(value: Any, lang: str) -> str:
    if isinstance(value, dict):
        return pick(lang, "；", "; ").join(
            f"{label(_DETAIL_LABELS, k, lang)} "
            f"{len(v) if isinstance(v, list) and v and isinstance(v[0], dict) else _plain(v, lang)}"
            for k, v in value.items()
        )
    if isinstance(value, list):
        return pick(lang, "、", ", ").join(_plain(v, lang) for v in value) or "—"
    return "—" if value is None else str(value)


@router.get("/api/v1/portal/audit")
async def audit_json(request: Request) -> Response:
    """审计日志 / The audit log, newest first (admins only)."""
    c, who = await signed_in(request)
    require_role(who, "admin")
    entries = await run_in_threadpool(audit.read, c.site.state)
    return Response(
        dump_json({"ok": True, "count": len(entries), "entries": entries}),
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


def quality_dict(store: Any, period: str | None, lang: str) -> dict[str, Any]:
    """Return the data-quality warnings of ``period`` as the release page shows them."""
    if not period:
        return {"period": None, "warnings": [], "open": 0, "busy": False}
    try:
        found = review(store, period)
    except StoreBusyError:  # another process writes the store: say so, do not fail
        return {"period": period, "warnings": [], "open": 0, "busy": True}
    warnings = [
        {
            **w.to_dict(),
            "rule_title": pick(lang, RULES[w.rule].title_zh, RULES[w.rule].title_en),
            "message": pick(lang, w.message_zh, w.message_en),
        }
        for w in found
    ]
    unexplained = sum(1 for w in found if w.blocking and w.explanation is None)
    return {"period": period, "warnings": warnings, "open": unexplained, "busy": False}


def releases_list(snap: Snapshot, lang: str) -> dict[str, Any]:
    """Return every release with its change note, newest first (never the values)."""
    out = []
    for r in snap.releases:
        out.append(
            {
                "id": r["id"],
                "period": r["period"],
                "version": r["version"],
                "released_at": str(r["released_at"])[:19].replace("T", " "),
                "released_by": r["released_by"],
                "note": r["note"],
                "latest": r["latest"],
                "amendment": r["version"] > 1,
                "changes": [_change(snap, ch, lang) for ch in r["changes"]],
            }
        )
    return {
        "ok": True,
        "title": pick(lang, "数据发布记录", "Releases"),
        "api": "/api/v1/releases",
        "releases": out,
    }


def _change(snap: Snapshot, change: dict[str, Any], lang: str) -> dict[str, Any]:
    ind = snap.indicators.get(change["indicator_id"])
    dims = change["dimensions"]
    return {
        **change,
        "title": pick(lang, change["title_zh"], change["title_en"]),
        "label": dimension_label(snap, ind, dims, lang) if ind else str(dims),
        "kind_label": label(_CHANGE_KINDS, change["kind"], lang),
    }


_CHANGE_KINDS = {
    "changed": ("修订", "revised"),
    "added": ("新增", "added"),
    "removed": ("删除", "withdrawn"),
}


async def _users_dict(c: Any) -> dict[str, Any]:
    users = await run_in_threadpool(list_users, c.site.state)
    return {
        "title": pick(c.lang, "用户管理", "Users"),
        "facility_choices": facility_choices(c.site.snapshot(), c.lang),
        "roles": [{"name": r, "label": label(ROLES, r, c.lang)} for r in ROLES],
        "users": [
            {
                "name": u.name,
                "role": u.role,
                "role_label": label(ROLES, u.role, c.lang),
                "facilities": ", ".join(u.facilities),
                "active": u.active,
            }
            for u in users
        ],
    }
