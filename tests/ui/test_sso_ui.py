"""AppTest: the SSO button, and what an Authentik login (st.user) does to the dashboard."""

from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

from app.auth.sessions import revoke_account_sessions, validate_session
from app.services import audit
from app.utils.config import get_settings
from app.utils.state import SessionKey
from tests.ui.conftest import log_in, new_app, plain

OIDC_ENV = {
    "OIDC_CLIENT_ID": "dashboard",
    "OIDC_CLIENT_SECRET": "client secret for tests",
    "OIDC_SERVER_METADATA_URL": "http://127.0.0.1:9/.well-known/openid-configuration",
    "OIDC_REDIRECT_URI": "http://127.0.0.1:8501/oauth2callback",
    "OIDC_COOKIE_SECRET": "cookie secret for the ui tests, long enough",
}


@pytest.fixture
def oidc_env(monkeypatch) -> None:
    for name, value in OIDC_ENV.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()


def sso_app(user: dict | None = None) -> AppTest:
    """The app as `python -m app serve` starts it with SSO: settings plus Streamlit's [auth]."""
    at = new_app()
    at.secrets = {
        "auth": {
            "redirect_uri": OIDC_ENV["OIDC_REDIRECT_URI"],
            "cookie_secret": OIDC_ENV["OIDC_COOKIE_SECRET"],
            "client_id": OIDC_ENV["OIDC_CLIENT_ID"],
            "client_secret": OIDC_ENV["OIDC_CLIENT_SECRET"],
            "server_metadata_url": OIDC_ENV["OIDC_SERVER_METADATA_URL"],
        }
    }
    at.user = user or {"is_logged_in": False}
    return at


def authentik_user(*groups: str, username: str = "carol", iat: float | None = None) -> dict:
    now = int(iat if iat is not None else time.time())
    return {
        "is_logged_in": True,
        "provider": "default",
        "sub": f"sub-{username}",
        "preferred_username": username,
        "name": username.title(),
        "email": f"{username}@example.org",
        "groups": list(groups),
        "iat": now,
        "exp": now + 3600,
    }


def buttons(at: AppTest) -> list[str]:
    return [b.label for b in at.button]


def test_no_sso_button_when_oidc_is_not_configured(admin_account):
    at = new_app()
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception
    assert "Log in with Authentik" not in buttons(at)
    assert not at.warning
    log_in(at, "admin")  # local login as before
    assert at.session_state[SessionKey.ACCOUNT].role == "admin"


def test_sso_button_sits_beside_the_local_form_when_configured(admin_account, oidc_env):
    at = sso_app().run()
    assert not at.exception
    assert at.subheader[0].value == "Log in"
    assert "Log in" in buttons(at) and "Log in with Authentik" in buttons(at)
    assert "dashboard-admins or dashboard-moderators" in " ".join(c.value for c in at.caption)
    log_in(at, "admin")  # local login keeps working alongside
    assert at.session_state[SessionKey.ACCOUNT].auth_source == "local"


def test_settings_without_streamlit_secrets_warn_how_to_start(admin_account, oidc_env):
    at = new_app()
    at.user = {"is_logged_in": False}
    at.run()
    assert "Log in with Authentik" not in buttons(at)
    assert "python -m app serve" in plain(at.warning[0].value)


def test_authentik_admin_lands_on_home_as_admin(admin_account, oidc_env):
    at = sso_app(authentik_user("dashboard-admins", "staff")).run()
    assert not at.exception
    identity = at.session_state[SessionKey.ACCOUNT]
    assert (identity.username, identity.role, identity.auth_source) == ("carol", "admin", "oidc")
    assert "Hello, Carol." in [m.value for m in at.markdown]
    assert "Signed in as **Carol** (admin)" in [c.value for c in at.caption]
    assert (
        at.session_state[SessionKey.COOKIE_CHANGE].args["value"]
        == (at.session_state[SessionKey.SESSION_TOKEN])
    )  # our own session cookie, like a local login (AppTest: the component, no route)
    at.switch_page("app/pages/accounts.py").run()
    assert not at.exception and at.title[0].value == "Accounts"


def test_authentik_moderator_gets_moderator_pages_only(admin_account, oidc_env):
    at = sso_app(authentik_user("dashboard-moderators")).run()
    assert at.session_state[SessionKey.ACCOUNT].role == "moderator"
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("app/pages/accounts.py").run()


def test_authentik_user_without_a_group_is_refused_and_can_log_out_of_authentik(
    admin_account, oidc_env
):
    at = sso_app(authentik_user("staff")).run()
    assert not at.exception
    assert SessionKey.ACCOUNT not in at.session_state
    assert plain(at.error[0].value).startswith(
        "Your Authentik account is not in the dashboard-admins or dashboard-moderators group"
    )
    assert "Log out of Authentik" in buttons(at)
    assert "Log in with Authentik" not in buttons(at)
    at.run()  # reruns do not retry (and re-audit) the same Authentik login
    assert len(audit.search(audit.AuditFilter(action="login", outcome="denied")).rows) == 1
    at.button(key="sso_logout").click().run()
    assert at.user == {"is_logged_in": False}  # st.logout ran
    assert not at.error
    assert "Log in with Authentik" in buttons(at)


def test_sidebar_logout_of_an_sso_account_revokes_and_logs_out_of_authentik(
    admin_account, oidc_env
):
    at = sso_app(authentik_user("dashboard-admins")).run()
    token = at.session_state[SessionKey.SESSION_TOKEN]
    at.button(key="sidebar_logout").click().run()
    assert validate_session(token) is None
    assert at.user == {"is_logged_in": False}
    assert at.subheader[0].value == "Log in"
    assert at.session_state[SessionKey.COOKIE_CHANGE].args["method"] == "remove"


def test_a_session_ended_elsewhere_is_not_restarted_from_the_same_authentik_login(
    admin_account, oidc_env
):
    at = sso_app(authentik_user("dashboard-admins")).run()
    revoke_account_sessions(at.session_state[SessionKey.ACCOUNT].account_id)
    at.run()
    assert SessionKey.ACCOUNT not in at.session_state
    assert at.subheader[0].value == "Log in"
    assert "Log in with Authentik" in buttons(at)


def test_an_old_authentik_login_asks_to_log_in_again(admin_account, oidc_env):
    at = sso_app(authentik_user("dashboard-admins", iat=time.time() - 3600)).run()
    assert SessionKey.ACCOUNT not in at.session_state
    assert "Log in with Authentik again" in plain(at.info[0].value)
    assert "Log in with Authentik" in buttons(at)


def test_first_run_setup_page_also_offers_sso(db, oidc_env):
    at = sso_app().run()
    assert at.title[0].value == "Welcome to Community Dashboard"
    assert "Log in with Authentik" in buttons(at)
    at.user = authentik_user("dashboard-admins", username="founder")
    at.run()
    assert at.session_state[SessionKey.ACCOUNT].role == "admin"
    assert at.title[0].value == "Community Dashboard"
