"""Moderators: Matrix ID link and power levels per room, against real Synapse."""

import pytest

from app.services import moderators
from app.services.accounts import create_account
from app.services.audit import AuditFilter, search
from app.utils.errors import InputError
from tests.support.journey_env import JourneyEnv

pytestmark = pytest.mark.synapse


def test_power_level_in_chosen_rooms_with_a_forbidden_one(journey_env: JourneyEnv):
    env = journey_env
    account = create_account(
        actor="t", username="mia", password="a long enough password", role="moderator"
    )
    person = env.synapse.register()
    assert (
        moderators.link_matrix_id(
            actor="admin", account_id=account.id, matrix_user_id=person.user_id
        )
        == person.user_id
    )
    assert moderators.linked_matrix_ids() == {account.id: person.user_id}
    ours = [env.room("A"), env.room("B")]
    owner = env.synapse.register()
    theirs = env.room("Not ours", owner=owner)  # the bot joined with no power
    outcomes = moderators.set_room_power(
        actor="admin", matrix_user_id=person.user_id, room_ids=[*ours, theirs], level=50
    )
    assert [str(o.status) for o in outcomes] == ["done", "done", "forbidden"]
    for room in ours:
        levels = env.synapse.state(env.bot, room, "m.room.power_levels")
        assert levels["users"][person.user_id] == 50
    row = search(AuditFilter(action="moderator.power")).rows[0]
    assert row.outcome == "partial" and row.member == person.user_id
    # Taking the power away again.
    back = moderators.set_room_power(
        actor="admin", matrix_user_id=person.user_id, room_ids=ours, level=0
    )
    assert all(o.ok for o in back)
    assert person.user_id not in env.synapse.state(env.bot, ours[0], "m.room.power_levels")["users"]


def test_bad_input_is_refused_before_any_request(journey_env: JourneyEnv):
    with pytest.raises(InputError, match="Matrix user ID"):
        moderators.set_room_power(actor="a", matrix_user_id="mia", room_ids=["!x"], level=50)
    with pytest.raises(InputError, match="Power level"):
        moderators.set_room_power(actor="a", matrix_user_id="@mia:x", room_ids=["!x"], level=101)
    with pytest.raises(InputError, match="Rooms"):
        moderators.set_room_power(actor="a", matrix_user_id="@mia:x", room_ids=[], level=50)
