"""AppTest: an admin scopes a moderator to room categories on the Moderators page; the scoped
moderator's Rooms, Remove from rooms, Invite to rooms and Messaging pages list only the rooms of
their scope and say so (real Synapse)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from app.services import rooms
from app.utils.matrix import MatrixClient
from app.utils.state import SessionKey as K
from tests.support.matrix_rooms import bot_client, make_room, room_bot
from tests.support.synapse import SynapseServer, TestUser
from tests.ui.conftest import log_in, new_app, plain

__all__ = ["bot_client", "make_room", "room_bot"]  # fixtures used below

MakeUser = Callable[..., TestUser]


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def _multiselect(at: AppTest, label: str):
    return next(m for m in at.multiselect if m.label == label)


def _infos(at: AppTest) -> str:
    return " ".join(plain(i.value) for i in at.info)


def test_admin_scopes_a_moderator_on_the_moderators_page(moderator_account) -> None:
    for name in ("Tech", "Social"):
        rooms.create_category(actor="admin", name=name)
    at = log_in(new_app().run(), "admin").switch_page("app/pages/moderators.py").run()
    at.selectbox(key=K.MODERATORS_ACCOUNT).select("mod").run()
    assert "Unscoped: this moderator sees and acts in every room" in " ".join(
        plain(c.value) for c in at.caption)
    assert _multiselect(at, "Room categories").options == ["Social", "Tech"]

    _multiselect(at, "Room categories").select("Tech")
    _button(at, "Save room categories").click().run()

    assert not at.exception and not at.error
    assert "mod now sees and acts only in rooms of Tech." in plain(at.success[0].value)
    assert rooms.scope_of("mod").categories == ("Tech",)
    table = at.dataframe[0].value
    assert dict(zip(table["Username"], table["Rooms"], strict=True)) == {
        "admin": "every room (admins are never scoped)", "mod": "Tech"}

    _multiselect(at, "Room categories").unselect("Tech")
    _button(at, "Save room categories").click().run()
    assert "mod is unscoped: every room the bot moderates." in plain(at.success[0].value)
    assert not rooms.scope_of("mod").limited

    at.selectbox(key=K.MODERATORS_ACCOUNT).select("admin").run()
    assert not [m for m in at.multiselect if m.label == "Room categories"]
    assert "Admins are never scoped" in " ".join(plain(c.value) for c in at.caption)


@pytest.mark.synapse
def test_a_scoped_moderator_pages_list_only_rooms_of_their_scope(
    synapse: SynapseServer, room_bot: TestUser, moderator_account, bot_client: MatrixClient, *,
    make_room, make_matrix_user: MakeUser,
) -> None:
    tech, social = make_room(name="Tech talk"), make_room(name="Social lounge")
    member = make_matrix_user()
    for room in (tech, social):
        synapse.add_member(room_bot, room, member)
    rooms.sync_rooms(actor="admin")
    rooms.set_room_tags(actor="admin", room_id=tech, categories=["Tech"], keywords="")
    rooms.set_room_tags(actor="admin", room_id=social, categories=["Social"], keywords="")
    rooms.set_scope(actor="admin", account_id=moderator_account.id, categories=["Tech"])
    at = log_in(new_app().run(), "mod")

    at.switch_page("app/pages/rooms.py").run()
    assert not at.exception
    assert list(at.dataframe[0].value["Room"]) == ["Tech talk"]
    assert "Your scope: rooms of Tech." in _infos(at)
    assert at.selectbox(key=K.ROOMS_CATEGORY).options == ["All categories", "Tech"]

    at.switch_page("app/pages/remove_member.py").run()
    at.text_input(key=K.REMOVE_USER).input(member.user_id)
    _button(at, "Find rooms").click().run()
    assert not at.exception
    assert "is in 1 room(s) shared with the bot" in at.subheader[0].value
    assert list(at.dataframe[0].value["Room"]) == ["Tech talk"]
    assert "1 of the bot's rooms are outside it" in _infos(at)  # Social lounge
    assert _multiselect(at, "Rooms").options == ["Tech talk"]

    at.switch_page("app/pages/room_invites.py").run()
    at.radio(key=K.INVITE_ROOMS_MODE).set_value("Pick rooms").run()
    assert _multiselect(at, "Rooms").options == ["Tech talk"]
    assert "Your scope: rooms of Tech." in _infos(at)

    at.switch_page("app/pages/messaging.py").run()
    assert _multiselect(at, "Rooms").options == ["Tech talk"]
    assert synapse.membership(room_bot, social, member.user_id) == "join"
