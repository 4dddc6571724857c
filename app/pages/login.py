"""Log in: username and password (SSO button when configured)."""

from __future__ import annotations

import streamlit as st

from app.auth.login import LoginRefused, log_in
from app.ui import web_session
from app.ui.guard import public
from app.ui.sso import render_sso_login
from app.utils.state import SessionKey


@public
def _submit() -> None:
    state = st.session_state
    username = state.get(SessionKey.LOGIN_USERNAME, "")
    password = state.get(SessionKey.LOGIN_PASSWORD, "")
    state[SessionKey.LOGIN_PASSWORD] = ""  # do not keep the password in session state
    if not username.strip() or not password:
        state[SessionKey.LOGIN_ERROR] = "Enter your username and password."
        return
    try:
        token, identity = log_in(username, password)
    except LoginRefused as err:
        state[SessionKey.LOGIN_ERROR] = str(err)
        return
    state.pop(SessionKey.LOGIN_ERROR, None)
    web_session.begin(token, identity)


def render() -> None:
    st.title("Community Dashboard")
    st.subheader("Log in")
    with st.form("login_form"):
        st.text_input("Username", key=SessionKey.LOGIN_USERNAME, autocomplete="username")
        st.text_input(
            "Password",
            type="password",
            key=SessionKey.LOGIN_PASSWORD,
            autocomplete="current-password",
        )
        st.form_submit_button("Log in", type="primary", on_click=_submit)
    if error := st.session_state.get(SessionKey.LOGIN_ERROR):
        st.error(error, icon=":material/lock:")
    render_sso_login()


if __name__ == "__main__":
    render()
