"""Real browser, real `python -m app serve`, real OIDC round trips with the test provider.

Authentik groups decide the dashboard role; no group means no access; logout revokes our
session and ends the provider's session too.
"""

from __future__ import annotations

import stat

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.auth.sessions import validate_session
from app.db.engine import session_scope
from app.db.models import Account
from app.services import audit
from tests.e2e.conftest import (
    PASSWORD,
    browser_cookie,
    expect_login_page,
    goto,
    log_in,
    session_cookie,
    settle,
    wait_for_cookie,
)
from tests.support.oidc_provider import OidcProvider, OidcUser

pytestmark = pytest.mark.browser

ADA = OidcUser(sub="sub-ada", username="ada", name="Ada Admin", groups=("dashboard-admins",))
MO = OidcUser(sub="sub-mo", username="mo", name="Mo Moderator", groups=("dashboard-moderators",))
NOBODY = OidcUser(sub="sub-nobody", username="nobody", name="No Group", groups=("staff",))


def sso_log_in(page: Page, provider: OidcProvider, user: OidcUser) -> None:
    """Click the SSO button, sign in on the provider's form, come back to the dashboard."""
    page.get_by_role("button", name="Log in with Authentik").click()
    page.wait_for_url(f"{provider.issuer}/authorize**")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: not url.startswith(provider.issuer))
    settle(page)


def provider_log_out(page: Page, provider: OidcProvider, server_url: str, button: str) -> None:
    """Click a logout button and follow the browser through the provider's end-session
    endpoint back to the dashboard."""
    with page.expect_request(lambda r: r.url.startswith(f"{provider.issuer}/end-session")):
        page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_url(f"{server_url}/")
    settle(page)


def sidebar_links(page: Page) -> list[str]:
    """Every page link in the sidebar (a long list is folded behind "View N more")."""
    nav = page.get_by_test_id("stSidebarNav")
    more = nav.get_by_test_id("stSidebarNavViewButton")
    if more.count() and "more" in more.inner_text():
        more.click()
    # Each link's text is its material icon name, then its title.
    return [t.split("\n")[-1].strip() for t in nav.get_by_role("link").all_inner_texts()]


def test_admin_group_logs_in_as_admin_from_a_fresh_install_and_logout_ends_both_sessions(
    page: Page, start_sso_server, oidc_provider
):
    oidc_provider.add_user(ADA)
    server = start_sso_server()
    secrets = next(server.generated_dir.glob("*.toml"))
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    assert "client secret" not in server.log()  # the secret stays in the file

    goto(page, server.url)
    # A fresh install: the first-run setup page, which also lets the first admin in by SSO.
    expect(page.get_by_role("heading", name="Welcome to Community Dashboard")).to_be_visible()
    sso_log_in(page, oidc_provider, ADA)
    expect(page.get_by_text("Signed in as Ada Admin (admin)")).to_be_visible()
    assert "Accounts" in sidebar_links(page)
    with session_scope() as db:
        account = db.scalar(select(Account).where(Account.oidc_subject == "sub-ada"))
        assert (account.username, account.role, account.auth_source) == ("ada", "admin", "oidc")
    login = audit.search(audit.AuditFilter(action="login")).rows[0]
    assert (login.actor, login.details["method"]) == ("ada", "sso")

    # Our own session cookie carries the login (HttpOnly: set by our route, not the page).
    token = session_cookie(page)
    assert browser_cookie(page)["httpOnly"] is True
    goto(page, f"{server.url}/accounts")
    expect(page.get_by_role("heading", name="Accounts")).to_be_visible()
    page.reload()
    settle(page)
    expect(page.get_by_role("heading", name="Accounts")).to_be_visible()

    provider_log_out(page, oidc_provider, server.url, "Log out")
    expect_login_page(page)
    assert validate_session(token) is None
    assert ("end-session", "ended ada") in oidc_provider.events("end-session")
    assert oidc_provider.live_sessions() == []
    assert not any(c["name"].startswith("_streamlit_user") for c in page.context.cookies())
    wait_for_cookie(page, present=False)  # ours too
    page.reload()
    settle(page)
    expect_login_page(page)
    # The provider session is gone too: the next SSO login asks for the password again.
    page.get_by_role("button", name="Log in with Authentik").click()
    expect(
        page.get_by_role("heading", name="Sign in to the test identity provider")
    ).to_be_visible()


def test_moderator_group_logs_in_without_admin_pages_and_local_login_still_works(
    page: Page, start_sso_server, oidc_provider, accounts_ready
):
    oidc_provider.add_user(MO)
    server = start_sso_server()
    goto(page, server.url)
    sso_log_in(page, oidc_provider, MO)
    expect(page.get_by_text("Signed in as Mo Moderator (moderator)")).to_be_visible()
    links = sidebar_links(page)  # (no list at all while Home is a moderator's only page)
    assert "Accounts" not in links and "Audit log" not in links
    goto(page, f"{server.url}/accounts")
    expect(page.get_by_text("Signed in as Mo Moderator (moderator)")).to_be_visible()
    expect(page.get_by_role("heading", name="Accounts")).to_have_count(0)
    goto(page, server.url)  # away from Streamlit's "page not found" dialog

    provider_log_out(page, oidc_provider, server.url, "Log out")
    expect_login_page(page)
    log_in(page, "admin", PASSWORD)  # the local form, on the same page as the SSO button
    expect(page.get_by_text("Signed in as admin (admin)")).to_be_visible()


def test_user_without_a_dashboard_group_is_refused_with_no_pages(
    page: Page, start_sso_server, oidc_provider, accounts_ready
):
    oidc_provider.add_user(NOBODY)
    server = start_sso_server()
    goto(page, server.url)
    sso_log_in(page, oidc_provider, NOBODY)
    expect(
        page.get_by_text(
            "Your Authentik account is not in the dashboard-admins or dashboard-moderators group"
        )
    ).to_be_visible()
    expect(page.get_by_text("Signed in as")).to_have_count(0)
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
    assert not any(c["name"] == "cd_session" for c in page.context.cookies())
    with session_scope() as db:
        assert db.scalar(select(Account).where(Account.oidc_subject == "sub-nobody")) is None
    denied = audit.search(audit.AuditFilter(action="login", outcome="denied")).rows[0]
    assert denied.details["reason"] == "no dashboard group"

    goto(page, f"{server.url}/accounts")  # a deep link is no way around it
    expect(page.get_by_role("heading", name="Accounts")).to_have_count(0)

    provider_log_out(page, oidc_provider, server.url, "Log out of Authentik")
    expect_login_page(page)
    expect(page.get_by_role("button", name="Log in with Authentik")).to_be_visible()
    assert oidc_provider.live_sessions() == []
