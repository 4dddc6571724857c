"""Real browser: a double click on "Onboard" is one journey; the Journeys page shows journeys
with their steps and retries a failed one (real Synapse, Authentik fake)."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect

from app.services import journeys
from tests.e2e.conftest import PATIENCE_MS, goto, log_in, settle
from tests.e2e.test_onboarding_browser import ENV_NAMES
from tests.support.journey_env import JourneyEnv
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.synapse]


def fill_onboarding(page: Page, first: str, last: str, matrix_id: str) -> None:
    page.get_by_role("textbox", name="First name").fill(first)
    page.get_by_role("textbox", name="Last name").fill(last)
    page.get_by_role("textbox", name="Last name").press("Tab")
    # The suggestion for both names is on screen: a rerun the browser sends before it has
    # arrived carries the first name's suggestion back (the browser's values win).
    expect(page.get_by_role("textbox", name="Username")).to_have_value(f"{first}.{last}".lower())
    settle(page)
    page.get_by_role("textbox", name="Email").fill(f"{first.lower()}@example.org")
    page.get_by_role("textbox", name="Matrix user ID").fill(matrix_id)
    page.get_by_role("textbox", name="Matrix user ID").press("Tab")
    settle(page)


def test_a_double_click_on_onboard_is_one_journey_and_the_journeys_page_retries_a_failed_one(
    page: Page, journey_env: JourneyEnv, start_server, accounts_ready
) -> None:
    env = journey_env
    server = start_server(**{name: os.environ[name] for name in ENV_NAMES})
    goto(page, server.url)
    log_in(page, "admin")
    goto(page, f"{server.url}/onboard")

    member = env.member()
    fill_onboarding(page, "Dorothy", "Vaughan", member.user_id)
    page.get_by_role("button", name="Onboard", exact=True).dblclick()
    settle(page, quiet_ms=800)
    expect(page.get_by_text("Onboarding #1: Dorothy Vaughan")).to_be_visible()
    expect(page.locator("[data-testid=stCode] code").first).to_be_visible()  # the password
    wait_for(lambda: not journeys.get(1).active, PATIENCE_MS / 1000, what="the journey to end")
    assert len(journeys.search(kind="onboarding")) == 1
    assert [u.username for u in env.authentik.users.values()].count("dorothy.vaughan") == 1
    graduations = [m for m in env.synapse.messages(env.bot, env.welcome_room)
                   if "Dorothy Vaughan is all set up" in m["content"]["body"]]
    assert len(graduations) == 1

    # A second onboarding fails at Authentik (503): the Journeys page retries it.
    page.get_by_role("button", name="Done: hide it").click()
    expect(page.get_by_role("textbox", name="Username")).to_have_value("")  # the form cleared
    settle(page)
    other = env.member()
    env.authentik.fail_next("POST", "/core/users/", status=503)
    fill_onboarding(page, "Mary", "Jackson", other.user_id)
    page.get_by_role("button", name="Onboard", exact=True).click()
    settle(page, quiet_ms=800)
    failed = wait_for(lambda: (j := journeys.search(kind="onboarding")[0]).status == "failed"
                      and j, PATIENCE_MS / 1000, what="the second journey to fail")

    goto(page, f"{server.url}/journeys")
    expect(page.get_by_role("heading", name="Journeys")).to_be_visible()
    expect(page.locator("[role=gridcell]", has_text="Mary Jackson").first).to_be_attached()
    expect(page.locator("[role=gridcell]", has_text="Dorothy Vaughan").first).to_be_attached()
    expect(page.get_by_text(f"Onboarding #{failed.id}: Mary Jackson")).to_be_visible()
    page.get_by_role("button", name="Retry failed steps").click()
    settle(page)
    expect(page.get_by_text(f"Journey #{failed.id}: retrying")).to_be_visible()
    done = wait_for(lambda: (j := journeys.get(failed.id)).step("authentik_account").status
                    == "done" and j, PATIENCE_MS / 1000, what="the retried account step")
    assert done.runs == 2
    assert [u.username for u in env.authentik.users.values()].count("mary.jackson") == 1
