"""AppTest: a page run on its own, outside the navigation, still checks the roles of its PageSpec
(defence in depth: `require_page(__file__)` in every page)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app.auth.identity import Identity
from app.navigation import PAGES, PageSpec
from app.utils.enums import AuthSource, Role
from app.utils.state import SessionKey

ROOT = Path(__file__).resolve().parents[2]
REFUSAL = "You do not have access to this page."
ADMIN_ONLY = [spec for spec in PAGES if Role.MODERATOR not in spec.roles]


def page_app(spec: PageSpec, role: Role | None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app" / "pages" / spec.file), default_timeout=30)
    if role is not None:
        at.session_state[SessionKey.ACCOUNT] = Identity(1, "someone", "", role, AuthSource.LOCAL)
    return at.run()


@pytest.mark.parametrize("spec", PAGES, ids=lambda spec: spec.file)
def test_a_page_run_without_a_session_refuses(db, spec: PageSpec) -> None:
    at = page_app(spec, None)
    assert [e.value for e in at.error] == [REFUSAL]
    assert len(at.title) == 0


@pytest.mark.parametrize("spec", ADMIN_ONLY, ids=lambda spec: spec.file)
def test_an_admin_page_run_by_a_moderator_refuses(db, spec: PageSpec) -> None:
    at = page_app(spec, Role.MODERATOR)
    assert [e.value for e in at.error] == [REFUSAL]
    assert len(at.title) == 0
