"""The collection-status page (报送情况) and its JSON twin.

Statisticians see every periodic form and reporter; an operator sees the obligations of
their own facilities and HPC systems (the reporters named in their account). Everyone
else is refused, as on the other staff pages. The page reads the store with a short
read-only connection, as the batch pages do.
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from zhangjiang.collection import STATES, obligation_forms, status, summarize
from zhangjiang.portal.accounts import Account
from zhangjiang.portal.auth import require_role
from zhangjiang.portal.review import can_see_batch, submissions
from zhangjiang.web.calls import Call
from zhangjiang.web.i18n import pick
from zhangjiang.web.portal import html_page, signed_in, to_login
from zhangjiang.web.site import dump_json

__all__ = ["STATUS_ROLES", "router", "status_dict"]

router = APIRouter(include_in_schema=False)

STATUS_ROLES = ("operator", "statistician")
#: Rows the HTML page lists at most (the JSON twin has them all); filters narrow it.
PAGE_ROWS = 500


@router.get("/portal/status")
async def status_page(
    request: Request,
    period: str | None = None,
    form: str | None = None,
    state: str | None = None,
) -> Response:
    """Show the collection status: received, late and missing forms."""
    c, who = await signed_in(request)
    if who.user is None:
        return to_login(c)
    user = require_role(who, *STATUS_ROLES)
    page = await run_in_threadpool(status_dict, c, user, period, form, state)
    shown = {**page, "rows": page["rows"][:PAGE_ROWS]}
    return html_page(c, who, "portal_status.html.j2", shown)


@router.get("/api/v1/portal/status")
async def status_json(
    request: Request,
    period: str | None = None,
    form: str | None = None,
    state: str | None = None,
) -> Response:
    """报送情况 / Collection status: every expected or received form, reporter and period."""
    c, who = await signed_in(request)
    user = require_role(who, *STATUS_ROLES)
    page = await run_in_threadpool(status_dict, c, user, period, form, state)
    return Response(
        dump_json(page),
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


def status_dict(
    c: Call,
    user: Account,
    period: str | None,
    form: str | None,
    state: str | None,
) -> dict[str, Any]:
    """Return the page dict: filters, counts per state, per form and period, and rows."""
    period, form, state = period or None, form or None, state or None
    if state is not None and state not in STATES:
        raise HTTPException(
            400,
            f"状态应为 {'|'.join(STATES)} / state must be one of {', '.join(STATES)}",
        )
    mine = None if user.role == "statistician" else list(user.facilities)
    rows = status(
        c.site.store, period, mine, forms=[form] if form is not None else None
    )
    if state is not None:
        rows = [r for r in rows if r.state == state]
    rows.sort(key=lambda r: r.period, reverse=True)  # newest first, stable otherwise
    query = urlencode(
        {k: v for k, v in (("period", period), ("form", form), ("state", state)) if v}
    )
    return {
        "ok": True,
        "title": pick(c.lang, "报送情况", "Collection status"),
        "api": "/api/v1/portal/status" + (f"?{query}" if query else ""),
        "chosen": period,
        "form": form,
        "state": state,
        "scope": mine,
        "forms": [
            {"name": f.name, "title": pick(c.lang, f.zh, f.en)}
            for f in obligation_forms()
            if mine is None or f.reporter in ("facility", "system")
        ],
        "states": [
            {"id": s, "label": pick(c.lang, zh, en)} for s, (zh, en) in STATES.items()
        ],
        "summary": summarize(rows),
        "overview": _overview(rows, c.lang),
        "count": len(rows),
        "rows": _rows(c, user, rows),
    }


def _overview(rows: list[Any], lang: str) -> list[dict[str, Any]]:
    """Count the rows of each (form, period) by state, newest period first."""
    counts: dict[tuple[str, str], Counter[str]] = {}
    titles: dict[str, str] = {}
    for r in rows:
        counts.setdefault((r.form, r.period), Counter())[r.state] += 1
        titles[r.form] = pick(lang, r.title_zh, r.title_en)
    return [
        {
            "form": form,
            "title": titles[form],
            "period": period,
            **{s: n[s] for s in STATES},
            "href": "/portal/status?"
            + urlencode(
                {"form": form} if "Q" in period else {"period": period, "form": form}
            ),
        }
        for (form, period), n in counts.items()
    ]


def _rows(c: Call, user: Account, rows: list[Any]) -> list[dict[str, Any]]:
    base = c.site.snapshot()
    subs = submissions(c.site.state)

    def visible(batch_id: int) -> bool:
        batch = base.batches.get(batch_id)
        return batch is not None and can_see_batch(user, batch, subs.get(batch_id))

    out = []
    for r in rows:
        zh, en = STATES[r.state]
        item = r.to_dict()
        item.update(
            title=pick(c.lang, r.title_zh, r.title_en),
            state_label=pick(c.lang, zh, en),
            received_label=(
                r.received_at.strftime("%Y-%m-%d %H:%M") if r.received_at else None
            ),
            batches=[
                {"id": b, "href": f"/portal/batches/{b}" if visible(b) else None}
                for b in (*r.batch_ids, *r.pending_batch_ids)
            ],
        )
        out.append(item)
    return out
