"""Stored rooms against a real Synapse: sync, the one-sync lock, search, tags, recommendations,
invites."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import insert

from app import cli
from app.db.engine import session_scope
from app.db.models import Room, RoomMember, RoomSyncLock, utcnow
from app.services import audit, room_invites, rooms
from app.services.outcomes import describe_outcome
from app.services.rooms import sync_lock
from app.utils.config import get_settings
from app.utils.errors import InputError, NotConfigured
from app.utils.matrix import CREATOR_LEVEL, MatrixClient, MatrixUnknownToken, Status
from tests.support.matrix_rooms import bot_client, installed, make_room, room_bot
from tests.support.synapse import SynapseServer, TestUser

__all__ = ["bot_client", "make_room", "room_bot"]  # fixtures used below

pytestmark = pytest.mark.synapse

MakeUser = Callable[..., TestUser]


def leave(synapse: SynapseServer, user: TestUser, room: str) -> None:
    synapse.request("POST", f"/_matrix/client/v3/rooms/{quote(room, safe='')}/leave",
                    token=user.access_token, json={})


def audit_rows(action: str) -> list[audit.AuditRow]:
    return audit.search(audit.AuditFilter(action=action)).rows


def test_sync_stores_rooms_members_and_power_and_a_second_sync_updates_them(
    synapse: SynapseServer, room_bot: TestUser, bot_client: MatrixClient, make_room,
    make_matrix_user: MakeUser,
) -> None:
    alice, bob = make_matrix_user(), make_matrix_user()
    garden = make_room(name="Gardening", topic="Seeds and soil", alias=f"garden{alice.localpart}",
                       encrypted=True, invite=[bob.user_id],
                       power_overrides={"kick": 60, "ban": 70, "invite": 10,
                                        "state_default": 55, "users_default": 1})
    synapse.add_member(room_bot, garden, alice)
    synapse.set_power_level(room_bot, garden, alice.user_id, 40)
    # Alice created it; the bot has power 0 and inviting needs 50.
    theirs = make_room(alice, name="Alice's room", power_overrides={"invite": 50})
    soon_left = make_room(name="Soon left")
    seen: list[rooms.Progress] = []

    first = rooms.sync_rooms(actor="tester", on_progress=seen.append)

    assert first.status == "ok" and first.run is not None
    assert (first.run.rooms_total, first.run.rooms_synced, first.run.errors) == (3, 3, 0)
    stored = rooms.rooms_by_id([garden, theirs, soon_left])
    room = stored[garden]
    assert (room.name, room.topic) == ("Gardening", "Seeds and soil")
    assert room.canonical_alias == f"#garden{alice.localpart}:{synapse.server_name}"
    assert (room.joined_members, room.invited_members, room.encrypted) == (2, 1, True)
    assert (room.invite_level, room.kick_level, room.ban_level) == (10, 60, 70)
    assert room.bot_level == CREATOR_LEVEL
    assert stored[theirs].bot_level == 0 and not stored[theirs].bot_may_invite
    members = {m.user_id: m for m in rooms.cached_members(garden)}
    assert set(members) == {room_bot.user_id, alice.user_id}
    assert members[alice.user_id].power_level == 40
    assert members[room_bot.user_id].power_level == CREATOR_LEVEL
    assert {p.phase for p in seen} == {"Reading rooms", "Reading members"}
    assert seen[-1].done == seen[-1].total
    fresh = rooms.freshness()
    assert fresh.synced_at == first.run.finished_at and fresh.running is None
    assert audit_rows("rooms.sync")[0].outcome == "ok"

    # Admin tags survive syncs; a second sync sees what changed in Matrix.
    rooms.set_room_tags(actor="tester", room_id=garden, categories=["Outdoors"],
                        keywords="plants, Seeds")
    synapse.put_state(room_bot, garden, "m.room.topic", {"topic": "Compost too"})
    synapse.join(bob, garden)
    leave(synapse, room_bot, soon_left)

    second = rooms.sync_rooms(actor="tester")

    assert second.status == "ok" and second.run is not None
    assert (second.run.rooms_total, second.run.rooms_left) == (2, 1)
    room = rooms.rooms_by_id([garden])[garden]
    assert room.topic == "Compost too"
    assert (room.joined_members, room.invited_members) == (3, 0)
    assert (room.categories, room.keywords) == (("Outdoors",), ("plants", "seeds"))
    assert bob.user_id in {m.user_id for m in rooms.cached_members(garden)}
    assert rooms.rooms_by_id([soon_left])[soon_left].still_joined is False
    assert rooms.cached_members(soon_left) == []
    assert soon_left not in {r.room_id for r in rooms.page(actor="tester").rooms}


def test_a_second_sync_while_one_runs_is_refused_on_sqlite(
    bot_client: MatrixClient, make_room
) -> None:
    make_room(name="Lock test")
    nested: list[rooms.SyncResult] = []

    def start_another(_progress: rooms.Progress) -> None:
        if not nested:  # a second sync, started while the first one is running
            nested.append(rooms.sync_rooms(actor="second-moderator"))

    first = rooms.sync_rooms(actor="first-moderator", on_progress=start_another)

    assert first.status == "ok"
    assert nested[0].refused
    assert "already running since" in nested[0].message
    assert "first-moderator" in nested[0].message
    assert [r.actor for r in audit_rows("rooms.sync")] == ["first-moderator"]
    assert rooms.sync_rooms(actor="third").status == "ok"  # released at the end


def test_an_expired_sqlite_lock_is_taken_over_and_a_live_one_refuses(
    bot_client: MatrixClient, make_room
) -> None:
    make_room(name="Expiry test")
    now = utcnow()
    with session_scope() as db:
        db.execute(insert(RoomSyncLock).values(
            name=sync_lock.LOCK_NAME, holder="dead-process", actor="crashed",
            acquired_at=now - timedelta(hours=1), expires_at=now - timedelta(minutes=1)))

    assert rooms.sync_rooms(actor="after-crash").status == "ok"
    held = sync_lock.try_acquire(actor="cli")
    assert held is not None
    try:
        refused = rooms.sync_rooms(actor="page")
    finally:
        held.release()
    assert refused.refused and "(started by cli)" in refused.message


@pytest.mark.postgres
def test_a_second_sync_while_one_runs_is_refused_on_postgres(
    pg_db: str, bot_client: MatrixClient, make_room
) -> None:
    assert not get_settings().is_sqlite
    make_room(name="Postgres lock test")
    nested: list[rooms.SyncResult] = []

    def start_another(_progress: rooms.Progress) -> None:
        if not nested:
            nested.append(rooms.sync_rooms(actor="second"))

    first = rooms.sync_rooms(actor="first", on_progress=start_another)

    assert first.status == "ok" and first.run is not None and first.run.rooms_synced == 1
    assert nested[0].refused
    assert "already running since" in nested[0].message
    assert "(started by first)" in nested[0].message
    assert rooms.freshness().running is None  # the advisory lock is gone
    assert rooms.sync_rooms(actor="third").status == "ok"


def test_sync_with_a_refused_token_raises_a_clear_error_and_records_the_failure(
    synapse: SynapseServer, room_bot: TestUser, db: str
) -> None:
    with MatrixClient(synapse.url, "syt_not_valid", room_bot.user_id, timeout=5) as client, \
            installed(client), pytest.raises(MatrixUnknownToken) as caught:
        rooms.sync_rooms(actor="tester")

    assert "MATRIX_ACCESS_TOKEN" in str(caught.value)
    fresh = rooms.freshness()
    assert fresh.last_run is not None and fresh.last_run.status == "failed"
    assert fresh.last_success is None and fresh.running is None
    assert audit_rows("rooms.sync")[0].outcome == "failed"


def seed(room_id: str, name: str, members: int, *, topic: str = "", alias: str = "",
         direct: bool = False) -> None:
    with session_scope() as db:
        db.add(Room(room_id=room_id, name=name, topic=topic, canonical_alias=alias,
                    joined_members=members, is_direct=direct))


def test_room_search_filters_by_category_and_hides_small_rooms_and_dms(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed("!py:x", "Python", 40, topic="Snakes and code", alias="#python:x")
    seed("!garden:x", "Gardening", 25, topic="Seeds, soil")
    seed("!tiny:x", "Tiny python corner", 2)
    seed("!dm:x", "", 2, direct=True)
    rooms.set_room_tags(actor="admin", room_id="!garden:x", categories=["Outdoors"],
                        keywords=["compost_100%"])
    monkeypatch.setenv("MATRIX_MIN_ROOM_MEMBERS", "5")
    get_settings.cache_clear()

    listed = rooms.page(actor="tester")
    python = rooms.page(actor="tester", search="PYTHON")
    with_small = rooms.page(actor="tester", search="python", include_small=True)

    assert [r.room_id for r in listed.rooms] == ["!py:x", "!garden:x"]  # biggest first
    assert (listed.total, listed.hidden_small, listed.min_members) == (2, 1, 5)  # DMs: never
    assert [r.room_id for r in python.rooms] == ["!py:x"] and python.hidden_small == 1
    assert [r.room_id for r in with_small.rooms] == ["!py:x", "!tiny:x"]
    assert [r.room_id for r in rooms.page(actor="tester", search="soil").rooms] == ["!garden:x"]
    assert [r.room_id for r in rooms.page(actor="tester", search="_100%").rooms] == ["!garden:x"]
    assert rooms.page(actor="tester", search="1_0").rooms == []  # LIKE wildcards are literal
    outdoors = rooms.page(actor="tester", category="outdoors").rooms
    assert [r.room_id for r in outdoors] == ["!garden:x"]
    assert [(c.name, c.rooms) for c in rooms.categories(actor="tester")] == [("Outdoors", 1)]
    with pytest.raises(InputError, match="exists already"):
        rooms.create_category(actor="admin", name=" outdoors ")
    rooms.delete_category(actor="admin", name="Outdoors")
    assert rooms.rooms_by_id(["!garden:x"])["!garden:x"].categories == ()
    with pytest.raises(InputError) as caught:
        rooms.set_room_tags(actor="admin", room_id="!unknown:x", categories=[], keywords="")
    assert caught.value.field == "Room"


def test_recommendations_rank_by_category_keyword_name_and_topic_and_explain_why(db: str) -> None:
    seed("!hike:x", "Mountain club", 10, topic="Weekend hikes")
    seed("!trail:x", "Trail runners", 30)
    seed("!code:x", "Python programmers", 50, topic="Gardening scripts too")
    seed("!garden:x", "Allotments", 5, alias="#gardens:x")
    rooms.set_room_tags(actor="admin", room_id="!hike:x", categories=["Outdoors"],
                        keywords=["hiking"])
    rooms.set_room_tags(actor="admin", room_id="!garden:x", categories=["Outdoors"],
                        keywords=[])

    interests = "I love hiking and gardening, also outdoors stuff"
    ranked = rooms.recommend_rooms(interests, actor="tester", limit=5)
    again = rooms.recommend_rooms(interests, actor="tester", limit=5)

    assert [(r.room.room_id, r.score) for r in ranked] == [
        ("!hike:x", 5 + 4 + 1),  # category Outdoors, keyword hiking, topic "hikes"
        ("!garden:x", 5 + 2),  # category Outdoors, alias #gardens
        ("!code:x", 1),  # topic mentions gardening
    ]
    assert ranked == again  # deterministic
    assert ranked[0].reasons == (
        'category "Outdoors" matches "outdoors" (+5)',
        'keyword "hiking" matches "hiking" (+4)',
        'topic "Weekend hikes" matches "hiking" (+1)',
    )
    assert rooms.recommend_rooms("the and of", actor="tester") == []
    best = rooms.recommend_rooms("hiking gardening", actor="tester", limit=1)
    assert [r.room.room_id for r in best] == [
        "!hike:x"]


def test_welcome_room_members_come_from_the_cache_and_need_the_setting(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed("!welcome:x", "Welcome", 2)
    with session_scope() as session:
        session.add(RoomMember(room_id="!welcome:x", user_id="@new:x", display_name="Newcomer"))
    with pytest.raises(NotConfigured, match="MATRIX_WELCOME_ROOM_ID"):
        rooms.welcome_room_members()
    monkeypatch.setenv("MATRIX_WELCOME_ROOM_ID", "!welcome:x")
    get_settings.cache_clear()

    members = rooms.welcome_room_members()

    assert [(m.user_id, m.display_name, m.membership) for m in members] == [
        ("@new:x", "Newcomer", "join")]


def test_invite_reports_invited_already_and_forbidden_per_room_and_audits(
    synapse: SynapseServer, room_bot: TestUser, bot_client: MatrixClient, make_room,
    make_matrix_user: MakeUser,
) -> None:
    alice, newcomer = make_matrix_user(), make_matrix_user()
    first, second, joined = make_room(name="One"), make_room(name="Two"), make_room()
    synapse.add_member(room_bot, joined, newcomer)
    weak = make_room(alice, power_overrides={"invite": 50})  # the bot has power 0 there
    seen: list[rooms.Progress] = []

    outcomes = room_invites.invite_to_rooms(actor="mod", user_id=f" {newcomer.user_id} ",
                                            room_ids=[first, joined, weak, second],
                                            on_progress=seen.append)

    assert [(o.room_id, o.status) for o in outcomes] == [
        (first, Status.DONE), (joined, Status.ALREADY), (weak, Status.FORBIDDEN),
        (second, Status.DONE)]
    assert [describe_outcome(o, done="invited") for o in outcomes[:2]] == [
        "invited", "already a member"]
    assert describe_outcome(outcomes[2], done="invited").startswith("the bot lacks the power")
    assert synapse.membership(room_bot, first, newcomer.user_id) == "invite"
    assert synapse.membership(alice, weak, newcomer.user_id) == "none"
    assert (len(seen), seen[-1].done, seen[-1].total) == (4, 4, 4)
    row = audit_rows("rooms.invite")[0]
    assert (row.member, row.outcome, row.actor) == (newcomer.user_id, "partial", "mod")
    assert weak in row.details["not_ok"]


def test_invite_refuses_unknown_accounts_bad_ids_and_the_bot_before_inviting(
    synapse: SynapseServer, room_bot: TestUser, bot_client: MatrixClient, make_room
) -> None:
    room = make_room()
    for user, says in ((f"@nobody-{room_bot.localpart}:{synapse.server_name}", "no account"),
                       ("bob", "not a Matrix user ID"), (room_bot.user_id, "own bot")):
        with pytest.raises(InputError) as caught:
            room_invites.invite_to_rooms(actor="mod", user_id=user, room_ids=[room])
        assert caught.value.field == "Matrix user ID" and says in caught.value.message
    with pytest.raises(InputError) as caught:
        room_invites.invite_to_rooms(actor="mod", user_id=room_bot.user_id, room_ids=[])
    assert caught.value.field == "Rooms"
    assert audit_rows("rooms.invite") == []


def test_cli_sync_rooms_prints_progress_and_the_result(
    bot_client: MatrixClient, make_room, capsys: pytest.CaptureFixture[str]
) -> None:
    make_room(name="From the shell")

    code = cli.main(["sync-rooms"])

    out = capsys.readouterr().out
    assert code == 0
    assert "Reading rooms: 1 of 1" in out and "Synced 1 of 1 rooms." in out
    assert rooms.page(actor="tester").rooms[0].name == "From the shell"
    assert audit_rows("rooms.sync")[0].actor == "cli"


def test_cli_sync_rooms_without_matrix_settings_names_them(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["sync-rooms"])

    assert code == 2
    assert "MATRIX_HOMESERVER_URL" in capsys.readouterr().err
