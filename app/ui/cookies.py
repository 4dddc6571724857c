"""The login cookie: read server-side from the page request; set and cleared over HTTP.

It holds only the opaque session token. Reading uses `st.context.cookies` (the websocket
upgrade carries every cookie, HttpOnly ones included, on the first run of a page load, so deep
links survive a reload without a login flash).

Changing it: a script run cannot send HTTP headers. Served by `app.server` (`python -m app
serve`), the page gets an invisible `<img>` pointing at our own route with a one-time ticket,
and the route's answer sets or expires an HttpOnly, SameSite=Strict cookie: the token never
reaches the page or the websocket. Under bare `streamlit run` there is no route, and the
streamlit-cookies-controller component writes the cookie from page script instead (readable by
page scripts; a warning is logged at start). Either way the browser acts a moment after the
run, so a change is never followed at once by `st.rerun()` (see DESIGN.md).
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import streamlit as st
from streamlit_cookies_controller.cookie_controller import _cookie_controller

from app.auth import cookie_tickets
from app.auth.tokens import plausible
from app.db.models import utcnow
from app.server import cookie_routes
from app.utils.config import get_settings

logger = logging.getLogger(__name__)

_FOLD = (
    f"<style>[data-testid=stElementContainer]:has(img[src*='{cookie_routes.PREFIX}/'])"
    "{display:none}</style>"
)


def _page_cookie(name: str) -> str | None:
    try:
        value = st.context.cookies.get(name)
    except (AttributeError, RuntimeError):  # no request context (bare script, some tests)
        return None
    # Under AppTest the request context is a mock: accept only a real string.
    return value if isinstance(value, str) and value else None


def read_token() -> str | None:
    """The session token sent with this page load, if any."""
    return _page_cookie(get_settings().session_cookie_name)


def _secure() -> bool:
    """Mark the cookie Secure whenever the browser reached us over HTTPS."""
    url = st.context.url
    return isinstance(url, str) and url.startswith("https://")


@dataclass(frozen=True)
class TicketChange:
    """Served by app.server: the page fetches our route with a one-time ticket."""

    action: cookie_tickets.Purpose
    ticket: str

    def render(self) -> bool:
        """Offer the ticket to the browser; False once it is used or expired."""
        if not cookie_tickets.pending(self.ticket):
            return False
        src = html.escape(cookie_routes.ticket_url(self.action, self.ticket))
        # No script needed: the browser loads the image at once, cookies included. The style
        # folds the element's slot, so the page does not shift when it goes.
        st.html(f'<img src="{src}" alt="" width="1" height="1" style="display:none">{_FOLD}')
        return True


@dataclass(frozen=True)
class ComponentChange:
    """Bare `streamlit run`: the cookies-controller component (page script writes it)."""

    key: str
    args: dict[str, Any]  # fixed when the change is made, so re-renders do not re-mount it

    def render(self) -> bool:
        _cookie_controller(key=self.key, default=None, **self.args)
        return True


CookieChange = TicketChange | ComponentChange


def _ticket(action: cookie_tickets.Purpose, token: str | None = None) -> TicketChange | None:
    binding = _page_cookie(cookie_routes.binding_cookie_name())
    if not plausible(binding):
        logger.warning("no usable binding cookie from this browser: its cookie is left as is")
        return None
    ticket = cookie_tickets.issue(action, binding=binding, token=token, secure=_secure())
    return TicketChange(action=action, ticket=ticket)


def component_write_args(token: str, *, now: datetime | None = None) -> dict[str, Any]:
    max_age = timedelta(days=get_settings().session_max_days)
    expires: datetime = (now or utcnow()) + max_age
    options = {
        "path": "/",
        "expires": expires.isoformat(),
        "maxAge": int(max_age.total_seconds()),
        "sameSite": "strict",
        "secure": _secure(),
    }
    return {
        "method": "set",
        "name": get_settings().session_cookie_name,
        "value": token,
        "options": options,
    }


def change_to_set(token: str) -> CookieChange | None:
    """How this browser gets the session cookie after a login (None: it cannot)."""
    if cookie_routes.is_mounted():
        return _ticket("set", token)
    return ComponentChange(key="session-cookie-write", args=component_write_args(token))


def change_to_clear() -> CookieChange | None:
    """How this browser loses the session cookie (its session is already revoked)."""
    if cookie_routes.is_mounted():
        return _ticket("clear")
    options = {"path": "/", "sameSite": "strict", "secure": _secure()}
    args = {"method": "remove", "name": get_settings().session_cookie_name, "options": options}
    return ComponentChange(key="session-cookie-clear", args=args)
