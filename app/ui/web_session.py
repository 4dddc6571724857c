"""Per-run login state in Streamlit: who is this, and keep the browser cookie in step.

Identity always comes from the database (token -> session row -> account and role); nothing
the browser sends besides the opaque token (no query parameter, no cookie field) decides it.
With SSO configured, a fresh Authentik login (`st.user`, claims Streamlit verified and keeps in
a signed cookie) is turned into such a session once, by `app.auth.oidc`.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from app.auth import oidc, oidc_config
from app.auth.identity import Identity
from app.auth.login import log_out
from app.auth.sessions import validate_session
from app.ui import cookies
from app.utils.config import get_settings
from app.utils.enums import AuthSource
from app.utils.state import SessionKey


def current_identity() -> Identity | None:
    """Validate this browser's token against the database; refresh or clear the state."""
    state = st.session_state
    token = state.get(SessionKey.SESSION_TOKEN)
    from_cookie = False
    if token is None and not state.get(SessionKey.SKIP_PAGE_COOKIE):
        token = cookies.read_token()
        from_cookie = token is not None
    identity = validate_session(token) if token else None
    if identity is None:
        state.pop(SessionKey.SESSION_TOKEN, None)
        state.pop(SessionKey.ACCOUNT, None)
        if from_cookie:  # a stale, revoked or forged cookie: remove it from the browser, once
            state[SessionKey.SKIP_PAGE_COOKIE] = True
            _change_cookie(cookies.change_to_clear())
        return _sso_sign_in()
    state[SessionKey.SESSION_TOKEN] = token
    state[SessionKey.ACCOUNT] = identity
    return identity


def begin(token: str, identity: Identity) -> None:
    """After a successful login: remember the token here and have the browser's cookie set."""
    state = st.session_state
    state[SessionKey.SESSION_TOKEN] = token
    state[SessionKey.ACCOUNT] = identity
    state.pop(SessionKey.SKIP_PAGE_COOKIE, None)
    _change_cookie(cookies.change_to_set(token))


def end() -> None:
    """Logout: revoke the session row, forget it here, and clear the cookie.

    For an SSO account, also log out of Streamlit's OIDC login and Authentik (st.logout sends
    the browser to Authentik's end-session endpoint). The session row is revoked first, so
    even if the browser leaves before our cookie is removed, that cookie opens nothing and
    the next page load clears it.
    """
    state = st.session_state
    identity = state.get(SessionKey.ACCOUNT)
    log_out(state.get(SessionKey.SESSION_TOKEN), identity)
    for key in (SessionKey.SESSION_TOKEN, SessionKey.ACCOUNT):
        state.pop(key, None)
    state[SessionKey.SKIP_PAGE_COOKIE] = True
    _change_cookie(cookies.change_to_clear())
    sso = isinstance(identity, Identity) and identity.auth_source == AuthSource.OIDC
    if sso and sso_available():
        st.logout()


def _change_cookie(change: cookies.CookieChange | None) -> None:
    """Replace any pending cookie change (a logout supersedes an unfinished login's)."""
    if change is None:
        st.session_state.pop(SessionKey.COOKIE_CHANGE, None)
    else:
        st.session_state[SessionKey.COOKIE_CHANGE] = change


def sso_configured() -> bool:
    """The OIDC_* settings are complete (Streamlit may still lack its generated secrets)."""
    return oidc_config.is_configured(get_settings())


def sso_available() -> bool:
    """SSO can be used in this process: configured, and Streamlit has its `[auth]` secrets
    (that is, it was started by `python -m app serve`)."""
    if not sso_configured():
        return False
    try:
        return "auth" in st.secrets
    except FileNotFoundError:  # no secrets file at all
        return False


def _sso_claims() -> dict[str, Any] | None:
    """The Authentik ID-token claims of this browser, if it is logged in there."""
    if not sso_available():
        return None  # st.user is only consulted when SSO is on
    claims = st.user.to_dict()
    return claims if claims.get("is_logged_in") is True else None


def _sso_sign_in() -> Identity | None:
    """Start a dashboard session from a fresh Authentik login, once per Authentik login.

    Using each login only once per browser session means that a session which ended here
    (logout in another tab, revoked by an admin, expired) is not silently restarted from
    claims still held in memory.
    """
    state = st.session_state
    claims = _sso_claims()
    if claims is None:
        state.pop(SessionKey.SSO_ERROR, None)
        state.pop(SessionKey.SSO_NOTICE, None)
        return None
    key = oidc.claims_key(claims)
    if state.get(SessionKey.SSO_CLAIMS_USED) == key:
        return None
    state[SessionKey.SSO_CLAIMS_USED] = key
    try:
        token, identity = oidc.sign_in_from_claims(claims)
    except oidc.SsoExpired as err:
        state[SessionKey.SSO_NOTICE] = str(err)
        return None
    except oidc.SsoRefused as err:
        state[SessionKey.SSO_ERROR] = str(err)
        return None
    state.pop(SessionKey.SSO_ERROR, None)
    state.pop(SessionKey.SSO_NOTICE, None)
    begin(token, identity)
    return identity


def sync_cookie() -> None:
    """Render the pending cookie change, if any (invisible), until it is done."""
    state = st.session_state
    change = state.get(SessionKey.COOKIE_CHANGE)
    if change is not None and not change.render():
        state.pop(SessionKey.COOKIE_CHANGE, None)
