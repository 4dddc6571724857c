"""AppTest: the Matrix pages (Rooms, Invite to rooms, Remove from rooms, Messaging) against the
real test Synapse, as a moderator and as an admin."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from app.services import rooms
from app.utils.matrix import MatrixClient
from app.utils.state import SessionKey
from tests.support.matrix_rooms import bot_client, make_room, room_bot
from tests.support.synapse import SynapseServer, TestUser
from tests.ui.conftest import log_in, new_app, plain

__all__ = ["bot_client", "make_room", "room_bot"]  # fixtures used below

MakeUser = Callable[..., TestUser]
MATRIX_PAGES = ("rooms.py", "room_invites.py", "remove_member.py", "messaging.py")


def open_page(at: AppTest, page: str) -> AppTest:
    return at.switch_page(f"app/pages/{page}").run()


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def multiselect(at: AppTest, label: str):
    return next(m for m in at.multiselect if m.label == label)


def texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


def test_matrix_pages_without_settings_say_what_to_set(moderator_account) -> None:
    """The same notice as the Authentik pages: what to set, then restart; no red error."""
    at = log_in(new_app().run(), "mod")
    for page in MATRIX_PAGES:
        open_page(at, page)
        assert not at.exception, page
        assert not at.error, page
        said = plain(at.info[0].value)
        assert "MATRIX_HOMESERVER_URL" in said and "then restart the dashboard" in said, page
    open_page(at, "rooms.py")
    sync = at.button(key=SessionKey.ROOMS_SYNC)
    assert sync.disabled
    assert sync.help == "Disabled: Matrix cannot be used yet (see the message above)."
    assert "Sync now is disabled" in plain(at.info[0].value)
    assert "once Matrix can be used" in texts(at.caption)
    assert "press **Sync now** to read" not in texts(at.caption)


@pytest.mark.synapse
def test_moderator_syncs_with_progress_and_searches_the_rooms(
    moderator_account, bot_client: MatrixClient, make_room
) -> None:
    make_room(name="Garden club", topic="Seeds and soil")
    make_room(name="Chess")
    at = open_page(log_in(new_app().run(), "mod"), "rooms.py")
    assert "Not synced yet" in texts(at.caption)

    at.button(key=SessionKey.ROOMS_SYNC).click().run()

    assert not at.exception
    assert "Synced 2 of 2 rooms." in plain(at.success[0].value)
    assert "Last synced" in texts(at.caption) and "by mod" in texts(at.caption)
    assert sorted(at.dataframe[0].value["Room"]) == ["Chess", "Garden club"]
    at.text_input(key=SessionKey.ROOMS_SEARCH).input("SEEDS").run()
    assert list(at.dataframe[0].value["Room"]) == ["Garden club"]
    assert "Categories and keywords" not in texts(at.subheader)  # admins only


@pytest.mark.synapse
def test_admin_adds_a_category_tags_a_room_and_filters_by_it(
    admin_account, bot_client: MatrixClient, make_room
) -> None:
    chess = make_room(name="Chess")
    make_room(name="Cooking")
    rooms.sync_rooms(actor="test")
    at = open_page(log_in(new_app().run(), "admin"), "rooms.py")
    at.text_input(key=SessionKey.ROOMS_NEW_CATEGORY).input("Games")
    button(at, "Add category").click().run()
    assert "Category 'Games' added." in plain(at.success[0].value)

    at.selectbox(key=SessionKey.ROOMS_EDIT_ROOM).select(chess).run()
    multiselect(at, "Categories").select("Games")
    next(t for t in at.text_input if t.label == "Keywords").input("board games, strategy")
    button(at, "Save tags").click().run()

    assert not at.exception
    assert "Tags of 'Chess' saved." in plain(at.success[0].value)
    at.selectbox(key=SessionKey.ROOMS_CATEGORY).select("Games").run()
    grid = at.dataframe[0].value
    assert list(grid["Room"]) == ["Chess"]
    assert list(grid["Keywords"]) == ["board games, strategy"]


@pytest.mark.synapse
def test_invite_page_invites_to_recommended_rooms_and_names_a_bad_account(
    synapse: SynapseServer, room_bot: TestUser, moderator_account, bot_client: MatrixClient, *,
    make_room, make_matrix_user: MakeUser,
) -> None:
    newcomer = make_matrix_user()
    chess = make_room(name="Chess club")
    make_room(name="Cooking")
    rooms.sync_rooms(actor="test")
    at = open_page(log_in(new_app().run(), "mod"), "room_invites.py")
    at.text_input(key=SessionKey.INVITE_ROOMS_USER).input(
        f"@nobody-{newcomer.localpart}:{synapse.server_name}")
    at.text_area(key=SessionKey.INVITE_ROOMS_INTERESTS).input("chess, tactics").run()
    assert list(at.dataframe[0].value["Room"]) == ["Chess club"]

    at.button(key=SessionKey.INVITE_ROOMS_SUBMIT).click().run()
    error = plain(at.error[0].value)
    assert "**Matrix user ID**" in error and "no account" in error

    at.text_input(key=SessionKey.INVITE_ROOMS_USER).input(newcomer.user_id)
    at.button(key=SessionKey.INVITE_ROOMS_SUBMIT).click().run()

    assert not at.exception and not at.error
    assert "invited to 1 room(s); 0 already there; 0 not done." in plain(at.success[0].value)
    assert list(at.dataframe[-1].value["Result"]) == ["invited"]
    assert synapse.membership(room_bot, chess, newcomer.user_id) == "invite"


@pytest.mark.synapse
def test_remove_page_previews_confirms_reports_per_room_and_retries(
    synapse: SynapseServer, room_bot: TestUser, moderator_account, bot_client: MatrixClient, *,
    make_room, make_matrix_user: MakeUser,
) -> None:
    alice, spammer = make_matrix_user(), make_matrix_user()
    mine, weak = make_room(name="Mine"), make_room(alice, name="Weak spot")
    synapse.add_member(room_bot, mine, spammer)
    synapse.add_member(alice, weak, spammer)
    at = open_page(log_in(new_app().run(), "mod"), "remove_member.py")
    at.text_input(key=SessionKey.REMOVE_USER).input(spammer.user_id)
    button(at, "Find rooms").click().run()

    assert "is in 2 room(s) shared with the bot" in at.subheader[0].value
    grid = at.dataframe[0].value
    kicks = dict(zip(grid["Room"], grid["A kick"], strict=True))
    assert kicks["Mine"] == "kicked" and kicks["Weak spot"].startswith("nothing: ")
    assert multiselect(at, "Rooms").value == [mine]  # only where the bot may act
    multiselect(at, "Rooms").select(weak)  # the moderator insists
    at.text_input(key=SessionKey.REMOVE_REASON).input("spam links")
    at.selectbox(key=SessionKey.REMOVE_MESSAGE).select("removal_spam")
    button(at, "Review removal").click().run()
    warning = plain(at.warning[0].value)
    assert "Kick " in warning and "was removed for spamming" in warning

    at.button(key=SessionKey.REMOVE_CONFIRM).click().run()

    assert not at.exception
    assert "removed in 1 of 2 room(s)" in plain(at.warning[0].value)
    results = at.dataframe[0].value
    assert dict(zip(results["Room"], results["Message"], strict=True)) == {
        "Mine": "sent", "Weak spot": ""}
    assert synapse.membership(room_bot, mine, spammer.user_id) == "leave"

    synapse.set_power_level(alice, weak, room_bot.user_id, 100)
    at.button(key=SessionKey.REMOVE_RETRY).click().run()

    assert "removed in 2 of 2 room(s)" in plain(at.success[0].value)
    assert synapse.membership(alice, weak, spammer.user_id) == "leave"
    assert not [b for b in at.button if b.label.startswith("Retry")]


@pytest.mark.synapse
def test_messaging_page_sends_to_a_room_and_to_a_person(
    synapse: SynapseServer, room_bot: TestUser, admin_account, bot_client: MatrixClient, *,
    make_room, make_matrix_user: MakeUser,
) -> None:
    friend = make_matrix_user()
    secret = make_room(name="Secret", encrypted=True)
    rooms.sync_rooms(actor="test")
    at = open_page(log_in(new_app().run(), "admin"), "messaging.py")
    multiselect(at, "Rooms").select(secret).run()
    assert "encrypted" in plain(at.warning[0].value)
    at.text_area(key=SessionKey.MESSAGING_BODY).input("Hello rooms")
    at.button(key=SessionKey.MESSAGING_SEND).click().run()
    assert "Sent to 1 of 1 room(s)." in plain(at.success[0].value)
    assert synapse.messages(room_bot, secret)[-1]["content"]["body"] == "Hello rooms"

    at.radio(key=SessionKey.MESSAGING_MODE).set_value("People (direct messages)").run()
    at.text_area(key=SessionKey.MESSAGING_RECIPIENTS).input(friend.user_id)
    at.button(key=SessionKey.MESSAGING_SEND).click().run()

    assert not at.exception
    assert "Sent to 1 of 1 person(s)." in plain(at.success[0].value)
    assert list(at.dataframe[0].value["To"]) == [friend.user_id]
