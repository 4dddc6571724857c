"""Messages with a transaction ID are posted once, however often the send is repeated or its
reply is lost (real Synapse; counted with /messages as a member of the room)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.utils.matrix import MatrixClient, MatrixConnectionLost, Status, txn_id
from tests.support.synapse import SynapseServer, TestUser
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.synapse

MakeUser = Callable[..., TestUser]


def bodies(synapse: SynapseServer, reader: TestUser, room: str) -> list[str]:
    return [e["content"]["body"] for e in synapse.messages(reader, room)]


def shared_rooms(synapse: SynapseServer, bot: TestUser, member: TestUser, n: int) -> list[str]:
    rooms = [synapse.create_room(bot, invite=[member.user_id]) for _ in range(n)]
    for room in rooms:
        synapse.join(member, room)
    return rooms


def test_send_message_repeated_with_one_txn_id_posts_once_and_another_id_posts_again(
    synapse: SynapseServer, matrix_client: MatrixClient, matrix_bot: TestUser,
    make_matrix_user: MakeUser,
) -> None:
    alice = make_matrix_user()
    [room] = shared_rooms(synapse, matrix_bot, alice, 1)
    key = txn_id("journey-1", "graduation", room)

    first = matrix_client.send_message(room, "Congratulations!", txn_id=key)
    again = matrix_client.send_message(room, "Congratulations!", txn_id=key)
    other = matrix_client.send_message(room, "Congratulations!",
                                       txn_id=txn_id("journey-2", "graduation", room))

    assert again == first  # the same event comes back
    assert other.event_id != first.event_id
    events = synapse.messages(alice, room)
    assert [e["event_id"] for e in events] == [first.event_id, other.event_id]


def test_send_many_with_txn_ids_posts_once_per_room_and_without_posts_each_time(
    synapse: SynapseServer, matrix_client: MatrixClient, matrix_bot: TestUser,
    make_matrix_user: MakeUser,
) -> None:
    alice = make_matrix_user()
    rooms = shared_rooms(synapse, matrix_bot, alice, 3)
    keys = {room: txn_id("journey-3", "notice", room) for room in rooms}

    runs = [matrix_client.send_many(rooms, "Rules updated", txn_ids=keys) for _ in range(2)]
    other = matrix_client.send_many(
        rooms, "Rules updated", txn_ids={room: txn_id("journey-4", "notice", room)
                                         for room in rooms})
    plain = [matrix_client.send_many(rooms, "No ID") for _ in range(2)]

    assert [o.status for o in (*runs[0], *runs[1], *other)] == [Status.DONE] * 9
    assert [o.reason for o in runs[1]] == [o.reason for o in runs[0]]  # the same event IDs
    assert all(p.ok for run in plain for p in run)
    for room in rooms:
        assert bodies(synapse, alice, room) == ["Rules updated"] * 2 + ["No ID"] * 2


def test_send_dm_repeated_with_one_txn_id_posts_once(
    synapse: SynapseServer, matrix_client: MatrixClient, make_matrix_user: MakeUser,
) -> None:
    alice = make_matrix_user()
    dm = matrix_client.ensure_dm(alice.user_id)
    synapse.join(alice, dm.room_id)
    key = txn_id("journey-5", "welcome_hello", alice.user_id)

    sent = [matrix_client.send_dm(alice.user_id, "Hello!", txn_id=key) for _ in range(3)]
    matrix_client.send_dm(alice.user_id, "Hello!", txn_id=txn_id("journey-6", "welcome_hello",
                                                                  alice.user_id))

    assert sent[0] == sent[1] == sent[2]
    assert sent[0].room_id == dm.room_id
    assert bodies(synapse, alice, dm.room_id) == ["Hello!", "Hello!"]


def test_a_send_whose_replies_are_dropped_is_retried_with_its_id_and_posts_once(
    synapse: SynapseServer, synapse_proxy: TcpProxy, proxied_client: MatrixClient,
    matrix_bot: TestUser, make_matrix_user: MakeUser,
) -> None:
    alice = make_matrix_user()
    rooms = shared_rooms(synapse, matrix_bot, alice, 3)
    # aiohttp repeats a PUT once by itself; two drops make the client's own retry run too.
    synapse_proxy.drop_replies_to("PUT", times=2)
    sent = proxied_client.send_message(rooms[0], "Once", txn_id=txn_id("j7", "s", rooms[0]))
    dropped_single = synapse_proxy.dropped
    synapse_proxy.drop_replies_to("PUT", times=len(rooms))
    outcomes = proxied_client.send_many(rooms[1:], "Once",
                                        txn_ids={r: txn_id("j7", "s", r) for r in rooms[1:]})

    assert dropped_single == 2
    assert synapse_proxy.dropped > dropped_single
    assert [e["event_id"] for e in synapse.messages(alice, rooms[0])] == [sent.event_id]
    assert [o.status for o in outcomes] == [Status.DONE] * 2
    for room, outcome in zip(rooms[1:], outcomes, strict=True):
        assert [e["event_id"] for e in synapse.messages(alice, room)] == [outcome.reason]


def test_a_send_whose_every_reply_is_lost_says_so_and_the_repeat_finds_the_one_event(
    synapse: SynapseServer, synapse_proxy: TcpProxy, proxied_client: MatrixClient,
    matrix_bot: TestUser, make_matrix_user: MakeUser,
) -> None:
    alice = make_matrix_user()
    [room] = shared_rooms(synapse, matrix_bot, alice, 1)
    key = txn_id("journey-8", "graduation", room)
    synapse_proxy.drop_replies_to("PUT")

    with pytest.raises(MatrixConnectionLost) as caught:
        proxied_client.send_message(room, "Posted, unheard", txn_id=key)
    synapse_proxy.drop_replies_to()  # replies flow again
    repeat = proxied_client.send_message(room, "Posted, unheard", txn_id=key)

    assert "may have been applied" in str(caught.value)
    assert [e["event_id"] for e in synapse.messages(alice, room)] == [repeat.event_id]
