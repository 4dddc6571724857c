"""The app shell: page config, session restore from the database, role-based navigation."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import streamlit as st
from sqlalchemy.exc import DBAPIError

from app import navigation
from app.auth.setup import SETUP_ANNOUNCED_ENV, announce_setup_token, needs_setup
from app.db.migrate import is_up_to_date
from app.server import cookie_routes
from app.services import engine
from app.ui import guard, web_session
from app.ui.sso import render_sso_login
from app.ui.text import md
from app.utils.config import ConfigError, get_settings
from app.utils.logging_setup import configure_logging

logger = logging.getLogger(__name__)

# A local file: a ":material/...:" page icon makes every browser fetch it from Google's servers.
FAVICON = Path(__file__).resolve().parent / "static" / "favicon.png"


@st.cache_resource(show_spinner=False)
def _boot() -> bool:
    """Once per process, when the database is ready: log set-up, first-run token, warnings."""
    configure_logging(get_settings().log_level)
    if not is_up_to_date():
        # Raising keeps this uncached, so the next run checks again after `migrate`.
        raise RuntimeError("schema not at head")
    if not os.environ.get(SETUP_ANNOUNCED_ENV):
        announce_setup_token()
    if not cookie_routes.is_mounted():
        logger.warning(
            "Not started with `python -m app serve`: the login cookie is written by page script "
            "(readable by it, not HttpOnly). Start the dashboard with `python -m app serve`."
        )
        _start_engine()  # `serve` starts it at process start; a bare `streamlit run` here
    return True


def _start_engine() -> None:
    try:
        engine.launch()  # resumes this replica's interrupted journeys
    except Exception:
        logger.exception("the durable engine did not start; journeys will start it later")


ABOUT = ("Community Dashboard: Authentik accounts and Matrix rooms for a community. "
         "Theme: as your browser prefers (System), Light or Dark, chosen in this menu.")

DATABASE_DOWN = (
    "The database is not answering right now. Nothing was changed by this page. The dashboard "
    "reconnects by itself: reload the page in a moment. If this lasts, check that the "
    "database server is running and reachable (DATABASE_URL)."
)


def _stop_with(message: str) -> None:
    st.error(message)
    st.stop()


def main() -> None:
    st.set_page_config(
        page_title="Community Dashboard", page_icon=str(FAVICON), layout="wide",
        # An item of our own shows the app menu (toolbarMode "minimal" hides it otherwise),
        # and with it the theme selector: light, dark, or as the browser prefers.
        menu_items={"About": ABOUT},
    )
    try:
        get_settings()
    except ConfigError as err:
        _stop_with(f"{err}. Fix the environment or `.env`, then restart the dashboard.")
    try:
        _boot()
    except RuntimeError:
        _stop_with("The database schema is not up to date: run `python -m app migrate`.")
    except Exception:
        logger.exception("database check failed")
        _stop_with(DATABASE_DOWN)

    try:
        _run_page()
    except DBAPIError as err:  # down or frozen: a message, never the exception box
        logger.warning("database error on a page run: %s", type(err.orig).__name__)
        _stop_with(DATABASE_DOWN)


def _run_page() -> None:
    identity = web_session.current_identity()
    web_session.sync_cookie()
    setup_gate = identity is None and needs_setup()
    pages = navigation.pages_for(identity, needs_setup=setup_gate)
    current = st.navigation(pages, position="sidebar" if identity else "hidden", expanded=True)
    if identity is not None:
        with st.sidebar:
            st.caption(f"Signed in as **{md(identity.label)}** ({identity.role})")
            st.button(
                "Log out", icon=":material/logout:", on_click=guard.ui_only(web_session.end),
                key="sidebar_logout",
            )
    guard.show_refusal()
    current.run()
    if setup_gate and web_session.sso_available():
        # With SSO, the first admin may also arrive through Authentik's admin group.
        st.divider()
        render_sso_login()
