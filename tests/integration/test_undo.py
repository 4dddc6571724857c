"""Undo a batch, against a real Synapse and the schema-checked Authentik fake: a ban from 10
rooms is undone in all 10; a bulk deactivation of 5 users is undone for all 5 with their groups
as they were; kicks are undone by invites, invites by rescinding the pending ones; what was not
done, or was already so, is left alone; a record is undone once."""

from __future__ import annotations

import uuid

import pytest

from app.services import invite_links, offboarding, room_journeys, undo, users
from app.services.accounts import create_account
from app.services.audit import AuditFilter, search
from app.services.offboarding import OffboardingRequest
from app.services.room_journeys import RemovalRequest
from app.services.users import BulkAction, GroupChoice, Selected
from app.utils.enums import JourneyStatus
from app.utils.errors import InputError, PermissionDenied
from tests.support.journey_env import JourneyEnv

pytestmark = pytest.mark.synapse


def _removal(env: JourneyEnv, user: str, rooms: list[str], action: str) -> int:
    started = room_journeys.begin_removal(
        actor="mod", submission_id=uuid.uuid4().hex,
        request=RemovalRequest(user_id=user, room_ids=tuple(rooms), action=action,
                               reason="bulk test"))
    return room_journeys.follow(started.journey.id).id


@pytest.fixture(autouse=True)
def admin(journey_env: JourneyEnv) -> None:
    create_account(actor="test", username="admin", password="a long enough password",
                   role="admin")


def _undo(actor: str, source: str, source_id: int) -> int:
    started = undo.begin(actor=actor, source=source, source_id=source_id)
    ended = undo.follow(started.journey.id)
    assert ended.status == JourneyStatus.DONE, ended
    return ended.id


def test_a_ban_from_ten_rooms_is_undone_in_all_ten(journey_env: JourneyEnv) -> None:
    env = journey_env
    member = env.synapse.register()
    rooms = [env.room(f"Undo {i}") for i in range(10)]
    for room in rooms:
        env.synapse.add_member(env.bot, room, member)
    journey_id = _removal(env, member.user_id, rooms, "ban")
    assert {env.synapse.membership(env.bot, r, member.user_id) for r in rooms} == {"ban"}

    plan = undo.preview_journey(journey_id)
    assert [i.do for i in plan.items] == ["unban"] * 10 and plan.undone_by is None
    undo_id = _undo("admin", undo.JOURNEY, journey_id)
    assert {env.synapse.membership(env.bot, r, member.user_id) for r in rooms} == {"leave"}
    with pytest.raises(PermissionDenied, match="Only an admin"):
        undo.begin(actor="mod", source=undo.JOURNEY, source_id=journey_id)
    again = undo.begin(actor="admin", source=undo.JOURNEY, source_id=journey_id)
    assert (again.journey.id, again.created) == (undo_id, False)  # undone once
    assert undo.preview_journey(journey_id).undone_by.id == undo_id  # type: ignore[union-attr]
    [row] = search(AuditFilter(action="undo.start")).rows
    assert row.details == {"undoes": f"journey #{journey_id}", "items": 10}


def test_kicks_are_undone_by_invites_and_invites_by_rescinding_pending_ones(
    journey_env: JourneyEnv,
) -> None:
    env = journey_env
    member = env.synapse.register()
    kicked = [env.room(f"Kicked {i}") for i in range(2)]
    for room in kicked:
        env.synapse.add_member(env.bot, room, member)
    never_there = env.room("Never there")
    journey_id = _removal(env, member.user_id, [*kicked, never_there], "kick")
    plan = undo.preview_journey(journey_id)
    assert [i.do for i in plan.items if i.key in kicked] == ["invite", "invite"]
    assert [i.why_not for i in plan.items if i.key == never_there] != [""]
    _undo("admin", undo.JOURNEY, journey_id)
    assert {env.synapse.membership(env.bot, r, member.user_id) for r in kicked} == {"invite"}
    assert env.synapse.membership(env.bot, never_there, member.user_id) == "none"  # untouched

    other = env.synapse.register()
    accepted, pending = env.room("Accepted"), env.room("Pending")
    invited = room_journeys.begin_invites(actor="mod", user_id=other.user_id,
                                          room_ids=[accepted, pending],
                                          submission_id=uuid.uuid4().hex)
    room_journeys.follow(invited.journey.id)
    env.synapse.join(other, accepted)
    _undo("admin", undo.JOURNEY, invited.journey.id)
    assert env.synapse.membership(env.bot, pending, other.user_id) == "leave"  # rescinded
    assert env.synapse.membership(env.bot, accepted, other.user_id) == "join"  # left be


def test_a_bulk_deactivation_of_five_is_undone_with_groups_as_they_were(
    journey_env: JourneyEnv,
) -> None:
    fake = journey_env.authentik
    helpers = fake.add_group("helpers")
    people = [fake.add_user(f"vol{i}", groups=[helpers.pk] if i % 2 else []) for i in range(5)]
    dormant = fake.add_user("dormant", is_active=False)
    chosen = [Selected(p.pk, p.username) for p in [*people, dormant]]
    groups_before = {p.pk: set(fake.users[p.pk].groups) for p in people}
    outcomes = users.bulk(actor="admin", action=BulkAction.DEACTIVATE, users=chosen)
    assert all(o.ok for o in outcomes) and not any(fake.users[p.pk].is_active for p in people)
    batch = outcomes[0].batch
    assert batch is not None and all(o.batch == batch for o in outcomes)

    plan = undo.preview_batch(batch)
    assert [i.do for i in plan.items] == ["activate"] * 5 + [""]
    assert plan.items[-1].why_not == "it was already so before the batch"
    _undo("admin", undo.BATCH, batch)
    assert all(fake.users[p.pk].is_active for p in people)
    assert not fake.users[dormant.pk].is_active  # inactive before: left inactive
    assert {p.pk: set(fake.users[p.pk].groups) for p in people} == groups_before

    removed = users.bulk(actor="admin", action=BulkAction.REMOVE_GROUP,
                         users=[Selected(p.pk, p.username) for p in people],
                         group=GroupChoice(helpers.pk, helpers.name))
    assert not any(helpers.pk in fake.users[p.pk].groups for p in people)
    _undo("admin", undo.BATCH, removed[0].batch)  # type: ignore[arg-type]
    assert {p.pk: set(fake.users[p.pk].groups) for p in people} == groups_before


def test_what_cannot_be_undone_says_why(journey_env: JourneyEnv) -> None:
    fake = journey_env.authentik
    gone = fake.add_user("gone")
    outcomes = users.bulk(actor="admin", action=BulkAction.DELETE,
                          users=[Selected(gone.pk, "gone")], confirm="DELETE")
    plan = undo.preview_batch(outcomes[0].batch)  # type: ignore[arg-type]
    assert plan.items[0].why_not == "a deleted account cannot be restored" and not plan.todo
    with pytest.raises(InputError, match="nothing to undo"):
        undo.begin(actor="admin", source=undo.BATCH, source_id=outcomes[0].batch)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="not a bulk action"):
        undo.preview_batch(outcomes[0].batch - 1)  # type: ignore[operator]


def test_an_offboarding_is_undone_account_and_rooms_but_not_its_revoked_invitations(
    journey_env: JourneyEnv,
) -> None:
    env = journey_env
    account = env.authentik.add_user("comeback")
    invite_links.create(actor="comeback", label="their friend")
    member = env.synapse.register()
    room = env.room("Old haunt")
    env.synapse.add_member(env.bot, room, member)
    started = offboarding.start(
        actor="admin", submission_id=uuid.uuid4().hex,
        request=OffboardingRequest(authentik_username="comeback", matrix_user_id=member.user_id,
                                   reason="mistake", room_ids=(room,)))
    assert started.journey.status == JourneyStatus.DONE
    plan = undo.preview_journey(started.journey.id)
    assert {i.label: i.do for i in plan.items} == {
        "comeback": "activate", "Revoked invitations": "", "Old haunt": "invite"}
    _undo("admin", undo.JOURNEY, started.journey.id)
    assert env.authentik.users[account.pk].is_active
    assert env.synapse.membership(env.bot, room, member.user_id) == "invite"
