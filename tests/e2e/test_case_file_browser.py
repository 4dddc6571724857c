"""Real browser, real homeserver, the Authentik fake over HTTP: open a member's case file from
the users directory, add a note, impose a timed ban, see its time left, lift it."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from app.services import case_file, sanctions
from tests.e2e.conftest import PATIENCE_MS, find_and_select, goto, log_in, settle
from tests.support.authentik_fake import AuthentikFake
from tests.support.synapse import SynapseServer, TestUser
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.synapse]

def test_case_file_from_the_users_directory_note_timed_ban_and_lift(
    page: Page, start_server, accounts_ready, *, authentik_fake: AuthentikFake,
    authentik_http_url: str, synapse: SynapseServer, matrix_bot: TestUser,
    make_matrix_user: Callable[..., TestUser],
) -> None:
    member = make_matrix_user()
    room = synapse.create_room(matrix_bot, name=f"Case room {member.localpart}")
    synapse.add_member(matrix_bot, room, member)
    authentik_fake.add_user("trouble", name="Trouble Maker")
    server = start_server(
        AUTHENTIK_URL=authentik_http_url,
        AUTHENTIK_TOKEN=authentik_fake.token,
        MATRIX_HOMESERVER_URL=synapse.url,
        MATRIX_ACCESS_TOKEN=matrix_bot.access_token,
        MATRIX_BOT_USER_ID=matrix_bot.user_id,
    )

    goto(page, f"{server.url}/users")
    log_in(page, "admin")
    find_and_select(page, "trouble")
    page.get_by_role("link", name="Open their case file").click()
    settle(page)

    expect(page.get_by_role("heading", name="Case files")).to_be_visible()
    expect(page.get_by_text("Trouble Maker", exact=False)).to_be_visible()
    page.get_by_role("textbox", name="Matrix ID").fill(member.user_id)
    page.get_by_role("button", name="Open").click()
    settle(page)
    room_cell = page.locator("[role=gridcell]", has_text=f"Case room {member.localpart}")
    expect(room_cell).to_have_count(1)

    page.get_by_role("textbox", name="New note").fill("Warned in DM about link spam.")
    page.get_by_role("button", name="Add note").click()
    settle(page)
    expect(page.get_by_text("Note added", exact=False)).to_be_visible()
    expect(page.locator("p", has_text="Warned in DM about link spam.")).to_be_visible()
    expect(page.get_by_role("textbox", name="New note")).to_have_value("")
    assert [n.author for n in case_file.notes_about(["trouble"])] == ["admin"]

    page.get_by_text("Impose a sanction").click()
    page.get_by_role("textbox", name="Reason").fill("link spam")
    page.get_by_role("button", name="Impose").click()
    settle(page)
    expect(page.get_by_text(re.compile(r"banned .* in 1 of 1 room\(s\)"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"time left: (23 h \d+ min|1 d 0 h)"))).to_be_visible()
    wait_for(lambda: synapse.membership(matrix_bot, room, member.user_id) == "ban",
             PATIENCE_MS / 1000, what="the ban on the homeserver")

    page.get_by_role("button", name="Lift now").click()
    settle(page)
    expect(page.get_by_text(re.compile(r"Sanction #\d+ lifted"))).to_be_visible()
    wait_for(lambda: synapse.membership(matrix_bot, room, member.user_id) == "leave",
             PATIENCE_MS / 1000, what="the ban lifted on the homeserver")
    [ban] = wait_for(lambda: [b for b in sanctions.search(actor="tester", member=member.user_id)
                              if b.status == "lifted"],
                     PATIENCE_MS / 1000, what="the sanction recorded lifted")
    assert ban.ended_by == "admin"
