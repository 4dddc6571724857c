"""Scoped moderators against a real Synapse, on SQLite and PostgreSQL: a moderator limited to
one room category is refused in the services (before any Matrix request) in rooms of another
category or of none, and never sees those rooms in a list; an unscoped moderator still acts
there; admins set scopes (audited), and a category that limits someone cannot be deleted."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest

from app.services import (
    case_file,
    journey_runner,
    messaging,
    offboarding,
    removal,
    room_invites,
    room_journeys,
    rooms,
    sanctions,
)
from app.services.accounts import create_account
from app.services.audit import AuditFilter, search
from app.utils.enums import JourneyStatus
from app.utils.errors import InputError, PermissionDenied
from tests.support.journey_env import JourneyEnv
from tests.support.synapse import TestUser

pytestmark = pytest.mark.synapse
PASSWORD = "a long enough password"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def env(request: pytest.FixtureRequest, journey_env: JourneyEnv) -> JourneyEnv:
    """The journey environment, its database on SQLite or (pg_db second) PostgreSQL."""
    if request.param == "postgres":
        request.getfixturevalue("pg_db")
    return journey_env


@dataclass
class Community:
    tech: str
    social: str
    untagged: str
    member: TestUser
    ids: dict[str, int]  # dashboard account ids by username


def _community(env: JourneyEnv) -> Community:
    """Rooms "Tech talk" (Tech), "Social lounge" (Social) and "Untagged" (no category), a
    member in all three; admin "ada", moderator "mo" scoped to Tech, moderator "uno" unscoped."""
    tech, social, untagged = env.room("Tech talk"), env.room("Social lounge"), env.room("Untagged")
    member = env.synapse.register()
    for room in (tech, social, untagged):
        env.synapse.add_member(env.bot, room, member)
    rooms.sync_rooms(actor="ada")
    rooms.set_room_tags(actor="ada", room_id=tech, categories=["Tech"], keywords="code")
    rooms.set_room_tags(actor="ada", room_id=social, categories=["Social"], keywords="chat")
    ids = {name: create_account(actor="t", username=name, password=PASSWORD, role=role).id
           for name, role in (("ada", "admin"), ("mo", "moderator"), ("uno", "moderator"))}
    scope = rooms.set_scope(actor="ada", account_id=ids["mo"], categories=["tech"])
    assert scope.categories == ("Tech",)
    return Community(tech, social, untagged, member, ids)


def _ids(views: list[rooms.RoomView]) -> set[str]:
    return {v.room_id for v in views}


def test_a_scoped_moderator_sees_only_their_rooms_and_is_refused_elsewhere(
    env: JourneyEnv,
) -> None:
    c = _community(env)
    member = c.member.user_id
    outside = {c.social, c.untagged, env.welcome_room}

    # Every list the services give them holds only the Tech room.
    assert [r.room_id for r in rooms.page(actor="mo").rooms] == [c.tech]
    assert rooms.page(actor="mo", search="lounge").rooms == []
    assert _ids(rooms.listed_rooms(actor="mo")) == {c.tech}
    assert rooms.listed_rooms(actor="mo", category="Social") == []
    assert [x.name for x in rooms.categories(actor="mo")] == ["Tech"]
    assert rooms.recommend_rooms("chat, code", actor="mo")[0].room.room_id == c.tech
    assert len(rooms.recommend_rooms("chat, code", actor="mo")) == 1
    preview = removal.preview_removal(member, actor="mo")
    assert [r.room_id for r in preview.rooms] == [c.tech]
    assert preview.scope == ("Tech",) and preview.outside_scope == len(outside)
    assert not outside & {*preview.elsewhere, *preview.banned}
    offboard = offboarding.preview(actor="mo", matrix_user_id=member).rooms
    assert offboard is not None and [r.room_id for r in offboard.rooms] == [c.tech]
    case = case_file.open_case(actor="mo", matrix_user_id=member).rooms
    assert case is not None and [r.room_id for r in case.rooms] == [c.tech]

    # Acting outside the scope is refused, naming the room, before any request to Matrix.
    with pytest.raises(rooms.OutOfScope, match=r"'Social lounge'.*outside your scope"):
        removal.remove_from_rooms(actor="mo", user_id=member, room_ids=[c.social],
                                  action="ban", reason="spam")
    with pytest.raises(rooms.OutOfScope, match="'Untagged'"):  # no category: in no scope
        removal.remove_from_rooms(actor="mo", user_id=member, room_ids=[c.tech, c.untagged],
                                  action="kick", reason="spam")
    with pytest.raises(rooms.OutOfScope, match="'Social lounge'"):
        offboarding.begin(
            actor="mo", submission_id=uuid.uuid4().hex,
            request=offboarding.OffboardingRequest(matrix_user_id=member, reason="spam",
                                                   room_ids=(c.tech, c.social)))
    with pytest.raises(rooms.OutOfScope, match="'Social lounge'"):
        room_journeys.begin_removal(
            actor="mo", submission_id=uuid.uuid4().hex,
            request=room_journeys.RemovalRequest(member, (c.social,), reason="spam"))
    newcomer = env.synapse.register()
    with pytest.raises(rooms.OutOfScope, match="'Social lounge'"):
        room_invites.invite_to_rooms(actor="mo", user_id=newcomer.user_id, room_ids=[c.social])
    with pytest.raises(rooms.OutOfScope, match="'Social lounge'"):
        room_journeys.begin_invites(actor="mo", user_id=newcomer.user_id, room_ids=[c.social],
                                    submission_id=uuid.uuid4().hex)
    before = len(env.synapse.messages(env.bot, c.social))
    with pytest.raises(rooms.OutOfScope, match="'Social lounge'"):
        messaging.send_to_rooms(actor="mo", room_ids=[c.social], body="hello")
    with pytest.raises(rooms.OutOfScope, match="'Social lounge'"):
        sanctions.impose(actor="mo", user_id=member, room_ids=[c.social], kind="ban",
                         duration=timedelta(days=1), reason="spam")
    assert env.synapse.membership(env.bot, c.social, member) == "join"
    assert env.synapse.membership(env.bot, c.untagged, member) == "join"
    assert env.synapse.membership(env.bot, c.social, newcomer.user_id) == "none"
    assert len(env.synapse.messages(env.bot, c.social)) == before
    assert sanctions.search(actor="ada", member=member) == []
    denied = search(AuditFilter(actor="mo", outcome="denied")).rows
    assert {r.action for r in denied} == {"rooms.ban", "rooms.kick", "rooms.invite",
                                          "messages.rooms", "sanction.impose",
                                          "offboarding.start"}

    # In their own rooms they act as before.
    [kicked] = removal.remove_from_rooms(actor="mo", user_id=member, room_ids=[c.tech],
                                         action="kick", reason="spam")
    assert kicked.ok and env.synapse.membership(env.bot, c.tech, member) == "leave"


def test_an_unscoped_moderator_keeps_every_room_and_scoped_ones_cannot_lift_it(
    env: JourneyEnv,
) -> None:
    c = _community(env)
    member = c.member.user_id
    assert _ids(rooms.listed_rooms(actor="uno")) >= {c.tech, c.social, c.untagged}
    assert {r.room_id for r in removal.preview_removal(member, actor="uno").rooms} >= {
        c.tech, c.social, c.untagged}
    assert removal.preview_removal(member, actor="uno").outside_scope == 0
    [sent] = messaging.send_to_rooms(actor="uno", room_ids=[c.social], body="hello")
    assert sent.ok
    newcomer = env.synapse.register()
    [invited] = room_invites.invite_to_rooms(actor="uno", user_id=newcomer.user_id,
                                             room_ids=[c.social])
    assert invited.ok and env.synapse.membership(env.bot, c.social, newcomer.user_id) == "invite"
    ban = sanctions.impose(actor="uno", user_id=member, room_ids=[c.social], kind="ban",
                           duration=timedelta(days=1), reason="spam")
    assert env.synapse.membership(env.bot, c.social, member) == "ban"

    # The sanction reaches outside mo's scope: not in their list, and not theirs to lift.
    assert sanctions.search(actor="mo", member=member) == []
    assert [s.id for s in sanctions.search(actor="uno", member=member)] == [ban.id]
    with pytest.raises(rooms.OutOfScope, match="'Social lounge'"):
        sanctions.lift(actor="mo", sanction_id=ban.id)
    with pytest.raises(rooms.OutOfScope, match="'Social lounge'"):
        sanctions.extend(actor="mo", sanction_id=ban.id, duration=None)
    assert sanctions.get(ban.id).ends_at == ban.ends_at
    assert sanctions.lift(actor="uno", sanction_id=ban.id).status == "lifted"
    assert env.synapse.membership(env.bot, c.social, member) == "leave"
    started = room_journeys.begin_removal(
        actor="uno", submission_id=uuid.uuid4().hex,
        request=room_journeys.RemovalRequest(newcomer.user_id, (c.social,), reason="test"))
    assert room_journeys.follow(started.journey.id).status == JourneyStatus.DONE
    assert env.synapse.membership(env.bot, c.social, newcomer.user_id) == "leave"
    with pytest.raises(rooms.OutOfScope, match="'Social lounge'"):  # not theirs to run again
        journey_runner.retry(actor="mo", journey_id=started.journey.id)


def test_admins_set_scopes_audited_and_a_limiting_category_stays(env: JourneyEnv) -> None:
    c = _community(env)
    mo = c.ids["mo"]
    with pytest.raises(PermissionDenied, match="Only admins"):
        rooms.set_scope(actor="uno", account_id=mo, categories=[])
    with pytest.raises(InputError, match="admins are never scoped"):
        rooms.set_scope(actor="ada", account_id=c.ids["ada"], categories=["Tech"])
    with pytest.raises(InputError, match="no category 'Games'"):
        rooms.set_scope(actor="ada", account_id=c.ids["uno"], categories=["Games"])
    with pytest.raises(InputError, match=r"limits the moderator.*mo"):
        rooms.delete_category(actor="ada", name="Tech")
    assert rooms.scopes_by_account() == {mo: ("Tech",)}

    widened = rooms.set_scope(actor="ada", account_id=mo, categories=["Tech", "Social"])
    assert widened.categories == ("Social", "Tech")
    assert _ids(rooms.listed_rooms(actor="mo")) == {c.tech, c.social}
    unscoped = rooms.set_scope(actor="ada", account_id=mo, categories=[])
    assert not unscoped.limited and c.untagged in _ids(rooms.listed_rooms(actor="mo"))
    rows = search(AuditFilter(action="moderator.scope")).rows
    assert [(r.actor, r.target, r.details["after"]) for r in rows] == [
        ("ada", "mo", []), ("ada", "mo", ["Social", "Tech"]), ("ada", "mo", ["Tech"])]
    assert rows[0].details["before"] == ["Social", "Tech"]
    rooms.delete_category(actor="ada", name="Tech")  # it limits nobody now
