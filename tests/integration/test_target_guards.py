"""Guards at input: the bot, the token's owner and superusers are refused as targets with a
message naming why; offboarding builds its request from what was typed."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from app.services import offboarding, onboarding, room_journeys, rooms, sanctions
from app.services.offboarding import OffboardingRequest
from app.services.onboarding import OnboardingRequest
from app.utils.errors import InputError, NotConfigured
from tests.support.journey_env import JourneyEnv

pytestmark = pytest.mark.synapse


def test_the_bot_and_protected_accounts_are_refused_as_targets(journey_env: JourneyEnv) -> None:
    env = journey_env
    bot, room = env.bot.user_id, env.room("Guarded")
    before = env.authentik.count("POST")
    with pytest.raises(InputError, match="own bot"):  # onboarding
        onboarding.begin(actor="admin", submission_id=uuid.uuid4().hex, request=OnboardingRequest(
            first_name="B", last_name="Ot", username="bot.user", matrix_user_id=bot))
    with pytest.raises(InputError, match="AUTHENTIK_TOKEN"):  # linking the token's owner
        onboarding.begin(actor="admin", submission_id=uuid.uuid4().hex, request=OnboardingRequest(
            existing_user_pk=env.authentik.admin.pk, existing_username="akadmin"))
    with pytest.raises(InputError, match="own bot"):  # room invites
        room_journeys.begin_invites(actor="mod", user_id=bot, room_ids=[room],
                                    submission_id=uuid.uuid4().hex)
    with pytest.raises(InputError, match="own bot"):  # removal
        room_journeys.begin_removal(actor="mod", submission_id=uuid.uuid4().hex,
                                    request=room_journeys.RemovalRequest(
                                        user_id=bot, room_ids=(room,), reason="x"))
    with pytest.raises(InputError, match="own bot"):  # sanctions
        sanctions.impose(actor="mod", user_id=bot, room_ids=[room], kind="mute",
                         duration=timedelta(hours=1), reason="x")
    assert env.authentik.count("POST") == before


def test_the_welcome_room_list_never_offers_the_bot(journey_env: JourneyEnv) -> None:
    env = journey_env
    env.member()
    rooms.sync_rooms(actor="admin")
    offered = {m.user_id for m in rooms.welcome_room_members()}
    assert offered and env.bot.user_id not in offered


def test_offboarding_with_integrations_missing_says_what_to_set(db: str) -> None:
    request = OffboardingRequest(authentik_username="mallory", matrix_user_id="@m:example.org",
                                 reason="spam")
    with pytest.raises(NotConfigured, match="AUTHENTIK_URL"):
        offboarding.begin(actor="mod", request=request, submission_id=uuid.uuid4().hex)
    only_matrix = OffboardingRequest(matrix_user_id="@m:example.org", reason="spam")
    with pytest.raises(NotConfigured, match="MATRIX_HOMESERVER_URL"):
        offboarding.begin(actor="mod", request=only_matrix, submission_id=uuid.uuid4().hex)
