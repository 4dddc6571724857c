"""Real browser against `streamlit run` talking HTTP to the fake Authentik: invite, create user."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import goto, log_in, settle
from tests.support.authentik_fake import AuthentikFake
from tests.support.authentik_fake_http import serve_over_http

pytestmark = pytest.mark.browser

PUBLIC = "https://id.example.org"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@pytest.fixture
def server(start_server, accounts_ready, authentik_fake: AuthentikFake, authentik_http_url: str):
    return start_server(
        AUTHENTIK_URL=authentik_http_url,
        AUTHENTIK_PUBLIC_URL=PUBLIC,
        AUTHENTIK_TOKEN=authentik_fake.token,
    )


def code_text(page: Page) -> str:
    block = page.locator("[data-testid=stCode] code").first
    expect(block).to_be_visible()
    return block.inner_text().strip()


def test_admin_creates_an_invite_and_reads_its_exact_link(
    page: Page, server, authentik_fake: AuthentikFake
) -> None:
    goto(page, f"{server.url}/invites")
    log_in(page, "admin")  # the deep link survives the login
    expect(page.get_by_role("heading", name="Invite links", exact=True)).to_be_visible()
    page.get_by_role("textbox", name="Label").fill("Spring meetup")
    page.get_by_role("button", name="Create invite").click()
    settle(page)
    link = code_text(page)
    match = re.fullmatch(
        rf"{re.escape(PUBLIC)}/if/flow/default-enrollment-flow/\?itoken=({UUID})", link
    )
    assert match, link
    (invitation,) = authentik_fake.invitations.values()
    assert match[1] == invitation.pk and invitation.name == "spring-meetup"
    assert invitation.single_use


def test_admin_creates_a_user_and_sees_the_one_time_password(
    page: Page, server, authentik_fake: AuthentikFake
) -> None:
    goto(page, f"{server.url}/create-user")
    log_in(page, "admin")
    expect(page.get_by_role("heading", name="Create user", exact=True)).to_be_visible()
    page.get_by_role("textbox", name="First name").fill("Ada")
    page.get_by_role("textbox", name="Last name").fill("Lovelace")
    page.get_by_role("textbox", name="Last name").press("Tab")  # commits: a suggestion comes
    settle(page)
    expect(page.get_by_role("textbox", name="Username")).to_have_value("ada.lovelace")
    page.get_by_role("textbox", name="Email").fill("ada@example.org")
    page.get_by_role("button", name="Create user").click()
    settle(page)
    expect(page.get_by_text("it will not be shown again")).to_be_visible()
    password = code_text(page)
    user = next(u for u in authentik_fake.users.values() if u.username == "ada.lovelace")
    assert authentik_fake.password_matches(user.pk, password)
    assert authentik_fake.count("POST", "/core/users/{id}/set_password/") == 1
    # Dismissed, it is gone from the page.
    page.get_by_role("button", name="Done: hide it").click()
    settle(page)
    expect(page.locator("[data-testid=stCode]")).to_have_count(0)


def test_users_directory_offers_honoured_sizes_and_jumps_to_the_last_page_in_one_click(
    page: Page, server, authentik_fake: AuthentikFake
) -> None:
    authentik_fake.seed_users(249)  # and akadmin: 250; Authentik serves 100 per page at most
    goto(page, f"{server.url}/users")
    log_in(page, "admin")
    expect(page.get_by_text("showing 1-50 · page 1 of 5")).to_be_visible()
    per_page = page.get_by_role("combobox", name="Per page")
    per_page.click()
    options = page.get_by_role("option")
    expect(options).to_have_text(["25", "50", "100"])  # 250 and 500 are not honoured
    page.get_by_role("option", name="100", exact=True).click()
    settle(page)
    expect(page.get_by_text("showing 1-100 · page 1 of 3")).to_be_visible()
    before = authentik_fake.count("GET", "/core/users/")
    page.get_by_role("button", name="Last").click()
    settle(page)
    expect(page.get_by_text("showing 201-250 · page 3 of 3")).to_be_visible()
    assert authentik_fake.count("GET", "/core/users/") - before == 1  # one action, one page
    expect(page.get_by_role("button", name="Last")).to_be_disabled()
    jump = page.get_by_role("spinbutton", name="Page")
    jump.fill("2")
    jump.press("Enter")
    settle(page)
    expect(page.get_by_text("showing 101-200 · page 2 of 3")).to_be_visible()


@pytest.fixture
def fresh_server(start_server, accounts_ready, authentik_schema):
    """The dashboard against a fake Authentik configured like a fresh install."""
    fake = AuthentikFake(schema=authentik_schema, install="fresh")
    with serve_over_http(fake) as url:
        yield fake, start_server(
            AUTHENTIK_URL=url, AUTHENTIK_PUBLIC_URL=PUBLIC, AUTHENTIK_TOKEN=fake.token
        )
    fake.assert_no_violations()


def test_a_fresh_install_is_fixed_from_home_with_create_the_flows_for_me(
    page: Page, fresh_server
) -> None:
    fake, server = fresh_server
    goto(page, server.url)
    log_in(page, "admin")
    sso_only = page.get_by_text("admits only sign-ups through an SSO source", exact=False)
    expect(sso_only).to_be_visible()
    expect(page.get_by_text("has no recovery flow", exact=False)).to_be_visible()
    page.get_by_role("link", name="Fix it: Authentik setup", exact=False).click()
    settle(page)
    expect(page.get_by_role("heading", name="Authentik setup", exact=True)).to_be_visible()
    page.get_by_role("button", name="Create the flows for me", exact=False).click()
    settle(page, quiet_ms=800)
    expect(page.get_by_text("Done in Authentik", exact=False)).to_be_visible()
    works = page.get_by_text("Invite links use flow 'community-invitation'", exact=False)
    expect(works).to_be_visible()
    assert fake.recovery_flow_slug == "community-recovery"
    goto(page, f"{server.url}/invites")
    page.get_by_role("textbox", name="Label").fill("first")
    page.get_by_role("button", name="Create invite").click()
    settle(page)
    link = code_text(page)  # waits for the link to be shown
    (invitation,) = fake.invitations.values()
    assert link == f"{PUBLIC}/if/flow/community-invitation/?itoken={invitation.pk}"
