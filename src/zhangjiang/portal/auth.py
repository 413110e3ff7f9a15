"""Who is asking: the session cookie, the signed-in account, CSRF and role checks.

Every POST must carry the session's CSRF token, in the form field ``csrf_token`` or the
``X-CSRF-Token`` header. The session cookie is HttpOnly and SameSite=Lax, and Secure when
the request came over TLS (directly, or ``X-Forwarded-Proto: https`` from the proxy) or the
``secure_cookies`` setting is on.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import HTTPException, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from zhangjiang.config import Settings
from zhangjiang.portal.accounts import Account, get_user
from zhangjiang.portal.sessions import Session, check_csrf, find_session
from zhangjiang.portal.state import AppState

__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "Visitor",
    "clear_session_cookie",
    "client_address",
    "require_csrf",
    "require_role",
    "set_session_cookie",
    "visitor",
]

SESSION_COOKIE = "zj_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
_FORBIDDEN = "无权执行此操作 / you may not do this"
_SIGN_IN = "请先登录 / please sign in first"


@dataclass(frozen=True)
class Visitor:
    """The session of a request (if any) and its signed-in account (if any)."""

    session: Session | None = None
    user: Account | None = None

    @property
    def role(self) -> str:
        """Return the account's role, or "anonymous"."""
        return self.user.role if self.user else "anonymous"


async def visitor(request: Request, state_of: AppState | None) -> Visitor:
    """Return who sent ``request``, reading the session store only when a cookie is sent."""
    cached = getattr(request.state, "visitor", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    token = request.cookies.get(SESSION_COOKIE)
    found = Visitor()
    if token and state_of is not None:
        found = await run_in_threadpool(_lookup, state_of, token)
    request.state.visitor = found
    return found


def require_role(who: Visitor, *roles: str) -> Account:
    """Return the account when its role is one of ``roles``; 401 or 403 otherwise."""
    if who.user is None:
        raise HTTPException(401, _SIGN_IN)
    if who.user.role not in roles:
        raise HTTPException(403, _FORBIDDEN)
    return who.user


async def require_csrf(request: Request, who: Visitor) -> None:
    """Refuse (403) a POST that does not echo its session's CSRF token."""
    submitted = request.headers.get(CSRF_HEADER)
    if not submitted:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        submitted = value if isinstance(value, str) else None
    if not check_csrf(who.session, submitted):
        raise HTTPException(
            403,
            "表单已过期或缺少校验码，请刷新页面后重试 / the form's CSRF token is missing or "
            "stale: reload the page and try again",
        )


def client_address(request: Request) -> str:
    """Return the client's address: the peer's, or what a trusted proxy forwarded.

    ``X-Forwarded-For`` is believed only when the peer is one of the ``trusted_proxies``
    settings (default none), so that a visitor cannot pick the address that login
    throttling counts; the address taken is the right-most hop that is not itself a
    trusted proxy.
    """
    peer = request.client.host if request.client else ""
    site = getattr(request.app.state, "site", None)
    trusted = site.settings.proxies if site is not None else frozenset()
    if peer not in trusted:
        return peer
    hops = [
        hop.strip()
        for header in request.headers.getlist("x-forwarded-for")
        for hop in header.split(",")
        if hop.strip()
    ]
    for hop in reversed(hops):
        if hop not in trusted:
            return hop
    return peer


def set_session_cookie(
    response: Response, request: Request, session: Session, settings: Settings
) -> None:
    """Send the session cookie: HttpOnly, SameSite=Lax, Secure over TLS."""
    response.set_cookie(
        SESSION_COOKIE,
        session.token,
        max_age=int(settings.session_hours * 3600),
        httponly=True,
        samesite="lax",
        secure=_is_secure(request, settings),
        path="/",
    )


def clear_session_cookie(
    response: Response, request: Request, settings: Settings
) -> None:
    """Remove the session cookie."""
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=_is_secure(request, settings),
    )


def _is_secure(request: Request, settings: Settings) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip()
    return (
        settings.secure_cookies
        or request.url.scheme == "https"
        or forwarded.lower() == "https"
    )


def _lookup(state: AppState, token: str) -> Visitor:
    session = find_session(state, token)
    if session is None:
        return Visitor()
    user = get_user(state, session.user) if session.user else None
    if user is not None and not user.active:
        user = None
    return Visitor(session, user)
