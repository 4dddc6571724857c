"""AppTest helpers: run the real entry point against the test database."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app.services.accounts import create_account
from app.utils.state import SessionKey

ROOT = Path(__file__).resolve().parents[2]
ENTRY = str(ROOT / "streamlit_app.py")
PASSWORD = "a long enough password"


@pytest.fixture(autouse=True)
def fresh_caches():
    """st.cache_data lives as long as the process: each test starts without another's."""
    st.cache_data.clear()
    yield
    st.cache_data.clear()


def new_app() -> AppTest:
    at = AppTest.from_file(ENTRY, default_timeout=30)
    at.session_state["cookies"] = {}
    return at


def log_in(at: AppTest, username: str, password: str = PASSWORD) -> AppTest:
    at.text_input(key=SessionKey.LOGIN_USERNAME).input(username)
    at.text_input(key=SessionKey.LOGIN_PASSWORD).input(password)
    at.button[0].click()
    return at.run()


@pytest.fixture
def admin_account(db):
    return create_account(actor="test", username="admin", password=PASSWORD, role="admin")


@pytest.fixture
def moderator_account(admin_account):
    return create_account(actor="test", username="mod", password=PASSWORD, role="moderator")


@pytest.fixture
def admin_app(admin_account) -> AppTest:
    """An AppTest logged in as admin, on the Home page."""
    at = new_app().run()
    return log_in(at, "admin")
