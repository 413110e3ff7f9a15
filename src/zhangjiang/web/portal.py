"""The submission portal: sign in and out, upload with its validation report, batches, review.

Pages are rendered per visitor and never cached. Every POST checks the role first (no
body is read for a visitor who may not post), then the session's CSRF token. A batch an
operator may not see answers 404, exactly like a batch that does not exist.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from zhangjiang.exports import export_table
from zhangjiang.forms import get_form
from zhangjiang.portal import audit
from zhangjiang.portal.accounts import ROLES, Account, verify_login
from zhangjiang.portal.auth import (
    Visitor,
    clear_session_cookie,
    client_address,
    require_csrf,
    require_role,
    set_session_cookie,
    visitor,
)
from zhangjiang.portal.review import (
    approve_batch,
    can_see_batch,
    reject_batch,
    submissions,
)
from zhangjiang.portal.sessions import (
    end_session,
    failures,
    forget_failures,
    note_failure,
    start_session,
)
from zhangjiang.portal.uploads import submit_upload, uploadable_forms
from zhangjiang.snapshot import write_snapshot
from zhangjiang.web.calls import Call, attachment, begin, original_file
from zhangjiang.web.figures import batch_row
from zhangjiang.web.i18n import label, pick
from zhangjiang.web.portal_choices import operator_forms
from zhangjiang.web.portal_review import review_preview, row_headers
from zhangjiang.web.site import dump_json

__all__ = ["html_page", "router", "signed_in"]

router = APIRouter(include_in_schema=False)

UPLOAD_ROLES = ("operator", "statistician")
_ROW_PREVIEW = 200
_FORM_OVERHEAD = 1024 * 1024  # multipart boundaries and the small fields
_PRE_LOGIN_HOURS = 1.0


async def signed_in(request: Request) -> tuple[Call, Visitor]:
    """Return the request's call and its visitor (reading the session store)."""
    c = await begin(request)
    return c, await visitor(request, c.site.state)


def html_page(
    c: Call, who: Visitor, template: str, page: dict[str, Any], status: int = 200
) -> Response:
    """Render a portal page for this visitor (never cached)."""
    page = {
        "api": None,
        **page,
        "user": _user(who.user, c.lang),
        "csrf": who.session.csrf if who.session else "",
    }
    body = c.site.render(c.snap, page, template, c.path, c.lang)
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


def to_login(c: Call) -> Response:
    """Send an anonymous visitor to the login page, to come back here afterwards."""
    return RedirectResponse(f"/login?next={quote(c.path)}", status_code=303)


@router.get("/login")
async def login_page(request: Request, next: str = "/portal") -> Response:
    """Show the login form."""
    c, who = await signed_in(request)
    fresh = None
    if who.session is None:
        fresh = await run_in_threadpool(
            start_session, c.site.state, None, _PRE_LOGIN_HOURS
        )
        who = Visitor(fresh, None)
    response = html_page(c, who, "login.html.j2", _login_dict(c, _safe_next(next)))
    if fresh is not None:
        set_session_cookie(response, request, fresh, c.site.settings)
    return response


@router.post("/login")
async def login(request: Request) -> Response:
    """Sign in: CSRF, throttling (429), argon2 password check, a new session."""
    c, who = await signed_in(request)
    await require_csrf(request, who)
    form = await request.form()
    name = str(form.get("username") or "").strip()[:64]
    password = str(form.get("password") or "")
    goto = _safe_next(str(form.get("next") or "/portal"))
    state, settings, address = c.site.state, c.site.settings, client_address(request)
    page = _login_dict(c, goto, name)
    tried = await run_in_threadpool(
        failures, state, name, address, settings.login_window_minutes
    )
    if tried >= settings.login_attempts:
        await run_in_threadpool(
            audit.record, state, name, "login-throttled", name, {}, address
        )
        minutes = f"{settings.login_window_minutes:g}"
        page["message"] = pick(
            c.lang,
            f"登录失败次数过多，请 {minutes} 分钟后再试",
            f"Too many failed sign-ins: try again in {minutes} minutes",
        )
        page["message_other"] = _other(
            c.lang,
            f"登录失败次数过多，请 {minutes} 分钟后再试",
            f"Too many failed sign-ins: try again in {minutes} minutes",
        )
        return html_page(c, who, "login.html.j2", page, status=429)
    account = await run_in_threadpool(verify_login, state, name, password)
    if account is None:
        await run_in_threadpool(note_failure, state, name, address)
        await run_in_threadpool(
            audit.record, state, name, "login-failed", name, {}, address
        )
        page["message"] = pick(
            c.lang, "用户名或密码错误", "Wrong user name or password"
        )
        page["message_other"] = _other(
            c.lang, "用户名或密码错误", "Wrong user name or password"
        )
        return html_page(c, who, "login.html.j2", page, status=401)
    await run_in_threadpool(forget_failures, state, name, address)
    if who.session is not None:  # a new session id at sign-in: no fixation
        await run_in_threadpool(end_session, state, who.session.token)
    session = await run_in_threadpool(
        start_session, state, account.name, settings.session_hours
    )
    await run_in_threadpool(
        audit.record, state, account.name, "login", account.name, {}, address
    )
    response = RedirectResponse(goto, status_code=303)
    set_session_cookie(response, request, session, settings)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    """Sign out."""
    c, who = await signed_in(request)
    await require_csrf(request, who)
    if who.session is not None:
        await run_in_threadpool(end_session, c.site.state, who.session.token)
    if who.user is not None:
        await run_in_threadpool(
            audit.record,
            c.site.state,
            who.user.name,
            "logout",
            who.user.name,
            {},
            client_address(request),
        )
    response = RedirectResponse("/", status_code=303)
    clear_session_cookie(response, request, c.site.settings)
    return response


@router.get("/portal")
async def portal_home(request: Request) -> Response:
    """Show the portal: upload form, templates, the batches this visitor may see."""
    c, who = await signed_in(request)
    if who.user is None:
        return to_login(c)
    user = require_role(who, "operator", "statistician", "admin")
    page = await run_in_threadpool(_home_dict, c, user)
    return html_page(c, who, "portal.html.j2", page)


@router.post("/portal/upload")
async def upload(request: Request) -> Response:
    """Validate an uploaded file; show its report; load it as a pending batch if valid."""
    c, who = await signed_in(request)
    user = require_role(who, *UPLOAD_ROLES)
    settings = c.site.settings
    length = request.headers.get("content-length")
    if length is None:
        raise HTTPException(411, "需要 Content-Length / Content-Length required")
    if int(length) > settings.max_file_mb * 1024 * 1024 + _FORM_OVERHEAD:
        raise HTTPException(
            413,
            f"文件超过上限 {settings.max_file_mb:g} MB / the file is above the limit "
            f"of {settings.max_file_mb:g} MB",
        )
    await require_csrf(request, who)
    form = await request.form(max_files=1, max_fields=20)
    file = form.get("file")
    dataset = str(form.get("dataset") or "")
    if not isinstance(file, UploadFile):
        raise HTTPException(400, "请选择要上传的文件 / choose a file to upload")
    submitted = await run_in_threadpool(
        submit_upload,
        c.site.store,
        c.site.state,
        settings,
        user,
        dataset,
        file.file,
        file.filename,
        file.content_type or "",
        period=str(form.get("period") or "") or None,
        submitted_for=str(form.get("facility") or ""),
        note=str(form.get("note") or "")[:500],
    )
    result = submitted.to_dict()
    await run_in_threadpool(
        audit.record,
        c.site.state,
        user.name,
        "upload" if submitted.outcome != "rejected" else "upload-rejected",
        f"batch {submitted.batch_id}" if submitted.batch_id else dataset,
        {
            "dataset": dataset,
            "file": submitted.file,
            "outcome": submitted.outcome,
            "rows": submitted.rows,
            "errors": sum(p.is_error for p in submitted.problems),
        },
        client_address(request),
    )
    if submitted.outcome == "pending":
        await run_in_threadpool(write_snapshot, c.site.store)
        c = await begin(request)
    page = await run_in_threadpool(_home_dict, c, user)
    page["result"] = _result(result, c.lang)
    page["chosen"] = dataset
    status = 422 if submitted.outcome == "rejected" else 200
    return html_page(c, who, "portal.html.j2", page, status=status)


@router.get("/portal/batches/{batch_id}")
async def batch_page(request: Request, batch_id: int) -> Response:
    """Show a batch: its record, submission and stored rows."""
    c, who = await signed_in(request)
    if who.user is None:
        return to_login(c)
    user = require_role(who, *UPLOAD_ROLES)
    # ?column=value keeps the rows that make one value (linked from indicator lineage).
    wanted = {k: v for k, v in request.query_params.items() if k != "lang"}
    page = await run_in_threadpool(_batch_dict, c, user, batch_id, wanted)
    return html_page(c, who, "portal_batch.html.j2", page)


@router.get("/api/v1/portal/batches")
async def batches_json(request: Request) -> Response:
    """批次 / The batches this visitor may see in the portal, pending ones included."""
    c, who = await signed_in(request)
    user = require_role(who, *UPLOAD_ROLES)
    rows = (await run_in_threadpool(_home_dict, c, user))["batches"]
    return _json({"ok": True, "count": len(rows), "batches": rows})


@router.get("/api/v1/portal/batches/{batch_id}")
async def batch_json(request: Request, batch_id: int) -> Response:
    """批次 / One batch with its stored rows, if this visitor may see it."""
    c, who = await signed_in(request)
    user = require_role(who, *UPLOAD_ROLES)
    return _json(await run_in_threadpool(_batch_dict, c, user, batch_id))


@router.get("/portal/batches/{batch_id}/file")
async def batch_original(request: Request, batch_id: int) -> Response:
    """Download a batch's original file."""
    c, who = await signed_in(request)
    user = require_role(who, *UPLOAD_ROLES)
    batch, _ = await run_in_threadpool(_visible_batch, c, user, batch_id)
    response = original_file(c.site.store, batch["sha256"], batch["file"])
    if response is None:
        raise HTTPException(404, f"批次 {batch_id} 的原始文件不在存档中 / not archived")
    return response


@router.get("/portal/batches/{batch_id}/rows.{fmt}")
async def batch_rows(request: Request, batch_id: int, fmt: str) -> Response:
    """Download a batch's stored rows as CSV or XLSX (formula-like text neutralised)."""
    if fmt not in ("csv", "xlsx"):
        raise HTTPException(404, f"未知格式 {fmt} / unknown format; known: csv, xlsx")
    c, who = await signed_in(request)
    user = require_role(who, *UPLOAD_ROLES)
    batch, _ = await run_in_threadpool(_visible_batch, c, user, batch_id)
    header, rows = await run_in_threadpool(_stored_rows, c, batch, None)
    body = await run_in_threadpool(export_table, header, rows, fmt)
    media = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return attachment(body, f"batch-{batch_id}-{batch['dataset']}.{fmt}", media)


@router.post("/portal/batches/{batch_id}/approve")
@router.post("/api/v1/portal/batches/{batch_id}/approve")
async def approve(request: Request, batch_id: int) -> Response:
    """Approve a pending batch: it is loaded and supersedes the older one."""
    return await _review(request, batch_id, "approve")


@router.post("/portal/batches/{batch_id}/reject")
@router.post("/api/v1/portal/batches/{batch_id}/reject")
async def reject(request: Request, batch_id: int) -> Response:
    """Reject a pending batch: its rows are never shown."""
    return await _review(request, batch_id, "reject")


async def _review(request: Request, batch_id: int, action: str) -> Response:
    c, who = await signed_in(request)
    user = require_role(who, "statistician")
    await require_csrf(request, who)
    await run_in_threadpool(_visible_batch, c, user, batch_id)
    if action == "approve":
        outcome = await run_in_threadpool(approve_batch, c.site.store, batch_id)
    else:
        form = await request.form()
        reason = str(form.get("reason") or "").strip()[:500] or "—"
        outcome = await run_in_threadpool(reject_batch, c.site.store, batch_id, reason)
    await run_in_threadpool(write_snapshot, c.site.store)
    await run_in_threadpool(
        audit.record,
        c.site.state,
        user.name,
        action,
        f"batch {batch_id}",
        outcome,
        client_address(request),
    )
    if request.url.path.startswith("/api/"):
        return _json({"ok": True, **outcome})
    return RedirectResponse(f"/portal/batches/{batch_id}", status_code=303)


def _home_dict(c: Call, user: Account) -> dict[str, Any]:
    base = c.site.snapshot()
    subs = submissions(c.site.state)
    visible = [
        {
            **batch_row(base, b, c.lang, False),
            "href": f"/portal/batches/{b['id']}",
            "submitted_for": (subs.get(b["id"]) or {}).get("submitted_for"),
        }
        for b in base.data["batches"]
        if can_see_batch(user, b, subs.get(b["id"]))
    ]
    visible.sort(key=lambda b: (b["status"] != "pending", -b["id"]))
    forms = [
        {
            "name": name,
            "title": pick(c.lang, form.zh, form.en),
            "template": f"/forms/{quote(name)}/template.xlsx",
            "scope_column": form.scope_column,
            "connector": form.connector,
        }
        for name in (
            operator_forms(base, user.facilities, uploadable_forms())
            if user.role == "operator"
            else uploadable_forms()
        )
        for form in [get_form(name)]
    ]
    return {
        "title": pick(c.lang, "数据报送门户", "Submission portal"),
        "forms": forms if user.role in UPLOAD_ROLES else [],
        "batches": visible if user.role in UPLOAD_ROLES else [],
        "periods": list(reversed(base.periods)),
        "result": None,
        "chosen": None,
    }


def _visible_batch(
    c: Call, user: Account, batch_id: int
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    batch = c.site.snapshot().batches.get(batch_id)
    sub = submissions(c.site.state).get(batch_id)
    if batch is None or not can_see_batch(user, batch, sub):
        # The same answer for a batch that exists elsewhere: ids reveal nothing.
        raise HTTPException(404, f"未知批次 {batch_id} / unknown batch {batch_id}")
    return batch, sub


def _batch_dict(
    c: Call, user: Account, batch_id: int, wanted: dict[str, str] | None = None
) -> dict[str, Any]:
    batch, sub = _visible_batch(c, user, batch_id)
    form = get_form(batch["dataset"])
    names = {col.name for col in form.columns}
    filters = {k: v for k, v in (wanted or {}).items() if k in names}
    header, rows = _stored_rows(c, batch, _ROW_PREVIEW, filters)
    can_review = user.role == "statistician" and batch["status"] == "pending"
    return {
        "ok": True,
        "title": pick(c.lang, f"批次 #{batch_id}", f"Batch #{batch_id}"),
        "batch": {
            **batch_row(c.site.snapshot(), batch, c.lang, False),
            "note": batch["note"],
            "download": f"/portal/batches/{batch_id}/file",
            "rows_csv": f"/portal/batches/{batch_id}/rows.csv",
            "rows_xlsx": f"/portal/batches/{batch_id}/rows.xlsx",
        },
        "submission": sub,
        "columns": header,
        "headers": row_headers(batch["dataset"], c.lang),
        "rows": [
            [
                cell if i == 0 else _word(form, header[i], cell, c.lang)
                for i, cell in enumerate(r)
            ]
            for r in rows
        ],
        "filters": [
            {"label": pick(c.lang, form.column(k).zh, form.column(k).en), "value": v}
            for k, v in filters.items()
        ],
        "more_rows": 0 if filters else max(0, batch["rows"] - len(rows)),
        "can_review": can_review,
        # What approving would change, computed in a transaction that is rolled back.
        "preview": review_preview(c.site.snapshot(), c.site.store, batch_id, c.lang)
        if can_review
        else None,
    }


def _stored_rows(
    c: Call,
    batch: dict[str, Any],
    limit: int | None,
    filters: dict[str, str] | None = None,
) -> tuple[list[str], list[list[Any]]]:
    form = get_form(batch["dataset"])
    names = [col.name for col in form.columns]
    columns = ", ".join(f'"{n}"' for n in names)
    # Filter columns are declared names (checked by the caller), values are parameters.
    where = "".join(f' AND CAST("{k}" AS VARCHAR) = ?' for k in filters or {})
    sql = (
        f"SELECT _row, {columns} FROM {form.table} WHERE _batch_id = ?{where} "
        "ORDER BY _row" + (f" LIMIT {int(limit)}" if limit else "")
    )
    rows = c.site.store.query(sql, [batch["id"], *(filters or {}).values()])
    return ["_row", *names], [[r[n] for n in ["_row", *names]] for r in rows]


def _word(form: Any, name: str, value: Any, lang: str) -> Any:
    # An allowed value as the form writes it in the page's language.
    return form.column(name).translate(value, lang) if isinstance(value, str) else value


def _result(result: dict[str, Any], lang: str) -> dict[str, Any]:
    return {
        **result,
        "message": pick(lang, result["message_zh"], result["message_en"]),
        "problems": [
            {
                **p,
                "rule": pick(lang, p["rule_zh"], p["rule_en"]),
                "message": pick(lang, p["message_zh"], p["message_en"]),
            }
            for p in result["problems"]
        ],
    }


def _login_dict(c: Call, goto: str, name: str = "") -> dict[str, Any]:
    return {
        "title": pick(c.lang, "登录", "Sign in"),
        "next": goto,
        "username": name,
        "message": None,
        "message_other": None,
    }


def _user(user: Account | None, lang: str) -> dict[str, Any] | None:
    if user is None:
        return None
    return {
        "name": user.name,
        "role": user.role,
        "role_label": label(ROLES, user.role, lang),
        "facilities": list(user.facilities),
    }


def _safe_next(goto: str) -> str:
    # Only a path on this site: "//evil.example" or "https://..." would leave it.
    if not goto.startswith("/") or goto.startswith("//") or "\\" in goto:
        return "/portal"
    return goto


def _other(lang: str, zh: str, en: str) -> str:
    return zh if lang == "en" else en


def _json(data: dict[str, Any]) -> Response:
    return Response(
        dump_json(data),
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )
