"""Removal against a real Synapse: live preview (admin API and plain bot), power checks, kick and
ban with a message, forbidden rooms, retries, refusals, and the cost in requests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest

from app.services import audit, removal, rooms
from app.utils.config import get_settings
from app.utils.errors import InputError
from app.utils.matrix import MatrixClient, MatrixUnknownToken, Status
from tests.support.matrix_rooms import (
    RequestCounter,
    bot_client,
    dead_client,
    installed,
    make_room,
    room_bot,
)
from tests.support.synapse import SynapseServer, TestUser
from tests.support.synapse_fixtures import client_for

__all__ = ["bot_client", "dead_client", "make_room", "room_bot"]  # fixtures used below

pytestmark = pytest.mark.synapse

MakeUser = Callable[..., TestUser]


def leave(synapse: SynapseServer, user: TestUser, room: str) -> None:
    synapse.request("POST", f"/_matrix/client/v3/rooms/{quote(room, safe='')}/leave",
                    token=user.access_token, json={})


def timeline(synapse: SynapseServer, reader: TestUser, room: str) -> list[dict[str, Any]]:
    """The room's recent events, oldest first, as `reader` sees them."""
    data = synapse.request("GET", f"/_matrix/client/v3/rooms/{quote(room, safe='')}/messages",
                           token=reader.access_token, params={"dir": "b", "limit": 50})
    return list(reversed(data["chunk"]))


def test_admin_preview_lists_only_rooms_the_user_is_in_now_with_the_bots_power(
    synapse: SynapseServer, room_bot: TestUser, bot_client: MatrixClient, make_room,
    make_matrix_user: MakeUser,
) -> None:
    spammer, alice = make_matrix_user(), make_matrix_user()
    strong, left = make_room(name="Strong"), make_room(name="Left already")
    weak = make_room(alice, name="Weak")  # the bot has power 0 there
    peer = make_room(alice, name="Peer")
    synapse.set_power_level(alice, peer, room_bot.user_id, 50)
    elsewhere = synapse.create_room(alice)  # the bot is not in it
    for room, owner in ((strong, room_bot), (left, room_bot), (weak, alice), (peer, alice),
                        (elsewhere, alice)):
        synapse.add_member(owner, room, spammer)
    synapse.set_power_level(alice, peer, spammer.user_id, 50)
    rooms.sync_rooms(actor="tester")  # the cache says: in `left` too
    leave(synapse, spammer, left)  # ...which is stale now

    preview = removal.preview_removal(spammer.user_id, actor="tester")

    assert preview.source == "admin-api"
    assert preview.other_rooms == 1
    by_id = {r.room_id: r for r in preview.rooms}
    assert set(by_id) == {strong, weak, peer}
    assert [r.name for r in preview.rooms] == ["Peer", "Strong", "Weak"]
    assert by_id[strong].can_kick and by_id[strong].can_ban and by_id[strong].reason == ""
    assert not by_id[weak].can_kick
    assert "kicking needs power 50, the bot has 0" in by_id[weak].reason
    assert not by_id[peer].can_ban
    assert "their power level 50 is not below the bot's 50" in by_id[peer].reason
    assert preview.room_ids("kick") == [strong]


def test_a_plain_bot_reads_membership_live_and_a_stale_cache_does_not_fool_it(
    synapse: SynapseServer, db: str, make_matrix_user: MakeUser
) -> None:
    plain_bot, member, invited = make_matrix_user(), make_matrix_user(), make_matrix_user()
    with client_for(synapse, plain_bot) as client, installed(client):
        joined, left = (synapse.create_room(plain_bot, name=n) for n in ("Joined", "Left"))
        pending = synapse.create_room(plain_bot, name="Pending", invite=[member.user_id])
        for room in (joined, left):
            synapse.add_member(plain_bot, room, member)
        synapse.create_room(plain_bot, name="Unrelated", invite=[invited.user_id])
        rooms.sync_rooms(actor="tester")
        leave(synapse, member, left)

        preview = removal.preview_removal(member.user_id, actor="tester")

    assert preview.source == "live-membership"
    assert {(r.room_id, r.membership) for r in preview.rooms} == {
        (joined, "join"), (pending, "invite")}
    assert all(r.can_kick and r.can_ban for r in preview.rooms)
    assert "not a server admin" in preview.note and preview.unchecked == ()


def test_admin_preview_and_removal_cost(
    synapse: SynapseServer, room_bot: TestUser, bot_client: MatrixClient, make_room,
    make_matrix_user: MakeUser,
) -> None:
    member = make_matrix_user()
    theirs = [make_room(name=f"Theirs {i}") for i in range(2)]
    for room in theirs:
        synapse.add_member(room_bot, room, member)
    make_room(name="Not theirs")
    rooms.sync_rooms(actor="tester")  # room names come from the stored rooms, as in a running app
    bot_client.is_server_admin()  # cached from here on

    others_before = len(bot_client.joined_rooms()) - len(theirs)
    with RequestCounter(bot_client) as few:
        removal.preview_removal(member.user_id, actor="tester")
    for i in range(4):
        make_room(name=f"More bot rooms {i}")
    with RequestCounter(bot_client) as many:
        preview = removal.preview_removal(member.user_id, actor="tester")
    with RequestCounter(bot_client) as removing:
        outcomes = removal.remove_from_rooms(actor="mod", user_id=member.user_id,
                                             room_ids=preview.room_ids("kick"), action="kick",
                                             reason="test")

    # admin joined_rooms + bot joined_rooms + 2 power-level reads per room of the user (the
    # levels and m.room.create, read once per process: it never changes), and one membership
    # read per other bot room: the admin API lists joined rooms only, and a pending invite or
    # knock there must not survive a removal.
    assert few.count == 2 + 2 * len(theirs) + others_before
    assert many.count - few.count == 4 - len(theirs)  # 4 more rooms; m.room.create known
    # Per room, right after the preview: a live membership read and the kick.
    assert removing.count == 2 * len(theirs)
    assert [o.status for o in outcomes] == [Status.DONE, Status.DONE]


def test_kick_posts_the_message_first_then_removes_and_audits(
    synapse: SynapseServer, room_bot: TestUser, bot_client: MatrixClient, make_room, *,
    make_matrix_user: MakeUser, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MATRIX_NOTICE_SUFFIX", "(sent by the moderators)")
    get_settings.cache_clear()
    spammer = make_matrix_user()
    first, second = make_room(name="First"), make_room(name="Second")
    for room in (first, second):
        synapse.add_member(room_bot, room, spammer)
    seen: list[rooms.Progress] = []

    outcomes = removal.remove_from_rooms(
        actor="mod", user_id=spammer.user_id, room_ids=[first, second], action="kick",
        reason="spam links", message_key="removal_spam", display_name="Spammy",
        on_progress=seen.append)

    assert [(o.status, o.message) for o in outcomes] == [(Status.DONE, "sent")] * 2
    for room in (first, second):
        event = synapse.member_event(room_bot, room, spammer.user_id)
        assert (event["membership"], event["reason"]) == ("leave", "spam links")
        events = timeline(synapse, room_bot, room)
        notice = next(e for e in events if e["type"] == "m.room.message")
        kick = next(e for e in events if e["type"] == "m.room.member"
                    and e["state_key"] == spammer.user_id and e["content"]["membership"] == "leave")
        assert events.index(notice) < events.index(kick)  # posted before the removal
        content = notice["content"]
        assert content["msgtype"] == "m.notice"
        assert content["body"] == ("Spammy was removed for spamming. Reason: spam links\n\n"
                                   "(sent by the moderators)")
        assert f"https://matrix.to/#/{spammer.user_id}" in content["formatted_body"]
        assert content["m.mentions"] == {"user_ids": [spammer.user_id]}
    assert {"Checking power levels", "Checking membership", "Posting the message",
            "Kicking"} <= {p.phase for p in seen}
    row = audit.search(audit.AuditFilter(action="rooms.kick")).rows[0]
    assert (row.member, row.outcome, row.details["messages_sent"]) == (spammer.user_id, "ok", 2)
    assert row.details["reason"] == "spam links"


def test_ban_reports_a_forbidden_room_finishes_the_rest_and_a_retry_completes_it(
    synapse: SynapseServer, room_bot: TestUser, bot_client: MatrixClient, make_room,
    make_matrix_user: MakeUser,
) -> None:
    alice, spammer = make_matrix_user(), make_matrix_user()
    weak, mine = make_room(alice, name="Alice's"), make_room(name="Mine")
    synapse.add_member(alice, weak, spammer)
    synapse.add_member(room_bot, mine, spammer)
    request = {"actor": "mod", "user_id": spammer.user_id, "action": "ban", "reason": "abuse",
               "message_key": "removal_custom", "custom_message": "{mention} is banned: {reason}"}

    outcomes = removal.remove_from_rooms(room_ids=[weak, mine], **request)

    assert [o.status for o in outcomes] == [Status.FORBIDDEN, Status.DONE]
    assert "banning needs power 50, the bot has 0" in outcomes[0].reason
    assert (outcomes[0].message, outcomes[1].message) == ("", "sent")
    assert synapse.membership(alice, weak, spammer.user_id) == "join"
    assert synapse.membership(room_bot, mine, spammer.user_id) == "ban"
    assert [m["sender"] for m in synapse.messages(alice, weak)] == []  # no false announcement
    assert synapse.messages(room_bot, mine)[-1]["content"]["body"] == (
        f"{spammer.user_id} is banned: abuse")
    assert removal.failed_rooms(outcomes) == [weak]

    synapse.set_power_level(alice, weak, room_bot.user_id, 100)  # an admin fixes the power
    retried = removal.retry_failed(outcomes=outcomes, **request)

    assert [(o.room_id, o.status, o.message) for o in retried] == [(weak, Status.DONE, "sent")]
    assert synapse.membership(alice, weak, spammer.user_id) == "ban"
    merged = removal.merge_outcomes(outcomes, retried)
    assert [o.ok for o in merged] == [True, True] and removal.failed_rooms(merged) == []
    assert [r.outcome for r in audit.search(audit.AuditFilter(action="rooms.ban")).rows] == [
        "ok", "partial"]


def test_a_retry_does_not_post_the_message_again_where_it_was_sent(
    synapse: SynapseServer, room_bot: TestUser, bot_client: MatrixClient, make_room,
    make_matrix_user: MakeUser,
) -> None:
    member = make_matrix_user()
    room = make_room(name="Once")
    synapse.add_member(room_bot, room, member)
    earlier = [removal.RemovalOutcome(room, Status.UNREACHABLE, "no answer", "sent")]

    retried = removal.retry_failed(actor="mod", user_id=member.user_id, outcomes=earlier,
                                   action="kick", reason="inactive",
                                   message_key="removal_inactive")

    assert [(o.status, o.message) for o in retried] == [
        (Status.DONE, removal.MESSAGE_SENT_BEFORE)]
    assert synapse.messages(room_bot, room) == []


def test_the_bot_itself_and_bad_input_are_refused_before_any_request(
    room_bot: TestUser, bot_client: MatrixClient
) -> None:
    room = "!somewhere:test.local"
    cases: list[tuple[dict[str, Any], str]] = [
        ({"user_id": room_bot.user_id}, "Matrix user ID"),
        ({"user_id": "not-an-id"}, "Matrix user ID"),
        ({"reason": "   "}, "Reason"),
        ({"action": "mute"}, "Action"),
        ({"room_ids": []}, "Rooms"),
        ({"message_key": "removal_custom", "custom_message": "{password}"}, "Custom message"),
        ({"message_key": "welcome_dm"}, "Message"),
    ]
    with RequestCounter(bot_client) as requests:
        for change, field in cases:
            request = {"actor": "mod", "user_id": "@someone:test.local", "room_ids": [room],
                       "action": "kick", "reason": "spam", **change}
            with pytest.raises(InputError) as caught:
                removal.remove_from_rooms(**request)
            assert caught.value.field == field
        with pytest.raises(InputError, match="never removes itself"):
            removal.preview_removal(room_bot.user_id, actor="tester")

    assert requests.count == 0


def test_a_refused_token_is_one_clear_error_for_preview_and_removal(
    synapse: SynapseServer, room_bot: TestUser, db: str
) -> None:
    with MatrixClient(synapse.url, "syt_not_valid", room_bot.user_id, timeout=5) as client, \
            installed(client):
        with pytest.raises(MatrixUnknownToken, match="MATRIX_ACCESS_TOKEN"):
            removal.preview_removal("@someone:test.local", actor="tester")
        with pytest.raises(MatrixUnknownToken, match="MATRIX_ACCESS_TOKEN"):
            removal.remove_from_rooms(actor="mod", user_id="@someone:test.local",
                                      room_ids=["!a:test.local", "!b:test.local"],
                                      action="kick", reason="spam")


def test_with_the_homeserver_down_the_preview_falls_back_to_the_labelled_cache(
    synapse: SynapseServer, room_bot: TestUser, bot_client: MatrixClient, *,
    dead_client: MatrixClient, make_room, make_matrix_user: MakeUser,
) -> None:
    member = make_matrix_user()
    room = make_room(name="Cached room")
    synapse.add_member(room_bot, room, member)
    rooms.sync_rooms(actor="tester")

    with installed(dead_client):
        preview = removal.preview_removal(member.user_id, actor="tester")
        outcomes = removal.remove_from_rooms(actor="mod", user_id=member.user_id,
                                             room_ids=[room], action="kick", reason="spam")

    assert preview.source == "cache"
    assert "FROM THE CACHE" in preview.note and "may be out of date" in preview.note
    assert [(r.room_id, r.name, r.membership, r.can_kick) for r in preview.rooms] == [
        (room, "Cached room", "join", True)]
    assert [o.status for o in outcomes] == [Status.UNREACHABLE]  # reported, never "done"
    assert synapse.membership(room_bot, room, member.user_id) == "join"


class PageRunStopped(BaseException):
    """Like Streamlit's StopException: raised in a page's callback when someone clicks away."""


def test_a_progress_callback_that_stops_does_not_cut_a_removal_short(
    synapse: SynapseServer, room_bot: TestUser, bot_client: MatrixClient, make_room,
    make_matrix_user: MakeUser,
) -> None:
    member = make_matrix_user()
    first, second = make_room(name="First"), make_room(name="Second")
    for room in (first, second):
        synapse.add_member(room_bot, room, member)
    calls = []

    def stops(progress: rooms.Progress) -> None:
        calls.append(progress)
        raise PageRunStopped

    outcomes = removal.remove_from_rooms(actor="mod", user_id=member.user_id,
                                         room_ids=[first, second], action="kick",
                                         reason="spam", on_progress=stops)

    assert len(calls) == 1  # reported once, then no more
    assert [o.status for o in outcomes] == [Status.DONE, Status.DONE]
    assert audit.search(audit.AuditFilter(action="rooms.kick")).rows[0].member == member.user_id


def test_a_bot_demoted_from_server_admin_falls_back_to_live_membership(
    synapse: SynapseServer, room_bot: TestUser, bot_client: MatrixClient, make_room,
    make_matrix_user: MakeUser,
) -> None:
    member = make_matrix_user()
    room = make_room(name="Still checked")
    synapse.add_member(room_bot, room, member)
    assert bot_client.is_server_admin()  # known (and cached) while it was an admin
    synapse.request("PUT", f"/_synapse/admin/v1/users/{quote(room_bot.user_id)}/admin",
                    token=synapse.bot.access_token, json={"admin": False})

    preview = removal.preview_removal(member.user_id, actor="tester")

    assert preview.source == "live-membership"
    assert [(r.room_id, r.membership) for r in preview.rooms] == [(room, "join")]
