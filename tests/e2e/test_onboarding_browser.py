"""Real browser: an admin onboards a member in one screen (real Synapse, Authentik fake)."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect

from app.services import journeys, rooms
from tests.e2e.conftest import goto, log_in, settle
from tests.support.journey_env import JourneyEnv

pytestmark = [pytest.mark.browser, pytest.mark.synapse]
ENV_NAMES = (
    "AUTHENTIK_URL",
    "AUTHENTIK_PUBLIC_URL",
    "AUTHENTIK_TOKEN",
    "MATRIX_HOMESERVER_URL",
    "MATRIX_ACCESS_TOKEN",
    "MATRIX_BOT_USER_ID",
    "MATRIX_WELCOME_ROOM_ID",
    "WELCOME_DM_DELAY_SECONDS",
)


def test_admin_onboards_a_member_in_one_screen(
    page: Page, journey_env: JourneyEnv, start_server, accounts_ready
) -> None:
    env = journey_env
    member = env.member()
    room_names = ["Book club", "Board games"]
    room_ids = [env.room(name) for name in room_names]
    rooms.sync_rooms(actor="admin")  # the directory the page offers rooms from
    server = start_server(**{name: os.environ[name] for name in ENV_NAMES})

    goto(page, server.url)
    log_in(page, "admin")
    goto(page, f"{server.url}/onboard")
    expect(page.get_by_role("heading", name="Onboard member")).to_be_visible()
    page.get_by_role("textbox", name="First name").fill("Katherine")
    page.get_by_role("textbox", name="Last name").fill("Johnson")
    page.get_by_role("textbox", name="Last name").press("Tab")
    settle(page)
    expect(page.get_by_role("textbox", name="Username")).to_have_value("katherine.johnson")
    page.get_by_role("textbox", name="Email").fill("katherine@example.org")
    page.get_by_role("textbox", name="Matrix user ID").fill(member.user_id)
    page.get_by_role("textbox", name="Matrix user ID").press("Tab")
    settle(page)
    for name in room_names:
        page.get_by_role("combobox", name="More rooms").click()
        page.get_by_role("option", name=name).click()
        settle(page)
    page.keyboard.press("Escape")
    expect(page.get_by_text("2 room(s) chosen.")).to_be_visible()
    page.get_by_role("button", name="Onboard", exact=True).click()
    settle(page, quiet_ms=800)

    expect(page.get_by_text("Onboarding #1: Katherine Johnson")).to_be_visible()
    # Five steps done (the welcome DM goes on in the background) and both rooms invited.
    expect(page.locator("[role=gridcell]", has_text="✅ done").nth(5 + 2 - 1)).to_be_attached()
    password = page.locator("[data-testid=stCode] code").first.inner_text().strip()
    user = next(u for u in env.authentik.users.values() if u.username == "katherine.johnson")
    assert env.authentik.password_matches(user.pk, password)
    for room in room_ids:
        assert env.synapse.membership(env.bot, room, member.user_id) == "invite"
    assert env.synapse.membership(env.bot, env.welcome_room, member.user_id) == "leave"
    journey = journeys.recent("onboarding")[0]
    assert journey.step("room_invites").status == "done"
