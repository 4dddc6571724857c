"""Onboarding end to end: real Synapse, schema-checked Authentik fake, failures and retries."""

from __future__ import annotations

import uuid

import pytest

from app.services import journeys, onboarding
from app.services.audit import AuditFilter, search
from app.services.journeys import JourneyView
from app.services.onboarding import OnboardingRequest, OnboardingResult
from app.services.onboarding_steps import (
    AUTHENTIK,
    CREDENTIAL,
    GRADUATION,
    MATRIX,
    ROOMS,
    WELCOME,
)
from tests.support.journey_env import DM_DELAY, JourneyEnv
from tests.support.waiting import wait_for

pytestmark = pytest.mark.synapse


def request_for(env: JourneyEnv, user_id: str, rooms: list[str], **extra) -> OnboardingRequest:
    return OnboardingRequest(
        first_name="Ada",
        last_name="Lovelace",
        username=extra.pop("username", "ada.lovelace"),
        email="ada@example.org",
        interests="maths, engines",
        invited_by="grace",
        matrix_user_id=user_id,
        room_ids=tuple(rooms),
        **extra,
    )


def statuses(journey) -> dict[str, str]:
    return {s.name: s.status for s in journey.steps}


def submit(request: OnboardingRequest) -> OnboardingResult:
    return onboarding.start(actor="admin", request=request, submission_id=uuid.uuid4().hex)


def ended(journey_id: int) -> JourneyView:
    """The journey once it is no longer active (the welcome DM is the last part to end)."""
    return wait_for(lambda: (j := journeys.get(journey_id)).active is False and j,
                    what="the journey to end")


def test_full_onboarding(journey_env: JourneyEnv):
    env = journey_env
    member = env.member()
    rooms = [env.room(f"Room {i}") for i in range(3)]
    result = submit(request_for(env, member.user_id, rooms))

    first = statuses(result.journey)
    assert first.pop(WELCOME) in ("pending", "running")  # the DM goes on in the background
    assert first == {AUTHENTIK: "done", CREDENTIAL: "done", MATRIX: "done", ROOMS: "done",
                     GRADUATION: "done"}
    # The Authentik account exists with the one-time password shown to the admin.
    user = next(u for u in env.authentik.users.values() if u.username == "ada.lovelace")
    assert user.name == "Ada Lovelace" and user.attributes["interests"] == ["maths", "engines"]
    assert result.password and env.authentik.password_matches(user.pk, result.password)
    # Invited to every chosen room; graduated out of the welcome room with a message.
    assert {env.synapse.membership(env.bot, r, member.user_id) for r in rooms} == {"invite"}
    assert env.synapse.membership(env.bot, env.welcome_room, member.user_id) == "leave"
    posted = env.synapse.messages(env.bot, env.welcome_room)[-1]["content"]
    assert "Ada Lovelace is all set up" in posted["body"]
    assert posted["m.mentions"] == {"user_ids": [member.user_id]}

    # The welcome DM arrives in the background, hello first, the welcome after the delay.
    journey = ended(result.journey.id)
    assert journey.status == "done"
    dm_room = journey.step(WELCOME).result["room_id"]
    env.synapse.join(member, dm_room)
    texts = [m for m in env.synapse.messages(member, dm_room) if m["sender"] == env.bot.user_id]
    assert texts[0]["content"]["body"] == "Hi Ada Lovelace 👋"
    assert texts[1]["content"]["body"].startswith("Welcome to the community, Ada Lovelace!")
    assert texts[1]["origin_server_ts"] - texts[0]["origin_server_ts"] >= float(DM_DELAY) * 1000
    # Every step is in the audit log under the member.
    actions = {r.action for r in search(AuditFilter(member=member.user_id), page_size=100).rows}
    assert {f"onboarding.{s}" for s in (MATRIX, ROOMS, GRADUATION, WELCOME)} <= actions
    assert "onboarding.authentik_account" in {
        r.action for r in search(AuditFilter(member="ada.lovelace")).rows
    }


def test_graduation_runs_with_no_rooms_chosen(journey_env: JourneyEnv):
    member = journey_env.member()
    result = submit(request_for(journey_env, member.user_id, []))
    assert statuses(result.journey)[ROOMS] == "skipped"
    assert result.journey.step(ROOMS).reason == "no rooms chosen"
    assert statuses(result.journey)[GRADUATION] == "done"
    env = journey_env
    assert env.synapse.membership(env.bot, env.welcome_room, member.user_id) == "leave"
    assert ended(result.journey.id).status == "done"


def test_authentik_503_then_retry_completes_only_that_step(journey_env: JourneyEnv):
    env = journey_env
    member = env.member()
    room = env.room("Tea")
    env.authentik.fail_next("POST", "/core/users/", status=503)
    first = submit(request_for(env, member.user_id, [room]))
    assert statuses(first.journey)[AUTHENTIK] == "failed"
    assert "503" in first.journey.step(AUTHENTIK).reason
    assert first.password is None
    assert statuses(first.journey)[ROOMS] == "done"
    assert ended(first.journey.id).status == "failed"

    retried = onboarding.retry(actor="admin", journey_id=first.journey.id)
    assert retried.password  # the credential is made once the account exists, for this admin
    journey = ended(first.journey.id)
    assert journey.status == "done" and journey.runs == 2
    attempts = {s.name: s.attempts for s in journey.steps}
    assert attempts == {AUTHENTIK: 2, CREDENTIAL: 1, MATRIX: 1, ROOMS: 1, GRADUATION: 1,
                        WELCOME: 1}
    assert env.authentik.count("POST", "/core/users/") == 2


def test_bot_forbidden_in_one_room_then_retry_invites_only_that_room(journey_env: JourneyEnv):
    env = journey_env
    owner = env.synapse.register()
    locked = env.room("Locked", owner=owner, power_overrides={"invite": 50})
    open_rooms = [env.room("Open A"), env.room("Open B")]
    member = env.member()
    first = submit(request_for(env, member.user_id, [*open_rooms, locked]))
    step = first.journey.step(ROOMS)
    assert step.status == "failed" and "1 of 3 room(s) failed" in step.reason
    assert step.result["rooms"][locked]["status"] == "forbidden"
    # Graduation does not hang off the invites: it ran anyway.
    assert first.journey.step(GRADUATION).status == "done"
    assert search(AuditFilter(action="onboarding.room_invites")).rows[0].outcome == "partial"
    ended(first.journey.id)

    env.synapse.set_power_level(owner, locked, env.bot.user_id, 50)
    retried = onboarding.retry(actor="admin", journey_id=first.journey.id)
    assert retried.journey.step(ROOMS).status == "done"
    assert env.synapse.membership(env.bot, locked, member.user_id) == "invite"
    invites = [r for r in search(AuditFilter(action="rooms.invite")).rows]
    assert invites[0].details["rooms"] == 1  # the retry asked for the one failed room only
    assert ended(first.journey.id).status == "done"


def test_homeserver_down_then_retry_completes_the_matrix_steps(journey_env: JourneyEnv):
    env = journey_env
    member = env.member()
    room = env.room("Garden")
    env.homeserver_down()
    first = submit(request_for(env, member.user_id, [room]))
    journey = ended(first.journey.id)
    assert statuses(journey) == {
        AUTHENTIK: "done",
        CREDENTIAL: "done",
        MATRIX: "failed",
        ROOMS: "failed",
        GRADUATION: "failed",
        WELCOME: "failed",  # nothing to send in the background without the account
    }
    assert "Check that the homeserver is running" in journey.step(MATRIX).reason
    assert journey.step(ROOMS).reason == "the Matrix account step has not succeeded yet"

    env.homeserver_up()
    retried = onboarding.retry(actor="admin", journey_id=first.journey.id)
    assert statuses(retried.journey)[AUTHENTIK] == "done"
    assert retried.journey.step(AUTHENTIK).attempts == 1  # not redone
    assert retried.password is None and "not kept" in retried.note  # no new credential
    assert {s: statuses(retried.journey)[s] for s in (MATRIX, ROOMS, GRADUATION)} == {
        MATRIX: "done",
        ROOMS: "done",
        GRADUATION: "done",
    }
    assert ended(first.journey.id).status == "done"
    assert env.synapse.membership(env.bot, room, member.user_id) == "invite"
