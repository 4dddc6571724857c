"""Real browser: setup, login, deep-link reloads, logout, and what can never log you in."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.engine import make_url

from app.auth.login import log_in as service_log_in
from app.auth.sessions import create_session, revoke_session
from app.db.models import utcnow
from app.navigation import PAGES
from app.services.accounts import list_accounts
from tests.e2e.conftest import (
    PASSWORD,
    browser_cookie,
    expect_login_page,
    goto,
    log_in,
    prepare,
    session_cookie,
    settle,
)

pytestmark = pytest.mark.browser


def set_cookie(page: Page, base_url: str, value: str) -> None:
    page.context.add_cookies([{"name": "cd_session", "value": value, "url": base_url}])


@contextmanager
def database_writes_held(database_url: str) -> Iterator[None]:
    """Hold SQLite's write lock: the app's next write waits (its busy timeout) until released."""
    connection = sqlite3.connect(make_url(database_url).database or "", isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        connection.execute("ROLLBACK")
        connection.close()


def test_setup_login_deep_reload_logout(page: Page, start_server, e2e_db: str):
    server = start_server()
    goto(page, server.url)
    expect(page.get_by_role("heading", name="Welcome to Community Dashboard")).to_be_visible()
    page.get_by_role("textbox", name="Setup token").fill("not-the-token")
    page.get_by_role("textbox", name="Username").fill("founder")
    page.get_by_role("textbox", name="Password", exact=True).fill(PASSWORD)
    page.get_by_role("textbox", name="Confirm password").fill(PASSWORD)
    page.get_by_role("button", name="Create admin account").click()
    settle(page)
    stale = page.get_by_text("not valid or expired")
    expect(stale).to_be_visible()

    # While the account is being made (held here by the database), the last error is gone
    # and a spinner says what is happening.
    page.get_by_role("textbox", name="Setup token").fill(server.setup_token())
    page.get_by_role("textbox", name="Password", exact=True).fill(PASSWORD)
    page.get_by_role("textbox", name="Confirm password").fill(PASSWORD)
    with database_writes_held(e2e_db):
        page.get_by_role("button", name="Create admin account").click()
        expect(page.get_by_text("Creating the admin account…")).to_be_visible()
        expect(stale).to_have_count(0)
    settle(page)
    expect(page.get_by_text("Signed in as founder (admin)")).to_be_visible()
    assert [a.username for a in list_accounts()] == ["founder"]
    session_cookie(page)

    # A logout lands on the login page; logging in again works and sets the cookie.
    page.get_by_role("button", name="Log out").click()
    settle(page)
    expect_login_page(page)
    log_in(page, "founder")
    expect(page.get_by_text("Signed in as founder (admin)")).to_be_visible()

    # Deep page, reload: still logged in, still on that page.
    goto(page, f"{server.url}/audit")
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    page.reload()
    settle(page)
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    assert page.url.endswith("/audit")

    page.get_by_role("button", name="Log out").click()
    settle(page)
    expect_login_page(page)
    page.reload()
    settle(page)
    expect_login_page(page)
    # Logging in from a deep link opens the page that was asked for.
    assert page.url.endswith("/audit")
    log_in(page, "founder")
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()


def test_fresh_server_first_request_to_every_page_url_shows_login(
    browser, start_server, accounts_ready
):
    for spec in PAGES:
        server = start_server()  # a fresh server for each URL: its very first request
        context = browser.new_context()
        page = prepare(context.new_page())
        goto(page, f"{server.url}/{spec.url_path}")
        expect_login_page(page)
        expect(page.get_by_role("heading", name=spec.title, exact=True)).to_have_count(0)
        context.close()
        server.stop()


def test_forged_tampered_expired_and_revoked_cookies_get_the_login_page(
    browser, start_server, accounts_ready
):
    server = start_server()
    admin_id = next(a.id for a in list_accounts() if a.username == "admin")
    live, _ = service_log_in("admin", PASSWORD)
    expired = create_session(admin_id, now=utcnow() - timedelta(days=3))
    revoked = create_session(admin_id)
    revoke_session(revoked)
    tampered = live[:-2] + ("AA" if not live.endswith("AA") else "BB")
    cases = {
        "forged": "forged-token-value-that-was-never-issued",
        "json": '{"username": "admin", "is_admin": true}',
        "tampered": tampered,
        "expired": expired,
        "revoked": revoked,
    }
    for name, value in cases.items():
        context = browser.new_context()
        page = prepare(context.new_page())
        set_cookie(page, server.url, value)
        with page.expect_request(lambda r: r.resource_type == "document") as first:
            goto(page, f"{server.url}/accounts")
        expect_login_page(page)
        # It was sent, and refused: the app may clear it at any moment, never replace it.
        assert value in first.value.all_headers().get("cookie", ""), name
        assert (browser_cookie(page) or {}).get("value", value) == value, name
        context.close()
    # The untouched live token does log in: the cases above failed for their own reason.
    context = browser.new_context()
    page = prepare(context.new_page())
    set_cookie(page, server.url, live)
    goto(page, f"{server.url}/accounts")
    expect(page.get_by_role("heading", name="Accounts")).to_be_visible()
    context.close()


def test_no_query_parameter_changes_who_you_are(browser, start_server, accounts_ready):
    server = start_server()
    context = browser.new_context()
    page = prepare(context.new_page())
    forged_query = "?auth_success=true&username=admin&admin=true&role=admin&token=x"
    goto(page, f"{server.url}/accounts{forged_query}")
    expect_login_page(page)
    log_in(page, "mod")
    expect(page.get_by_text("Signed in as mod (moderator)")).to_be_visible()
    goto(page, f"{server.url}/accounts{forged_query}")
    expect(page.get_by_text("Signed in as mod (moderator)")).to_be_visible()
    expect(page.get_by_role("heading", name="Accounts")).to_have_count(0)
    expect(page.get_by_role("link", name="Accounts")).to_have_count(0)
    context.close()
