"""Per-run login state in Streamlit: who is this, and keep the browser cookie in step.

Identity always comes from the database (token -> session row -> account and role); nothing
the browser sends besides the opaque token (no query parameter, no cookie field) decides it.
"""

from __future__ import annotations

import streamlit as st

from app.auth import cookies
from app.auth.identity import Identity
from app.auth.login import log_out
from app.auth.sessions import validate_session
from app.utils.state import SessionKey


def current_identity() -> Identity | None:
    """Validate this browser's token against the database; refresh or clear the state."""
    state = st.session_state
    token = state.get(SessionKey.SESSION_TOKEN)
    from_cookie = False
    if token is None and not state.get(SessionKey.LOGGED_OUT):
        token = cookies.read_token()
        from_cookie = token is not None
    identity = validate_session(token) if token else None
    if identity is None:
        state.pop(SessionKey.SESSION_TOKEN, None)
        state.pop(SessionKey.ACCOUNT, None)
        state.pop(SessionKey.COOKIE_TO_WRITE, None)
        if from_cookie:  # a stale, revoked or forged cookie: remove it from the browser
            state[SessionKey.COOKIE_TO_CLEAR] = True
        return None
    state[SessionKey.SESSION_TOKEN] = token
    state[SessionKey.ACCOUNT] = identity
    return identity


def begin(token: str, identity: Identity) -> None:
    """After a successful login: remember the token and have the cookie written."""
    state = st.session_state
    state[SessionKey.SESSION_TOKEN] = token
    state[SessionKey.ACCOUNT] = identity
    state[SessionKey.COOKIE_TO_WRITE] = cookies.cookie_write_args(token)
    state.pop(SessionKey.COOKIE_TO_CLEAR, None)
    state.pop(SessionKey.LOGGED_OUT, None)


def end() -> None:
    """Logout: revoke the session row, forget it here, and clear the cookie."""
    state = st.session_state
    log_out(state.get(SessionKey.SESSION_TOKEN), state.get(SessionKey.ACCOUNT))
    for key in (SessionKey.SESSION_TOKEN, SessionKey.ACCOUNT, SessionKey.COOKIE_TO_WRITE):
        state.pop(key, None)
    state[SessionKey.LOGGED_OUT] = True
    state[SessionKey.COOKIE_TO_CLEAR] = True


def sync_cookie() -> None:
    """Render the cookie component this run needs (an invisible, zero-height iframe)."""
    state = st.session_state
    if args := state.get(SessionKey.COOKIE_TO_WRITE):
        cookies.render_write(args)
    elif state.get(SessionKey.COOKIE_TO_CLEAR):
        cookies.render_clear()
