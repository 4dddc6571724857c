"""First-run setup: the token from the server log creates the first admin account."""

from __future__ import annotations

import streamlit as st

from app.auth.setup import complete_setup
from app.ui import web_session
from app.ui.feedback import show_error
from app.ui.guard import public
from app.utils.errors import DashboardError, InputError
from app.utils.state import SessionKey

_FIELDS = (
    SessionKey.SETUP_TOKEN,
    SessionKey.SETUP_USERNAME,
    SessionKey.SETUP_DISPLAY_NAME,
    SessionKey.SETUP_PASSWORD,
    SessionKey.SETUP_CONFIRM,
)


@public
def _take() -> None:
    """Take the submitted values for this run's work; the password fields empty at once."""
    state = st.session_state
    state[SessionKey.SETUP_REQUEST] = tuple(state.get(k, "") for k in _FIELDS)
    state[SessionKey.SETUP_PASSWORD] = state[SessionKey.SETUP_CONFIRM] = ""
    state.pop(SessionKey.SETUP_ERROR, None)


def _create(request: tuple[str, ...]) -> bool:
    """Create the admin and log this browser in; False (the error kept) when refused."""
    token, username, display, password, confirm = request
    try:
        if password != confirm:
            raise InputError("Confirm password", "does not match the password")
        session_token, identity = complete_setup(
            token=token, username=username, password=password, display_name=display
        )
    except DashboardError as err:
        st.session_state[SessionKey.SETUP_ERROR] = err
        return False
    web_session.begin(session_token, identity)
    return True


def render() -> None:
    st.title("Welcome to Community Dashboard")
    st.write(
        "No admin account exists yet. The server printed a one-time **setup token** to its "
        "log when it started (look for `First-run setup token`). Enter it to create the first "
        "admin. From a shell, `python -m app create-admin` does the same."
    )
    with st.form("setup_form"):
        st.text_input("Setup token", type="password", key=SessionKey.SETUP_TOKEN)
        st.text_input("Username", key=SessionKey.SETUP_USERNAME, autocomplete="username")
        st.text_input("Display name (optional)", key=SessionKey.SETUP_DISPLAY_NAME)
        st.text_input(
            "Password",
            type="password",
            key=SessionKey.SETUP_PASSWORD,
            help="At least 12 characters.",
            autocomplete="new-password",
        )
        st.text_input(
            "Confirm password",
            type="password",
            key=SessionKey.SETUP_CONFIRM,
            autocomplete="new-password",
        )
        st.form_submit_button("Create admin account", type="primary", on_click=_take)
    # The slot where the last error was: a new try empties it at once and shows a spinner
    # there while the account is made (hashing the password takes a moment).
    feedback = st.empty()
    if request := st.session_state.pop(SessionKey.SETUP_REQUEST, None):
        with feedback, st.spinner("Creating the admin account…"):
            created = _create(request)
        if created:
            st.rerun()  # the navigation of a logged-in admin; the cookie follows on that run
    if error := st.session_state.get(SessionKey.SETUP_ERROR):
        with feedback:
            show_error(error)


if __name__ == "__main__":
    render()
