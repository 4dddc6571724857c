"""Real browser against `python -m app serve`: the session cookie is HttpOnly and SameSite=Strict,
set and cleared by our own route; the token never reaches page scripts or the websocket."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.auth import cookie_tickets
from app.auth.sessions import create_session, validate_session
from app.auth.tokens import token_hash
from app.db.engine import session_scope
from app.db.models import LoginSession, utcnow
from app.server import cookie_routes
from app.services.accounts import list_accounts
from tests.e2e.conftest import (
    PASSWORD,
    browser_cookie,
    expect_login_page,
    goto,
    log_in,
    prepare,
    settle,
    wait_for_cookie,
)

pytestmark = pytest.mark.browser


def record_websocket_frames(page: Page) -> list[bytes]:
    """Every frame Streamlit's websocket sends or receives from now on, as bytes."""
    frames: list[bytes] = []

    def keep(payload: str | bytes) -> None:
        frames.append(payload.encode() if isinstance(payload, str) else payload)

    def watch(ws) -> None:
        ws.on("framesent", keep)
        ws.on("framereceived", keep)

    page.on("websocket", watch)
    return frames


def revoked(token: str) -> bool:
    with session_scope() as db:
        when = db.scalar(
            select(LoginSession.revoked_at).where(LoginSession.token_hash == token_hash(token))
        )
    return when is not None


def test_setup_login_reload_logout_with_an_httponly_cookie_page_scripts_never_see(
    page: Page, start_served
):
    server = start_served()
    frames = record_websocket_frames(page)
    goto(page, server.url)
    page.get_by_role("textbox", name="Setup token").fill(server.setup_token())
    page.get_by_role("textbox", name="Username").fill("founder")
    page.get_by_role("textbox", name="Password", exact=True).fill(PASSWORD)
    page.get_by_role("textbox", name="Confirm password").fill(PASSWORD)
    page.get_by_role("button", name="Create admin account").click()
    settle(page)
    expect(page.get_by_text("Signed in as founder (admin)")).to_be_visible()

    cookie = wait_for_cookie(page)
    token = cookie["value"]
    assert validate_session(token) is not None
    assert (cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (True, "Strict", "/")
    assert cookie["expires"] > (utcnow() + timedelta(days=13)).timestamp()  # SESSION_MAX_DAYS
    assert browser_cookie(page, "cd_session_bind")["httpOnly"] is True
    assert "cd_session" not in page.evaluate("document.cookie")
    assert token not in page.content()
    assert frames, "the websocket was not observed"
    assert not any(token.encode() in frame for frame in frames)

    # Deep page, reload: the cookie is read server-side on the first run, no login form.
    goto(page, f"{server.url}/audit")
    page.reload()
    settle(page)
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    assert page.url.endswith("/audit")

    # Logout revokes the row first, then our route expires the cookie.
    page.get_by_role("button", name="Log out").click()
    settle(page)
    expect_login_page(page)
    assert revoked(token)
    wait_for_cookie(page, present=False)
    page.reload()
    settle(page)
    expect_login_page(page)

    log_in(page, "founder")  # a local login sets it the same way
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    again = wait_for_cookie(page)
    assert again["httpOnly"] is True and again["value"] != token
    assert not any(again["value"].encode() in frame for frame in frames)


def test_replayed_expired_and_foreign_tickets_set_nothing(
    browser, page: Page, start_served, accounts_ready
):
    server = start_served()
    ticket_urls: list[str] = []
    page.on("request", lambda r: "/_dashboard/cookie/set" in r.url and ticket_urls.append(r.url))
    goto(page, server.url)
    log_in(page, "admin")
    assert len(set(ticket_urls)) == 1  # one ticket (however often the page offered it)
    page.context.clear_cookies(name="cd_session")

    # Replayed in the same browser: refused, no cookie.
    replay = page.request.get(ticket_urls[0])
    assert replay.status == 403 and "set-cookie" not in replay.headers
    assert browser_cookie(page) is None

    # Expired (issued for this very browser, 2 minutes ago): refused, no cookie.
    admin_id = next(a.id for a in list_accounts() if a.username == "admin")
    binding = browser_cookie(page, "cd_session_bind")["value"]
    token = create_session(admin_id)
    old = cookie_tickets.issue(
        "set", binding=binding, token=token, now=utcnow() - timedelta(minutes=2)
    )
    expired = page.request.get(server.url + cookie_routes.ticket_url("set", old))
    assert expired.status == 403 and "set-cookie" not in expired.headers
    assert browser_cookie(page) is None

    # A fresh ticket of this browser, tried from another browser: refused there...
    fresh = server.url + cookie_routes.ticket_url(
        "set", cookie_tickets.issue("set", binding=binding, token=token)
    )
    stranger = browser.new_context()
    stranger_page = prepare(stranger.new_page())
    goto(stranger_page, server.url)  # it gets a binding cookie of its own
    refused = stranger_page.request.get(fresh)
    assert refused.status == 403 and browser_cookie(stranger_page) is None
    stranger.close()
    # ...and still good in the browser it was issued to.
    assert page.request.get(fresh).status == 204
    assert browser_cookie(page)["value"] == token
