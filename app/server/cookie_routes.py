"""Our own same-origin HTTP routes beside Streamlit's: the only writers of the session cookie.

Streamlit's script cannot send HTTP headers (it talks to the browser over a websocket), so a
cookie it wants must be set by page script, which cannot set HttpOnly. When the dashboard is
served by `app.server` (st.App), the page instead loads `/_dashboard/cookie/set?ticket=...`
(see `app.auth.cookie_tickets`) and this answer sets `HttpOnly; SameSite=Strict` itself.

Tickets are bound to a browser by a second HttpOnly cookie, set by `BrowserBindingMiddleware`
on every HTML page that arrives without one; the websocket upgrade carries it to the script.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from streamlit import config as streamlit_config

from app.auth import cookie_tickets
from app.auth.sessions import validate_session
from app.auth.tokens import plausible
from app.utils.config import get_settings

logger = logging.getLogger(__name__)

PREFIX = "/_dashboard/cookie"
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
_state = {"mounted": False}


@contextmanager
def mounted() -> Iterator[None]:
    """Mark the routes live in this process (the st.App lifespan holds this open)."""
    _state["mounted"] = True
    try:
        yield
    finally:
        _state["mounted"] = False


def is_mounted() -> bool:
    """True while `app.server` serves this process; False under bare `streamlit run`."""
    return _state["mounted"]


def binding_cookie_name() -> str:
    return f"{get_settings().session_cookie_name}_bind"


def _base() -> str:
    base = str(streamlit_config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def route_path(action: str) -> str:
    """`/[baseUrlPath/]_dashboard/cookie/<action>`."""
    return f"{_base()}{PREFIX}/{action}"


def ticket_url(action: str, ticket: str) -> str:
    return f"{route_path(action)}?{urlencode({'ticket': ticket})}"


def _secure(request: Request, redeemed: cookie_tickets.Redeemed) -> bool:
    """HTTPS as the page saw it when the ticket was issued, or as this request arrived
    (uvicorn applies X-Forwarded-Proto only from FORWARDED_ALLOW_IPS, default 127.0.0.1)."""
    return redeemed.secure or request.url.scheme == "https"


def _redeem(request: Request, purpose: cookie_tickets.Purpose) -> cookie_tickets.Redeemed | None:
    redeemed = cookie_tickets.redeem(
        request.query_params.get("ticket"),
        purpose=purpose,
        binding=request.cookies.get(binding_cookie_name()),
    )
    if redeemed is None:
        logger.info("%s ticket refused: unknown, used, expired or another browser's", purpose)
    return redeemed


def set_session_cookie(request: Request) -> Response:
    """Trade a "set" ticket for the HttpOnly session cookie; anything else sets nothing."""
    redeemed = _redeem(request, "set")
    token = redeemed.token if redeemed else None
    identity = validate_session(token) if token else None
    if redeemed is None or token is None or identity is None:  # e.g. logged out meanwhile
        return Response(status_code=403, headers=NO_STORE)
    settings = get_settings()
    response = Response(status_code=204, headers=NO_STORE)
    response.set_cookie(
        settings.session_cookie_name,
        token,
        max_age=int(timedelta(days=settings.session_max_days).total_seconds()),
        path="/",
        secure=_secure(request, redeemed),
        httponly=True,
        samesite="strict",
    )
    logger.info("session cookie set for account %s", identity.account_id)
    return response


def clear_session_cookie(request: Request) -> Response:
    """Trade a "clear" ticket for an expired session cookie (the session is revoked first)."""
    redeemed = _redeem(request, "clear")
    if redeemed is None:
        return Response(status_code=403, headers=NO_STORE)
    response = Response(status_code=204, headers=NO_STORE)
    response.delete_cookie(
        get_settings().session_cookie_name,
        path="/",
        secure=_secure(request, redeemed),
        httponly=True,
        samesite="strict",
    )
    return response


def routes() -> list[Route]:
    return [
        Route(route_path("set"), set_session_cookie, methods=["GET"]),
        Route(route_path("clear"), clear_session_cookie, methods=["GET"]),
    ]


class BrowserBindingMiddleware:
    """Give every browser that loads a page an HttpOnly binding cookie, if it has none (or a
    value no ticket could be bound to).

    Only HTML answers carry it (one per page load, not one per asset fetched in parallel).
    `SameSite=Lax` so that arriving from another site (the SSO round trip) keeps it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        name = binding_cookie_name()
        if scope["type"] != "http" or plausible(HTTPConnection(scope).cookies.get(name)):
            await self.app(scope, receive, send)
            return
        secure = scope.get("scheme") == "https"

        async def send_with_binding(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if headers.get("content-type", "").startswith("text/html"):
                    headers.append("set-cookie", _binding_header(name, secure))
            await send(message)

        await self.app(scope, receive, send_with_binding)


def _binding_header(name: str, secure: bool) -> str:
    cookie: SimpleCookie = SimpleCookie()
    cookie[name] = secrets.token_urlsafe(32)
    morsel = cookie[name]
    morsel["path"] = "/"
    morsel["httponly"] = True
    morsel["samesite"] = "Lax"
    morsel["secure"] = secure
    return morsel.OutputString()
