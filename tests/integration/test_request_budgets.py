"""Request budgets against a real Synapse, counted on the wire (deterministic): removal from 20
rooms right after its preview, invites, and onboarding's Matrix account check."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable

import pytest

from app.services import connections, journeys, onboarding, removal, room_invites, rooms
from app.services.onboarding import OnboardingRequest
from app.services.onboarding_steps import ROOMS as ROOMS_STEP
from app.utils.matrix import MatrixClient, Status
from tests.support.journey_env import JourneyEnv
from tests.support.matrix_rooms import RequestCounter, bot_client, make_room, room_bot
from tests.support.synapse import SynapseServer, TestUser
from tests.support.waiting import wait_for

__all__ = ["bot_client", "make_room", "room_bot"]  # fixtures used below

pytestmark = pytest.mark.synapse

ROOMS = 20
MakeUser = Callable[..., TestUser]


def kinds(counter: RequestCounter) -> Counter[str]:
    """Requests by kind: membership reads, messages, kicks, invites, profile lookups, other."""
    found: Counter[str] = Counter()
    for method, path in counter.calls:
        if "/profile/" in path:
            found["profile lookup"] += 1
        elif "/state/m.room.member/" in path:
            found["membership read"] += 1
        elif "/send/" in path:
            found["message"] += 1
        else:
            found[f"{method} {path.rsplit('/', 1)[-1]}"] += 1
    return found


@pytest.fixture
def member_in_rooms(
    synapse: SynapseServer, room_bot: TestUser, bot_client: MatrixClient, make_room,
    make_matrix_user: MakeUser,
) -> Callable[[], tuple[TestUser, list[str]]]:
    def make() -> tuple[TestUser, list[str]]:
        member = make_matrix_user()
        theirs = [make_room(name=f"Room {i}") for i in range(ROOMS)]
        for room in theirs:
            synapse.add_member(room_bot, room, member)
        rooms.sync_rooms(actor="tester")
        return member, theirs

    return make


@pytest.mark.parametrize(("message_key", "budget"), [(None, 41), ("removal_spam", 61)])
def test_removal_from_20_rooms_after_its_preview(
    member_in_rooms, bot_client: MatrixClient, message_key: str | None, budget: int
) -> None:
    member, theirs = member_in_rooms()
    preview = removal.preview_removal(member.user_id, actor="mod")
    assert sorted(preview.room_ids("kick")) == sorted(theirs)

    with RequestCounter(bot_client) as requests:
        outcomes = removal.remove_from_rooms(
            actor="mod", user_id=member.user_id, room_ids=preview.room_ids("kick"),
            action="kick", reason="spam", message_key=message_key)

    assert [o.status for o in outcomes] == [Status.DONE] * ROOMS
    # Per room: one live membership read (shared by the message and the kick), the message
    # when asked, the kick. Power levels and m.room.create come from the fresh preview.
    per_room = {"membership read": ROOMS, "POST kick": ROOMS}
    if message_key:
        per_room["message"] = ROOMS
    assert dict(kinds(requests)) == per_room
    assert requests.count <= budget


def test_invites_cost_one_lookup_and_one_request_per_room(
    bot_client: MatrixClient, make_room, make_matrix_user: MakeUser
) -> None:
    newcomer = make_matrix_user()
    chosen = [make_room(name=f"Room {i}") for i in range(ROOMS)]

    with RequestCounter(bot_client) as requests:
        outcomes = room_invites.invite_to_rooms(actor="mod", user_id=newcomer.user_id,
                                                room_ids=chosen)

    assert [o.status for o in outcomes] == [Status.DONE] * ROOMS
    assert dict(kinds(requests)) == {"profile lookup": 1, "POST invite": ROOMS}
    assert requests.count <= 1 + ROOMS


def test_onboarding_checks_the_matrix_account_once(journey_env: JourneyEnv) -> None:
    env = journey_env
    member = env.member()
    chosen = [env.room(f"Room {i}") for i in range(3)]
    request = OnboardingRequest(
        first_name="Ada", last_name="Lovelace", username="ada.lovelace",
        email="ada@example.org", matrix_user_id=member.user_id, room_ids=tuple(chosen),
    )
    with RequestCounter(connections.matrix()) as requests:
        result = onboarding.start(actor="admin", request=request, submission_id=uuid.uuid4().hex)
        ended = wait_for(lambda: not (j := journeys.get(result.journey.id)).active and j,
                         what="the journey (welcome DM included) to end")

    assert ended.step(ROOMS_STEP).status == "done"
    assert kinds(requests)["profile lookup"] == 1
