"""AppTest: first-run setup, login, wrong password, role-gated pages, logout."""

import pytest

from app.auth.sessions import validate_session
from app.auth.setup import issue_setup_token
from app.utils.state import SessionKey
from tests.ui.conftest import PASSWORD, log_in, new_app, plain


def titles(at) -> list[str]:
    return [t.value for t in at.title]


def submit_setup(at, token: str, confirm: str = PASSWORD):
    """Fill the first-run form as a person would (username founder) and press Create."""
    at.text_input(key=SessionKey.SETUP_TOKEN).input(token)
    at.text_input(key=SessionKey.SETUP_USERNAME).input("founder")
    at.text_input(key=SessionKey.SETUP_PASSWORD).input(PASSWORD)
    at.text_input(key=SessionKey.SETUP_CONFIRM).input(confirm)
    at.button[0].click()
    return at.run()


def test_first_run_setup_with_the_token_creates_and_logs_in_the_admin(db):
    at = new_app().run()
    assert titles(at) == ["Welcome to Community Dashboard"]
    token = issue_setup_token()
    submit_setup(at, "not-the-token")
    assert "Setup token" in plain(at.error[0].value)
    submit_setup(at, token)
    assert not at.exception
    assert titles(at) == ["Community Dashboard"]
    assert at.session_state[SessionKey.ACCOUNT].role == "admin"
    # The setup page is gone for good: a new browser session gets the login form.
    assert titles(new_app().run()) == ["Community Dashboard"]
    assert new_app().run().subheader[0].value == "Log in"


def test_a_new_setup_try_replaces_the_last_error_and_keeps_no_password(db):
    at = new_app().run()
    issue_setup_token()
    submit_setup(at, "not-the-token")
    assert len(at.error) == 1 and "Setup token" in plain(at.error[0].value)
    submit_setup(at, "not-the-token", confirm="something else entirely")
    assert len(at.error) == 1  # the new error, in the old one's place
    assert "Confirm password" in plain(at.error[0].value)
    for key in (SessionKey.SETUP_PASSWORD, SessionKey.SETUP_CONFIRM):
        assert at.session_state[key] == ""
    assert SessionKey.SETUP_REQUEST not in at.session_state  # the password went with the work
    assert at.session_state[SessionKey.SETUP_USERNAME] == "founder"  # kept for the next try


def test_login_ok_shows_home_with_status(admin_account):
    at = log_in(new_app().run(), "admin")
    assert not at.exception
    assert "Hello, admin." in [m.value for m in at.markdown]
    body = " ".join(m.value for m in at.markdown)
    assert "**Database**" in body and "**Authentik**" in body and "**Matrix**" in body
    captions = plain(" ".join(c.value for c in at.caption))
    assert "set AUTHENTIK_URL, AUTHENTIK_TOKEN" in captions


def test_wrong_password_shows_a_generic_error_and_stays_out(admin_account):
    at = log_in(new_app().run(), "admin", "definitely wrong!")
    assert plain(at.error[0].value) == "Wrong username or password."
    assert SessionKey.ACCOUNT not in at.session_state
    assert at.session_state[SessionKey.LOGIN_PASSWORD] == ""  # not kept in state


def test_moderator_cannot_reach_admin_pages(moderator_account):
    at = log_in(new_app().run(), "mod")
    assert at.session_state[SessionKey.ACCOUNT].role == "moderator"
    for page in ("app/pages/accounts.py", "app/pages/audit_log.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)
    at.switch_page("app/pages/home.py").run()
    assert titles(at) == ["Community Dashboard"]


def test_admin_can_open_admin_pages(admin_app):
    admin_app.switch_page("app/pages/accounts.py").run()
    assert titles(admin_app) == ["Accounts"]
    admin_app.switch_page("app/pages/audit_log.py").run()
    assert titles(admin_app) == ["Audit log"]


def test_logout_returns_to_the_login_page_and_revokes(admin_app):
    token = admin_app.session_state[SessionKey.SESSION_TOKEN]
    admin_app.sidebar.button(key="sidebar_logout").click()
    admin_app.run()
    assert admin_app.subheader[0].value == "Log in"
    assert validate_session(token) is None
