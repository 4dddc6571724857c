"""Messages against a real Synapse: rooms (suffix, encrypted warning, forbidden room) and DMs."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.services import audit, messaging, rooms
from app.utils.config import get_settings
from app.utils.errors import InputError
from app.utils.matrix import MatrixClient, MatrixUnknownToken, Status
from tests.support.matrix_rooms import bot_client, installed, make_room, room_bot
from tests.support.synapse import SynapseServer, TestUser

__all__ = ["bot_client", "make_room", "room_bot"]  # fixtures used below

pytestmark = pytest.mark.synapse

MakeUser = Callable[..., TestUser]


def test_room_messages_carry_the_suffix_and_a_room_without_power_is_reported(
    synapse: SynapseServer, room_bot: TestUser, bot_client: MatrixClient, make_room, *,
    make_matrix_user: MakeUser, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MATRIX_NOTICE_SUFFIX", "— the moderators")
    get_settings.cache_clear()
    alice = make_matrix_user()
    plain, secret = make_room(name="Open"), make_room(name="Secret", encrypted=True)
    muted = make_room(alice, name="Muted", power_overrides={"events_default": 50})
    rooms.sync_rooms(actor="tester")
    seen: list[rooms.Progress] = []

    warned = messaging.encrypted_rooms([plain, secret, muted])
    outcomes = messaging.send_to_rooms(actor="mod", room_ids=[plain, secret, muted],
                                       body="  Meeting at 8 ", on_progress=seen.append)

    assert warned == [secret]
    assert [o.status for o in outcomes] == [Status.DONE, Status.DONE, Status.FORBIDDEN]
    for room, outcome in zip((plain, secret), outcomes, strict=False):
        last = synapse.messages(room_bot, room)[-1]
        assert last["event_id"] == outcome.reason
        assert last["content"]["body"] == "Meeting at 8\n\n— the moderators"
        assert last["content"]["msgtype"] == "m.text"
    assert synapse.messages(alice, muted) == []
    assert (seen[-1].done, seen[-1].total) == (3, 3)
    row = audit.search(audit.AuditFilter(action="messages.rooms")).rows[0]
    assert (row.outcome, row.details["encrypted"], row.details["counts"]) == (
        "partial", 1, {"done": 2, "forbidden": 1})


def test_direct_messages_create_then_reuse_the_dm_and_are_readable_as_text(
    synapse: SynapseServer, room_bot: TestUser, bot_client: MatrixClient,
    make_matrix_user: MakeUser,
) -> None:
    alice, bob = make_matrix_user(), make_matrix_user()
    ghost = f"@ghost-{alice.localpart}:{synapse.server_name}"

    outcomes = messaging.send_direct(
        actor="mod", user_ids=f"{alice.user_id}\n{bob.user_id}, {ghost}\n\n", body="Hello there",
        notice=True)

    assert [(o.user_id, o.status) for o in outcomes] == [
        (alice.user_id, Status.DONE), (bob.user_id, Status.DONE), (ghost, Status.FAILED)]
    assert "no such user" in outcomes[2].reason
    dm = outcomes[0].room_id
    assert synapse.membership(room_bot, dm, alice.user_id) == "invite"
    synapse.join(alice, dm)
    received = synapse.messages(alice, dm)[-1]["content"]
    assert (received["body"], received["msgtype"]) == ("Hello there", "m.notice")
    assert synapse.account_data(room_bot, "m.direct")[alice.user_id] == [dm]

    again = messaging.send_direct(actor="mod", user_ids=[alice.user_id], body="Second")

    assert (again[0].status, again[0].room_id) == (Status.DONE, dm)
    assert synapse.messages(alice, dm)[-1]["content"]["body"] == "Second"
    rows = audit.search(audit.AuditFilter(action="messages.direct")).rows
    assert sorted((r.member, r.outcome) for r in rows) == sorted([
        (alice.user_id, "ok"), (alice.user_id, "ok"), (bob.user_id, "ok"), (ghost, "failed")])


def test_messaging_refuses_bad_input_and_a_refused_token_with_clear_errors(
    synapse: SynapseServer, room_bot: TestUser, bot_client: MatrixClient
) -> None:
    for call, field in (
        (lambda: messaging.send_to_rooms(actor="m", room_ids=["!a:x"], body="  "), "Message"),
        (lambda: messaging.send_to_rooms(actor="m", room_ids=[], body="hi"), "Rooms"),
        (lambda: messaging.send_direct(actor="m", user_ids="bob", body="hi"), "Recipients"),
        (lambda: messaging.send_direct(actor="m", user_ids=" \n", body="hi"), "Recipients"),
        (lambda: messaging.send_direct(actor="m", user_ids=[room_bot.user_id], body="hi"),
         "Recipients"),
    ):
        with pytest.raises(InputError) as caught:
            call()
        assert caught.value.field == field
    with MatrixClient(synapse.url, "syt_not_valid", room_bot.user_id, timeout=5) as bad, \
            installed(bad):
        with pytest.raises(MatrixUnknownToken, match="MATRIX_ACCESS_TOKEN"):
            messaging.send_to_rooms(actor="m", room_ids=["!a:test.local"], body="hi")
        with pytest.raises(MatrixUnknownToken, match="MATRIX_ACCESS_TOKEN"):
            messaging.send_direct(actor="m", user_ids=["@a:test.local"], body="hi")
