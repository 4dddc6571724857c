"""Removal and offboarding leave no way back in: invited and knocking members too, and a
pre-emptive ban where the member never was (real Synapse)."""

from __future__ import annotations

import uuid

import pytest

from app.services import journeys, offboarding, room_journeys
from app.services.journey_runner import Started
from app.services.journeys import JourneyView
from app.services.offboarding import OffboardingRequest
from app.services.removal import preview_removal
from tests.support.journey_env import JourneyEnv
from tests.support.synapse import SynapseError, TestUser
from tests.support.waiting import wait_for

pytestmark = pytest.mark.synapse


def _knocking(env: JourneyEnv, member: TestUser) -> str:
    room = env.room("Knock to enter")
    env.synapse.put_state(env.bot, room, "m.room.join_rules", {"join_rule": "knock"})
    env.synapse.request("POST", f"/_matrix/client/v3/knock/{room}", token=member.access_token,
                        json={"reason": "let me in"})
    return room


def _cannot_join(env: JourneyEnv, member: TestUser, room: str) -> None:
    with pytest.raises(SynapseError, match="403"):
        env.synapse.join(member, room)


def _ended(started: Started) -> JourneyView:
    journey_id = started.journey.id
    return wait_for(lambda: (j := journeys.get(journey_id)).active is False and j,
                    what="the journey to end")


def test_the_preview_lists_invites_and_knocks_and_removal_rescinds_them(
    journey_env: JourneyEnv,
) -> None:
    env = journey_env
    member = env.synapse.register()
    joined, invited = env.room("Joined"), env.room("Invited only")
    env.synapse.add_member(env.bot, joined, member)
    env.synapse.invite(env.bot, invited, member.user_id)
    knocked = _knocking(env, member)
    never = env.room("Never there")

    seen = preview_removal(member.user_id, actor="tester")
    states = {r.room_id: r.membership for r in seen.rooms}
    assert states == {joined: "join", invited: "invite", knocked: "knock"}
    by_room = {r.room_id: r for r in seen.rooms}
    assert by_room[invited].what_happens("kick") == "invite rescinded"
    assert by_room[knocked].what_happens("kick") == "request to join refused"
    assert never in seen.elsewhere and joined not in seen.elsewhere

    started = room_journeys.begin_removal(
        actor="mod", submission_id=uuid.uuid4().hex,
        request=room_journeys.RemovalRequest(user_id=member.user_id, reason="spam",
                                             room_ids=(joined, invited, knocked)),
    )
    assert _ended(started).status == "done"
    for room in (joined, invited, knocked):
        assert env.synapse.membership(env.bot, room, member.user_id) == "leave"
        _cannot_join(env, member, room)  # no invite left to accept, no knock pending


def test_offboarding_bans_an_invited_member_and_pre_emptively_where_they_never_were(
    journey_env: JourneyEnv,
) -> None:
    env = journey_env
    member = env.synapse.register()
    invited, never = env.room("Invited"), env.room("Never joined")
    env.synapse.invite(env.bot, invited, member.user_id)
    seen = offboarding.preview(actor="tester", matrix_user_id=member.user_id)
    assert seen.rooms is not None and never in seen.rooms.elsewhere
    request = OffboardingRequest(
        matrix_user_id=member.user_id, reason="harassment", action="ban",
        message_key="removal_safety",
        room_ids=(*(r.room_id for r in seen.rooms.rooms), *seen.rooms.elsewhere),
    )
    started = offboarding.start(actor="mod", request=request, submission_id=uuid.uuid4().hex)
    assert started.journey.status == "done"
    for room in (invited, never):
        assert env.synapse.membership(env.bot, room, member.user_id) == "ban"
        _cannot_join(env, member, room)
    # The removal message went only where they could read it (invited), not where they never were.
    assert any("safe" in m["content"]["body"] for m in env.synapse.messages(env.bot, invited))
    assert not any("safe" in m["content"]["body"] for m in env.synapse.messages(env.bot, never))


def test_offboarding_rescinds_a_knock(journey_env: JourneyEnv) -> None:
    env = journey_env
    member = env.synapse.register()
    knocked = _knocking(env, member)
    seen = offboarding.preview(actor="tester", matrix_user_id=member.user_id)
    assert [r.membership for r in seen.rooms.rooms] == ["knock"]  # type: ignore[union-attr]
    request = OffboardingRequest(matrix_user_id=member.user_id, reason="spam", action="kick",
                                 room_ids=(knocked,))
    started = offboarding.start(actor="mod", request=request, submission_id=uuid.uuid4().hex)
    assert started.journey.status == "done"
    assert env.synapse.membership(env.bot, knocked, member.user_id) == "leave"
    _cannot_join(env, member, knocked)
