"""MatrixClient against a real Synapse: reads, per-room outcomes, moderation, messages, DMs."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import pytest

from app.utils.config import Settings
from app.utils.errors import InputError, NotConfigured
from app.utils.matrix import (
    CREATOR_LEVEL,
    MatrixClient,
    MatrixForbidden,
    MatrixNotFound,
    MatrixUnknownToken,
    Membership,
    RoomOutcome,
    Status,
    mention_html,
)
from tests.support.synapse import SynapseServer, TestUser, free_port
from tests.support.synapse_fixtures import client_for

MakeUser = Callable[..., TestUser]


def statuses(outcomes: list[RoomOutcome]) -> dict[str, Status]:
    return {o.room_id: o.status for o in outcomes}


@pytest.mark.synapse
def test_check_token_and_health_answer_for_the_configured_bot(
    matrix_client: MatrixClient, matrix_bot: TestUser
) -> None:
    identity = matrix_client.check_token()
    health = matrix_client.health()

    assert identity.user_id == matrix_bot.user_id
    assert identity.device_id
    assert "v1.11" in health.versions
    assert health.latency_ms > 0


@pytest.mark.synapse
def test_bad_token_raises_unknown_token_with_a_user_facing_message(
    synapse: SynapseServer, matrix_bot: TestUser
) -> None:
    client = MatrixClient(synapse.url, "syt_not_a_real_token", matrix_bot.user_id, timeout=5)
    with client, pytest.raises(MatrixUnknownToken) as caught:
        client.check_token()

    assert caught.value.errcode == "M_UNKNOWN_TOKEN"
    assert "MATRIX_ACCESS_TOKEN" in str(caught.value)
    assert "syt_not_a_real_token" not in str(caught.value)


@pytest.mark.synapse
def test_joined_rooms_and_room_info_report_name_topic_alias_counts_power_and_encryption(
    synapse: SynapseServer, matrix_client: MatrixClient, matrix_bot: TestUser,
    make_matrix_user: MakeUser,
) -> None:
    alice, bob = make_matrix_user(), make_matrix_user()
    alias = f"info{time.monotonic_ns()}"
    room = synapse.create_room(matrix_bot, name="Gardening", topic="Seeds and soil",
                               alias=alias, encrypted=True, invite=[bob.user_id],
                               power_overrides={"kick": 60, "ban": 70, "invite": 10,
                                                "state_default": 55, "users_default": 1})
    synapse.add_member(matrix_bot, room, alice)
    synapse.set_power_level(matrix_bot, room, alice.user_id, 40)
    plain = synapse.create_room(alice, name="Alice's room", invite=[matrix_bot.user_id])
    synapse.join(matrix_bot, plain)

    joined = matrix_client.joined_rooms()
    info = matrix_client.room_info(f"#{alias}:{synapse.server_name}")
    plain_info = matrix_client.room_info(plain)

    assert {room, plain} <= set(joined)
    assert info.room_id == room
    assert (info.name, info.topic) == ("Gardening", "Seeds and soil")
    assert info.canonical_alias == f"#{alias}:{synapse.server_name}"
    assert (info.joined_members, info.invited_members) == (2, 1)
    assert info.encrypted is True
    assert info.is_direct is False
    assert info.room_version == "12"
    power = info.power
    assert (power.kick, power.ban, power.invite, power.state_default, power.users_default) == (
        60, 70, 10, 55, 1)
    assert power.level_of(alice.user_id) == 40
    assert power.level_of(bob.user_id) == 1  # users_default
    assert info.bot_level == CREATOR_LEVEL  # room v12: the creator is all-powerful
    assert plain_info.encrypted is False
    assert plain_info.bot_level == 0
    assert plain_info.power.level_of(alice.user_id) == CREATOR_LEVEL
    assert matrix_client.power_levels(room).level_of(alice.user_id) == 40


@pytest.mark.synapse
def test_rooms_info_gives_one_lookup_per_room_including_a_room_the_bot_is_not_in(
    synapse: SynapseServer, matrix_client: MatrixClient, matrix_bot: TestUser,
    make_matrix_user: MakeUser,
) -> None:
    alice = make_matrix_user()
    mine = synapse.create_room(matrix_bot, name="Mine")
    theirs = synapse.create_room(alice, name="Private to Alice")

    lookups = matrix_client.rooms_info([mine, theirs, mine])

    assert [lk.room_id for lk in lookups] == [mine, theirs]  # duplicates collapse
    assert lookups[0].ok and lookups[0].value is not None and lookups[0].value.name == "Mine"
    assert lookups[1].status is Status.FORBIDDEN and lookups[1].value is None
    assert "M_FORBIDDEN" in lookups[1].reason


@pytest.mark.synapse
def test_members_and_membership_are_read_live(
    synapse: SynapseServer, matrix_client: MatrixClient, matrix_bot: TestUser,
    make_matrix_user: MakeUser,
) -> None:
    alice, bob, carol = make_matrix_user(), make_matrix_user(), make_matrix_user()
    # Set before joining: Synapse updates existing member events in the background.
    synapse.request("PUT", f"/_matrix/client/v3/profile/{alice.user_id}/displayname",
                    token=alice.access_token, json={"displayname": "Alice A."})
    room = synapse.create_room(matrix_bot, invite=[bob.user_id])
    synapse.add_member(matrix_bot, room, alice)

    members = {m.user_id: m.display_name for m in matrix_client.joined_members(room)}
    looked_up = matrix_client.memberships(user_id=bob.user_id, rooms=[room])

    assert members == {matrix_bot.user_id: "bot", alice.user_id: "Alice A."}
    assert matrix_client.membership(room_id=room, user_id=alice.user_id) is Membership.JOIN
    assert matrix_client.membership(room_id=room, user_id=carol.user_id) is Membership.NONE
    assert looked_up[0].value is Membership.INVITE
    # nio parses a 403 on a single state event as a success; the client must not.
    private = synapse.create_room(carol)
    with pytest.raises(MatrixForbidden):
        matrix_client.membership(room_id=private, user_id=carol.user_id)


@pytest.mark.synapse
def test_invite_many_reports_done_already_and_forbidden_per_room(
    synapse: SynapseServer, matrix_client: MatrixClient, matrix_bot: TestUser,
    make_matrix_user: MakeUser,
) -> None:
    alice, newcomer = make_matrix_user(), make_matrix_user()
    fresh = [synapse.create_room(matrix_bot, name=f"fresh {i}") for i in range(3)]
    invited = synapse.create_room(matrix_bot, invite=[newcomer.user_id])
    joined = synapse.create_room(matrix_bot)
    synapse.add_member(matrix_bot, joined, newcomer)
    # The bot is a plain member (power 0) where inviting needs 50.
    weak = synapse.create_room(alice, power_overrides={"invite": 50}, invite=[matrix_bot.user_id])
    synapse.join(matrix_bot, weak)
    seen: list[tuple[str, str]] = []

    outcomes = matrix_client.invite_many(
        user_id=newcomer.user_id, rooms=[*fresh, invited, joined, weak],
        on_outcome=lambda o: seen.append((o.room_id, threading.current_thread().name)),
    )

    assert [o.room_id for o in outcomes] == [*fresh, invited, joined, weak]
    # No read before an invite: a repeated invite is a no-op Synapse answers 200 (done: they are
    # invited); a member is refused, and only then read (already).
    assert statuses(outcomes) == {**dict.fromkeys(fresh, Status.DONE), invited: Status.DONE,
                                  joined: Status.ALREADY, weak: Status.FORBIDDEN}
    assert "M_FORBIDDEN" in outcomes[-1].reason
    assert sorted(r for r, _ in seen) == sorted(o.room_id for o in outcomes)
    assert {name for _, name in seen} == {threading.current_thread().name}  # caller's thread
    for room in fresh:
        assert synapse.membership(matrix_bot, room, newcomer.user_id) == "invite"
    assert synapse.membership(alice, weak, newcomer.user_id) == "none"
    single = matrix_client.invite(room_id=joined, user_id=newcomer.user_id)
    assert (single.status, single.reason) == (Status.ALREADY, "already a member")
    with pytest.raises(MatrixForbidden, match="power level"):
        matrix_client.invite(room_id=weak, user_id=make_matrix_user().user_id)


@pytest.mark.synapse
def test_kick_and_ban_with_reason_show_in_the_users_membership(
    synapse: SynapseServer, matrix_client: MatrixClient, matrix_bot: TestUser,
    make_matrix_user: MakeUser,
) -> None:
    spammer = make_matrix_user()
    kick_room, ban_room, never = (synapse.create_room(matrix_bot) for _ in range(3))
    for room in (kick_room, ban_room):
        synapse.add_member(matrix_bot, room, spammer)

    kicked = matrix_client.kick(room_id=kick_room, user_id=spammer.user_id, reason="off-topic")
    banned = matrix_client.ban(room_id=ban_room, user_id=spammer.user_id, reason="spam links")
    again = matrix_client.kick_many(user_id=spammer.user_id, rooms=[kick_room, never],
                                    reason="off-topic")
    rebanned = matrix_client.ban_many(user_id=spammer.user_id, rooms=[ban_room, never],
                                      reason="spam links")

    assert (kicked.status, banned.status) == (Status.DONE, Status.DONE)
    kick_event = synapse.member_event(matrix_bot, kick_room, spammer.user_id)
    ban_event = synapse.member_event(matrix_bot, ban_room, spammer.user_id)
    assert (kick_event["membership"], kick_event["reason"]) == ("leave", "off-topic")
    assert (ban_event["membership"], ban_event["reason"]) == ("ban", "spam links")
    assert [o.status for o in again] == [Status.ALREADY, Status.ALREADY]
    assert "leave" in again[0].reason and "none" in again[1].reason
    # Banning someone who never joined is allowed (pre-emptive ban).
    assert [o.status for o in rebanned] == [Status.ALREADY, Status.DONE]
    assert synapse.membership(matrix_bot, never, spammer.user_id) == "ban"


@pytest.mark.synapse
def test_the_bot_refuses_to_kick_ban_or_change_power_of_itself(
    synapse: SynapseServer, matrix_bot: TestUser, make_matrix_user: MakeUser
) -> None:
    # The bot is a moderator (not the creator) so a power change on itself would be possible.
    owner = make_matrix_user()
    room = synapse.create_room(owner, invite=[matrix_bot.user_id])
    synapse.join(matrix_bot, room)
    synapse.set_power_level(owner, room, matrix_bot.user_id, 50)

    with client_for(synapse) as client:
        kick = client.kick(room_id=room, user_id=matrix_bot.user_id, reason="x")
        bans = client.ban_many(user_id=matrix_bot.user_id, rooms=[room], reason="x")
        power = client.set_power_level(room_id=room, user_id=matrix_bot.user_id, level=0)

    assert [kick.status, bans[0].status, power.status] == [Status.SKIPPED] * 3
    assert "itself" in kick.reason
    assert synapse.membership(owner, room, matrix_bot.user_id) == "join"
    levels = synapse.state(owner, room, "m.room.power_levels")
    assert levels["users"][matrix_bot.user_id] == 50


@pytest.mark.synapse
def test_message_is_readable_by_another_member_with_html_mention(
    synapse: SynapseServer, matrix_client: MatrixClient, matrix_bot: TestUser,
    make_matrix_user: MakeUser,
) -> None:
    alice = make_matrix_user()
    room = synapse.create_room(matrix_bot)
    synapse.add_member(matrix_bot, room, alice)
    pill = mention_html(alice.user_id, "Alice <3")

    sent = matrix_client.send_message(room, "Welcome Alice <3!", html_body=f"Welcome {pill}!",
                                      mentions=[alice.user_id])
    notice = matrix_client.send_message(room, "Maintenance at 6pm", notice=True)

    events = synapse.messages(alice, room)
    by_id = {e["event_id"]: e["content"] for e in events}
    assert by_id[sent.event_id]["body"] == "Welcome Alice <3!"
    assert by_id[sent.event_id]["msgtype"] == "m.text"
    assert by_id[sent.event_id]["formatted_body"] == (
        f'Welcome <a href="https://matrix.to/#/{alice.user_id}">Alice &lt;3</a>!')
    assert by_id[sent.event_id]["m.mentions"] == {"user_ids": [alice.user_id]}
    assert by_id[notice.event_id]["msgtype"] == "m.notice"
    assert by_id[notice.event_id]["m.mentions"] == {}


@pytest.mark.synapse
def test_send_many_reports_each_room_and_forbidden_where_the_bot_is_absent(
    synapse: SynapseServer, matrix_client: MatrixClient, matrix_bot: TestUser,
    make_matrix_user: MakeUser,
) -> None:
    alice = make_matrix_user()
    rooms = [synapse.create_room(matrix_bot, invite=[alice.user_id]) for _ in range(3)]
    elsewhere = synapse.create_room(alice)

    outcomes = matrix_client.send_many([*rooms, elsewhere], "Server upgrade tonight", notice=True)

    assert [o.status for o in outcomes] == [Status.DONE] * 3 + [Status.FORBIDDEN]
    for room, outcome in zip(rooms, outcomes[:3], strict=True):
        bodies = {e["event_id"]: e["content"]["body"] for e in synapse.messages(matrix_bot, room)}
        assert bodies[outcome.reason] == "Server upgrade tonight"  # reason holds the event ID


@pytest.mark.synapse
def test_dm_is_created_recorded_in_m_direct_reused_and_readable(
    synapse: SynapseServer, matrix_client: MatrixClient, matrix_bot: TestUser,
    make_matrix_user: MakeUser,
) -> None:
    alice = make_matrix_user()

    assert matrix_client.find_dm(alice.user_id) is None
    first = matrix_client.ensure_dm(alice.user_id)
    second = matrix_client.ensure_dm(alice.user_id)
    sent = matrix_client.send_dm(alice.user_id, "Welcome to the community!")

    assert first.created is True and second.created is False
    assert second.room_id == first.room_id == sent.room_id
    assert first.room_id in synapse.account_data(matrix_bot, "m.direct")[alice.user_id]
    invite = synapse.member_event(matrix_bot, first.room_id, alice.user_id)
    assert invite["membership"] == "invite" and invite["is_direct"] is True
    synapse.join(alice, first.room_id)
    bodies = [e["content"]["body"] for e in synapse.messages(alice, first.room_id)]
    assert bodies == ["Welcome to the community!"]
    assert matrix_client.room_info(first.room_id).is_direct is True


@pytest.mark.synapse
def test_dm_with_an_unknown_user_is_refused_without_creating_a_room(
    synapse: SynapseServer, matrix_client: MatrixClient
) -> None:
    ghost = f"@ghost{time.monotonic_ns()}:{synapse.server_name}"
    before = set(matrix_client.joined_rooms())

    with pytest.raises(MatrixNotFound, match="no such user"):
        matrix_client.send_dm(ghost, "hello?")

    assert matrix_client.user_exists(ghost) is False
    assert set(matrix_client.joined_rooms()) == before


@pytest.mark.synapse
def test_dm_is_recreated_when_the_user_left_the_old_one(
    synapse: SynapseServer, matrix_client: MatrixClient, make_matrix_user: MakeUser
) -> None:
    alice = make_matrix_user()
    old = matrix_client.ensure_dm(alice.user_id)
    synapse.join(alice, old.room_id)
    synapse.request("POST", f"/_matrix/client/v3/rooms/{old.room_id}/leave",
                    token=alice.access_token, json={})

    new = matrix_client.ensure_dm(alice.user_id)

    assert new.created is True and new.room_id != old.room_id
    assert matrix_client.find_dm(alice.user_id) == new.room_id


@pytest.mark.synapse
def test_power_level_set_single_and_many_with_already(
    synapse: SynapseServer, matrix_client: MatrixClient, matrix_bot: TestUser,
    make_matrix_user: MakeUser,
) -> None:
    alice, owner = make_matrix_user(), make_matrix_user()
    rooms = [synapse.create_room(matrix_bot, invite=[alice.user_id]) for _ in range(2)]
    weak = synapse.create_room(owner, invite=[matrix_bot.user_id])
    synapse.join(matrix_bot, weak)

    single = matrix_client.set_power_level(room_id=rooms[0], user_id=alice.user_id, level=50)
    many = matrix_client.set_power_level_many(user_id=alice.user_id, rooms=[*rooms, weak],
                                              level=50)
    creator = matrix_client.set_power_level(room_id=weak, user_id=owner.user_id, level=10)

    assert single.status is Status.DONE
    assert [o.status for o in many] == [Status.ALREADY, Status.DONE, Status.FORBIDDEN]
    assert creator.status is Status.SKIPPED  # room v12 creators have fixed, infinite power
    for room in rooms:
        assert synapse.state(matrix_bot, room, "m.room.power_levels")["users"][alice.user_id] == 50
    back = matrix_client.set_power_level(room_id=rooms[0], user_id=alice.user_id, level=0)
    assert back.status is Status.DONE
    assert alice.user_id not in synapse.state(matrix_bot, rooms[0], "m.room.power_levels")["users"]


@pytest.mark.synapse
def test_synapse_admin_lookup_lists_rooms_the_bot_is_not_in(
    synapse: SynapseServer, matrix_client: MatrixClient, make_matrix_user: MakeUser
) -> None:
    alice, plain = make_matrix_user(), make_matrix_user()
    hers = {synapse.create_room(alice) for _ in range(2)}

    assert matrix_client.is_server_admin() is True
    assert set(matrix_client.admin_joined_rooms(alice.user_id)) == hers
    with client_for(synapse, plain) as not_admin:
        assert not_admin.is_server_admin() is False
        with pytest.raises(MatrixForbidden, match="not a server admin"):
            not_admin.admin_joined_rooms(alice.user_id)


@pytest.mark.synapse
def test_a_failing_progress_callback_stops_the_run_and_surfaces(
    synapse: SynapseServer, matrix_client: MatrixClient, matrix_bot: TestUser,
    make_matrix_user: MakeUser,
) -> None:
    rooms = [synapse.create_room(matrix_bot) for _ in range(2)]

    def broken(outcome: RoomOutcome) -> None:
        raise RuntimeError("progress bar broke")

    with pytest.raises(RuntimeError, match="progress bar broke"):
        matrix_client.invite_many(user_id=make_matrix_user().user_id, rooms=rooms,
                                  on_outcome=broken)
    assert matrix_client.whoami().user_id == matrix_bot.user_id  # the client still works


@pytest.mark.synapse
def test_the_access_token_never_reaches_the_log(
    synapse: SynapseServer, matrix_bot: TestUser, make_matrix_user: MakeUser,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    room = synapse.create_room(matrix_bot)

    with client_for(synapse) as client:
        client.invite_many(user_id=make_matrix_user().user_id, rooms=[room])
        client.send_dm(make_matrix_user().user_id, "hi")
        with pytest.raises(MatrixForbidden):
            client.kick(room_id=synapse.create_room(make_matrix_user()),
                        user_id=make_matrix_user().user_id)

    assert room in caplog.text  # actions are logged with their IDs...
    assert matrix_bot.access_token not in caplog.text  # ...never with the token
    assert matrix_bot.access_token not in repr(client)


def test_bad_ids_are_rejected_before_any_request() -> None:
    # Nothing listens on this port: any request would end in MatrixUnreachable, not InputError.
    with MatrixClient(f"http://127.0.0.1:{free_port()}", "token", "@bot:example.org",
                      timeout=5) as client:
        started = time.monotonic()
        bad_calls = [
            lambda: client.invite(room_id="not-a-room", user_id="@a:example.org"),
            lambda: client.invite(room_id="!room:example.org", user_id="alice"),
            lambda: client.kick_many(user_id="@a:example.org", rooms=["!ok:x.org", "#alias"]),
            lambda: client.send_many(["!ok:example.org", ""], "hi"),
            lambda: client.send_dm("@no-server", "hi"),
            lambda: client.room_info("general"),
            lambda: client.set_power_level(room_id="!r:x.org", user_id="@a:x.org", level=1.5),
            lambda: client.send_message("!r:x.org", "hi", mentions=["bob"]),
        ]
        for call in bad_calls:
            with pytest.raises(InputError):
                call()
        with pytest.raises(TypeError):
            client.invite_many(user_id="@a:example.org", rooms="!room:example.org")
        assert time.monotonic() - started < 1
    with pytest.raises(InputError, match="MATRIX_BOT_USER_ID"):
        MatrixClient("http://127.0.0.1:1", "token", "bot")


def test_from_settings_names_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MATRIX_HOMESERVER_URL", "MATRIX_ACCESS_TOKEN", "MATRIX_BOT_USER_ID"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None, matrix_homeserver_url="https://matrix.example.org")

    with pytest.raises(NotConfigured) as caught:
        MatrixClient.from_settings(settings)

    assert caught.value.missing == ["MATRIX_ACCESS_TOKEN", "MATRIX_BOT_USER_ID"]
