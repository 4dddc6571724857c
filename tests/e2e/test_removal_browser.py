"""Real browser, real homeserver: a moderator removes a member from every room they are in."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from app.services import audit
from tests.e2e.conftest import goto, log_in, settle
from tests.support.synapse import SynapseServer, TestUser

pytestmark = [pytest.mark.browser, pytest.mark.synapse]


def test_moderator_previews_confirms_and_sees_the_member_removed_from_each_room(
    page: Page, start_server, accounts_ready, synapse: SynapseServer, *, matrix_bot: TestUser,
    make_matrix_user: Callable[..., TestUser],
) -> None:
    spammer, bystander = make_matrix_user(), make_matrix_user()
    names = [f"Browser room {i} {spammer.localpart}" for i in range(2)]
    rooms = [synapse.create_room(matrix_bot, name=name) for name in names]
    for room in rooms:
        synapse.add_member(matrix_bot, room, spammer)
        synapse.add_member(matrix_bot, room, bystander)
    server = start_server(
        MATRIX_HOMESERVER_URL=synapse.url,
        MATRIX_ACCESS_TOKEN=matrix_bot.access_token,
        MATRIX_BOT_USER_ID=matrix_bot.user_id,
    )

    goto(page, server.url)
    log_in(page, "mod")
    expect(page.get_by_text("Signed in as mod (moderator)")).to_be_visible()
    goto(page, f"{server.url}/remove-member")
    expect(page.get_by_role("heading", name="Remove from rooms")).to_be_visible()
    page.get_by_role("textbox", name="Matrix user ID").fill(spammer.user_id)
    page.get_by_role("button", name="Find rooms").click()
    settle(page)

    expect(page.get_by_text("is in 2 room(s) shared with the bot")).to_be_visible()
    for name in names:  # st.dataframe draws on a canvas; its cell text sits in gridcells
        expect(page.locator("[role=gridcell]", has_text=name)).to_have_count(1)
    page.get_by_role("textbox", name="Reason").fill("spam links")
    page.get_by_role("button", name="Review removal").click()
    settle(page)
    expect(page.get_by_text(f"Kick {spammer.user_id}")).to_be_visible()
    page.get_by_role("button", name="Confirm kick").click()
    settle(page)

    expect(page.get_by_text(f"{spammer.user_id}: removed in 2 of 2 room(s).")).to_be_visible()
    expect(page.locator("[role=gridcell]", has_text="removed")).to_have_count(2)
    for room in rooms:
        assert synapse.membership(matrix_bot, room, spammer.user_id) == "leave"
        assert synapse.membership(matrix_bot, room, bystander.user_id) == "join"
    row = audit.search(audit.AuditFilter(action="rooms.kick")).rows[0]
    assert (row.actor, row.member, row.outcome) == ("mod", spammer.user_id, "ok")
