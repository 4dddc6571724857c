"""The Authentik part of the login screen: the SSO button, or why Authentik's login was refused."""

from __future__ import annotations

import streamlit as st

from app.ui import web_session
from app.ui.guard import ui_only
from app.ui.text import md
from app.utils.config import get_settings
from app.utils.state import SessionKey


@ui_only
def _log_out() -> None:
    st.session_state.pop(SessionKey.SSO_ERROR, None)
    st.logout()


def render_sso_login() -> None:
    """Nothing when SSO is off; else the button, a notice, or the refusal with a way out."""
    if not web_session.sso_available():
        if web_session.sso_configured():  # set in the environment, but Streamlit lacks it
            st.warning(
                "SSO is configured but this server was not started with it: start the "
                "dashboard with `python -m app serve`.",
                icon=":material/warning:",
            )
        return
    state = st.session_state
    if error := state.get(SessionKey.SSO_ERROR):
        st.error(md(error), icon=":material/block:")
        # Logging out of Authentik lets the person sign in as someone else.
        st.button(
            "Log out of Authentik", icon=":material/logout:", key="sso_logout", on_click=_log_out
        )
        return
    if notice := state.get(SessionKey.SSO_NOTICE):
        st.info(md(notice), icon=":material/schedule:")
    settings = get_settings()
    if st.button("Log in with Authentik", icon=":material/key:", key="sso_login"):
        st.login()
    st.caption(
        f"For members of the Authentik groups {settings.oidc_admin_group} or "
        f"{settings.oidc_moderator_group}."
    )
