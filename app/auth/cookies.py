"""The login cookie: read server-side from the page request, written/removed in the browser.

It holds only the opaque session token. Reading uses `st.context.cookies` (available on the
first run of a page load, so deep links survive a reload without a login flash). Writing uses
streamlit-cookies-controller's component; the cookie is set when its iframe mounts, so a write
must not be followed at once by `st.rerun()` (see DESIGN.md).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import streamlit as st
from streamlit_cookies_controller.cookie_controller import _cookie_controller

from app.db.models import utcnow
from app.utils.config import get_settings


def read_token() -> str | None:
    """The session token sent with this page load, if any."""
    try:
        value = st.context.cookies.get(get_settings().session_cookie_name)
    except (AttributeError, RuntimeError):  # no request context (bare script, some tests)
        return None
    # Under AppTest the request context is a mock: accept only a real string.
    return value if isinstance(value, str) and value else None


def _secure() -> bool:
    """Mark the cookie Secure whenever the browser reached us over HTTPS."""
    url = st.context.url
    return isinstance(url, str) and url.startswith("https://")


def cookie_write_args(token: str, *, now: datetime | None = None) -> dict[str, Any]:
    """Arguments for the component, computed once per login so re-renders do not re-mount it."""
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


def render_write(args: dict[str, Any]) -> None:
    _cookie_controller(key="session-cookie-write", default=None, **args)


def render_clear() -> None:
    options = {"path": "/", "sameSite": "strict", "secure": _secure()}
    _cookie_controller(
        key="session-cookie-clear",
        default=None,
        method="remove",
        name=get_settings().session_cookie_name,
        options=options,
    )
