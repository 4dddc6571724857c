"""AppTest helpers: run the real entry point against the test database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app.services.accounts import create_account
from app.services.insight import kept
from app.ui.guard import AUTHORITY
from app.ui.text import WORD_JOINER
from app.utils.state import SessionKey
from tests.support.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
ENTRY = str(ROOT / "streamlit_app.py")
PASSWORD = "a long enough password"


@pytest.fixture(autouse=True)
def fresh_caches():
    """st.cache_data and the kept overview live as long as the process: each test starts
    without another's."""
    st.cache_data.clear()
    kept.forget()
    yield
    st.cache_data.clear()
    kept.forget()


def new_app() -> AppTest:
    at = AppTest.from_file(ENTRY, default_timeout=30)
    at.session_state["cookies"] = {}
    return at


def counted(at: AppTest) -> AppTest:
    """Run `at` again until the overview's background count is done and shown (a failed
    count is tried again by a run after kept.RETRY_AFTER)."""
    def shown() -> bool:
        at.run()
        return not any(c.value.startswith("Counting…") for c in at.caption) and not any(
            "could not be counted" in e.value for e in at.error)
    wait_for(shown, what="the overview counted")
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
    """An AppTest logged in as admin, on the Home page, its overview counted (so no count runs
    beside the test)."""
    return counted(log_in(new_app().run(), "admin"))


def _unmarked_callbacks(at: AppTest) -> list[str]:
    """Widget callbacks registered in the last run that carry no authority mark."""
    widgets = at._session_state._state._new_widget_state.widget_metadata
    found = []
    for meta in widgets.values():
        callbacks = [meta.callback, *(meta.callbacks or {}).values()]
        for callback in callbacks:
            if callback is not None and getattr(callback, AUTHORITY, None) is None:
                found.append(f"{meta.id}: {callback!r}")
    return found


@pytest.fixture(autouse=True)
def every_callback_is_marked(monkeypatch: pytest.MonkeyPatch):
    """After every AppTest run: each callback a page registered says what authority it needs
    (Streamlit runs callbacks before the page's own checks; see app.ui.guard)."""
    original = AppTest.run

    def run(self: AppTest, *args, **kwargs) -> AppTest:
        result = original(self, *args, **kwargs)
        assert _unmarked_callbacks(self) == []
        return result

    monkeypatch.setattr(AppTest, "run", run)


def plain(markdown: str) -> str:
    """What a person reads: the markdown source with app.ui.text.md's escapes (and its
    invisible autolink breakers) removed."""
    return re.sub(r"\\(.)", r"\1", markdown).replace(WORD_JOINER, "")
