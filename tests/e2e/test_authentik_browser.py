"""Real browser against `streamlit run` talking HTTP to the fake Authentik: invite, create user."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import goto, log_in, settle
from tests.support.authentik_fake import AuthentikFake

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
