"""Protected targets: the token's owner, Authentik superusers and the bot are never offboarded,
deactivated, deleted, kicked or banned from the dashboard, whoever asks; deleting is for admins.
"""

from __future__ import annotations

import uuid

import pytest

from app.services import accounts, offboarding, users
from app.services.audit import AuditFilter, search
from app.services.offboarding import OffboardingRequest
from app.services.protected import ProtectedTarget
from app.services.users import Selected
from tests.support.journey_env import JourneyEnv
from tests.ui.conftest import PASSWORD

pytestmark = pytest.mark.synapse


def _offboard(actor: str, **fields: object):
    request = OffboardingRequest(reason="test", **fields)  # type: ignore[arg-type]
    return offboarding.start(actor=actor, request=request, submission_id=uuid.uuid4().hex).journey


def _refusals() -> list[str]:
    return [r.target for r in search(AuditFilter(outcome="denied")).rows]


@pytest.fixture
def staff(journey_env: JourneyEnv) -> JourneyEnv:
    accounts.create_account(actor="test", username="admin", password=PASSWORD, role="admin")
    accounts.create_account(actor="test", username="mod", password=PASSWORD, role="moderator")
    return journey_env


def test_the_token_owner_a_superuser_and_the_bot_are_never_offboarded(staff: JourneyEnv) -> None:
    fake = staff.authentik
    chief = fake.add_user("chief", groups=[fake.group_named("authentik Admins").pk])
    for actor in ("mod", "admin"):
        with pytest.raises(ProtectedTarget, match="AUTHENTIK_TOKEN"):
            _offboard(actor, authentik_username=fake.admin.username)
        with pytest.raises(ProtectedTarget, match="superuser"):
            _offboard(actor, authentik_username="chief")
        with pytest.raises(ProtectedTarget, match="own bot"):
            _offboard(actor, matrix_user_id=staff.bot.user_id)
    assert fake.admin.is_active and chief.is_active
    assert fake.count("PATCH") == fake.count("DELETE") == 0
    assert _refusals().count(fake.admin.username) == 2 and _refusals().count("chief") == 2
    # The preview says so before anyone presses a button.
    seen = offboarding.preview(actor="tester", authentik_username="chief")
    assert "superuser" in seen.protected


def test_only_admins_delete_accounts(staff: JourneyEnv) -> None:
    target = staff.authentik.add_user("carol")
    with pytest.raises(ProtectedTarget, match="Only admins"):
        _offboard("mod", authentik_username="carol", delete_account=True,
                  delete_confirmation="carol")
    assert target.pk in staff.authentik.users
    journey = _offboard("admin", authentik_username="carol", delete_account=True,
                        delete_confirmation="carol")
    assert journey.step("authentik_account").status == "done"
    assert target.pk not in staff.authentik.users


def test_bulk_deactivate_and_delete_skip_superusers_and_the_token_owner(
    staff: JourneyEnv,
) -> None:
    fake = staff.authentik
    chief = fake.add_user("chief", groups=[fake.group_named("authentik Admins").pk])
    member = fake.add_user("member")
    picked = [Selected(u.pk, u.username) for u in (fake.admin, chief, member)]
    outcomes = users.bulk(actor="admin", action="delete", users=picked, confirm="3")
    assert [o.ok for o in outcomes] == [False, False, True]
    assert "AUTHENTIK_TOKEN" in outcomes[0].reason and "superuser" in outcomes[1].reason
    assert {fake.admin.pk, chief.pk} <= set(fake.users) and member.pk not in fake.users
