"""Offboarding end to end: preview, then account, invitations and rooms; retry what failed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app.services import offboarding
from app.services.accounts import create_account
from app.services.audit import AuditFilter, search
from app.services.journeys import JourneyView
from app.services.offboarding import OffboardingRequest
from app.services.offboarding_steps import AUTHENTIK, INVITATIONS, ROOMS
from app.utils.errors import InputError
from tests.support.journey_env import JourneyEnv

pytestmark = pytest.mark.synapse


def offboard(actor: str, request: OffboardingRequest) -> JourneyView:
    return offboarding.start(actor=actor, request=request, submission_id=uuid.uuid4().hex).journey


def test_offboarding_with_preview_and_a_room_where_the_bot_lacks_power(journey_env: JourneyEnv):
    env = journey_env
    fake = env.authentik
    account = fake.add_user("mallory", name="Mallory")
    soon = datetime.now(UTC) + timedelta(days=2)
    theirs = fake.add_invitation("mallorys-friends", created_by=account.pk, expires=soon)
    fake.add_invitation("someone-elses", expires=soon)
    member = env.synapse.register()
    rooms = [env.room(f"Room {i}") for i in range(3)]
    owner = env.synapse.register()
    locked = env.room("Locked", owner=owner, power_overrides={"kick": 50, "ban": 50})
    for room in [*rooms, locked]:
        env.synapse.add_member(env.bot if room != locked else owner, room, member)
    quiet = env.room("Not theirs")  # the bot's room the member is not in

    seen = offboarding.preview(actor="tester", authentik_username="mallory",
                               matrix_user_id=member.user_id)
    assert seen.authentik_user.username == "mallory" and seen.authentik_problem == ""
    assert [i.name for i in seen.invitations] == ["mallorys-friends"]
    by_room = {r.room_id: r for r in seen.rooms.rooms}
    assert set(by_room) == {*rooms, locked} and quiet not in by_room
    assert not by_room[locked].can_kick and by_room[rooms[0]].can_kick

    request = OffboardingRequest(
        authentik_username="mallory",
        matrix_user_id=member.user_id,
        reason="spam links",
        action="kick",
        message_key="removal_spam",
        room_ids=tuple(by_room),
    )
    journey = offboard("mod", request)
    steps = {s.name: s for s in journey.steps}
    assert steps[AUTHENTIK].status == "done" and not fake.users[account.pk].is_active
    assert steps[INVITATIONS].status == "done"
    assert theirs.pk not in fake.invitations and len(fake.invitations) == 1
    assert steps[ROOMS].status == "failed" and "1 of 4 room(s) failed" in steps[ROOMS].reason
    assert steps[ROOMS].result["rooms"][locked]["status"] == "forbidden"
    for room in rooms:
        assert env.synapse.membership(env.bot, room, member.user_id) == "leave"
        notice = env.synapse.messages(env.bot, room)[-1]["content"]["body"]
        assert "removed for spamming. Reason: spam links" in notice

    # The owner gives the bot power; the retry touches only the failed room.
    env.synapse.set_power_level(owner, locked, env.bot.user_id, 50)
    retried = offboarding.retry(actor="mod", journey_id=journey.id)
    assert retried.status == "done"
    assert {s.name: s.attempts for s in retried.steps} == {AUTHENTIK: 1, INVITATIONS: 1, ROOMS: 2}
    assert env.synapse.membership(owner, locked, member.user_id) == "leave"
    kicks = search(AuditFilter(action="rooms.kick")).rows
    assert kicks[0].details["rooms"] == 1 and kicks[1].details["rooms"] == 4
    # Each step is audited and the audit log finds them by the member.
    actions = {r.action for r in search(AuditFilter(member="mallory"), page_size=100).rows}
    assert {
        "offboarding.authentik_account",
        "offboarding.invitations",
        "offboarding.room_removal",
    } <= actions


def test_bad_offboarding_input_is_refused_before_any_request(journey_env: JourneyEnv):
    env = journey_env
    env.authentik.reset_requests()
    cases = [
        (OffboardingRequest(reason="x"), "Member"),
        (OffboardingRequest(authentik_username="mallory", reason="  "), "Reason"),
        (OffboardingRequest(matrix_user_id="mallory", reason="spam"), "Matrix user ID"),
        (
            OffboardingRequest(
                authentik_username="mallory",
                reason="spam",
                delete_account=True,
                delete_confirmation="malory",
            ),
            "Confirm deletion",
        ),
        (OffboardingRequest(authentik_username="mallory", reason="spam", action="mute"), "Action"),
    ]
    for request, field in cases:
        with pytest.raises(InputError) as caught:
            offboard("mod", request)
        assert caught.value.field == field
    assert env.authentik.count() == 0
    assert offboarding.recent() == []


def test_delete_with_typed_confirmation(journey_env: JourneyEnv):
    create_account(actor="test", username="admin", password="a long enough password", role="admin")
    account = journey_env.authentik.add_user("eve")
    journey = offboard(
        "admin",
        OffboardingRequest(
            authentik_username="eve",
            reason="asked to leave",
            delete_account=True,
            delete_confirmation="eve",
        ),
    )
    assert journey.status == "done"
    assert account.pk not in journey_env.authentik.users
    assert journey.step(ROOMS).status == "skipped"
