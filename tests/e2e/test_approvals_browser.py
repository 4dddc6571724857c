"""Real browser, the Authentik fake over HTTP, two admins in two browsers: with the two-person
rule on, a delete asked for in the users directory does nothing until the other admin approves
it on the Approvals page; the requester is never offered the approval."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from app.services.accounts import create_account
from tests.e2e.conftest import PASSWORD, find_and_select, goto, log_in, prepare, settle
from tests.support.authentik_fake import AuthentikFake
from tests.support.waiting import wait_for

pytestmark = pytest.mark.browser


def test_a_delete_waits_for_the_second_admin_in_another_browser(
    page: Page, browser: Browser, start_server, accounts_ready, *,
    authentik_fake: AuthentikFake, authentik_http_url: str,
) -> None:
    create_account(actor="test", username="second", password=PASSWORD, role="admin")
    doomed = authentik_fake.add_user("doomed", name="Doomed Account")
    server = start_server(AUTHENTIK_URL=authentik_http_url, AUTHENTIK_TOKEN=authentik_fake.token,
                          TWO_PERSON_RULE="delete")

    goto(page, f"{server.url}/users")
    log_in(page, "admin")
    find_and_select(page, "doomed")
    choose = page.get_by_role("combobox", name="Action")
    choose.click()
    choose.press_sequentially("Delete")
    page.get_by_role("option", name="Delete", exact=True).click()
    settle(page)
    page.get_by_role("textbox", name="Type DELETE or 1 to confirm").fill("DELETE")
    expect(page.get_by_text("Deleting an account needs a second admin's approval",
                            exact=False)).to_be_visible()
    page.get_by_role("button", name="Ask a second admin").click()
    settle(page)
    expect(page.get_by_text("waiting for a second admin", exact=False)).to_be_visible()
    assert doomed.pk in authentik_fake.users  # nothing done
    goto(page, f"{server.url}/approvals")
    expect(page.get_by_text("You asked for this", exact=False)).to_be_visible()
    expect(page.get_by_role("button", name="Approve and run")).to_have_count(0)

    context = browser.new_context()
    try:
        other = prepare(context.new_page())
        goto(other, f"{server.url}/approvals")
        log_in(other, "second")
        expect(other.get_by_text("Delete: 1 Authentik user(s): doomed")).to_be_visible()
        other.get_by_role("button", name="Approve and run").click()
        settle(other)
        expect(other.get_by_text("approved: it is running now", exact=False)).to_be_visible()
        wait_for(lambda: doomed.pk not in authentik_fake.users, timeout=60,
                 what="the approved delete to run")
    finally:
        context.close()
    page.get_by_role("button", name="Refresh").first.click()
    settle(page)
    expect(page.locator("[role=gridcell]", has_text="approved and done")).to_have_count(1)
