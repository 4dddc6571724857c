"""Invite provenance: invitations made through the dashboard carry who made them; offboarding
one person revokes only theirs; a per-person quota refuses one too many."""

from __future__ import annotations

import uuid

import pytest

from app.services import invite_links, offboarding
from app.services.offboarding import OffboardingRequest
from app.utils.config import get_settings
from app.utils.errors import InputError
from tests.support.journey_env import JourneyEnv

pytestmark = pytest.mark.synapse


def test_invitations_are_attributed_and_offboarding_one_revokes_only_theirs(
    journey_env: JourneyEnv,
) -> None:
    fake = journey_env.authentik
    for person in ("alice", "bob"):
        fake.add_user(person)  # their Authentik accounts (SSO names them the same)
    mine = [invite_links.create(actor="alice", label=f"alice {i}") for i in range(2)]
    theirs = invite_links.create(actor="bob", label="bob 1")
    by = {link.name: link.invited_by for link in invite_links.list_links()}
    assert by == {mine[0].name: "alice", mine[1].name: "alice", theirs.name: "bob"}
    # Authentik itself records the token's account as creator of all three.
    assert {link.created_by for link in invite_links.list_links()} == {fake.admin.username}

    seen = offboarding.preview(actor="tester", authentik_username="alice")
    assert sorted(i.name for i in seen.invitations) == sorted(link.name for link in mine)
    started = offboarding.start(
        actor="admin", submission_id=uuid.uuid4().hex,
        request=OffboardingRequest(authentik_username="alice", reason="left the team"),
    )
    assert started.journey.step("invitations").status == "done"
    assert [link.name for link in invite_links.list_links()] == [theirs.name]


def test_a_quota_refuses_one_invitation_too_many(
    journey_env: JourneyEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INVITE_QUOTA", "2")
    get_settings.cache_clear()
    for i in range(2):
        invite_links.create(actor="carol", label=f"carol {i}")
    before = journey_env.authentik.count("POST")
    with pytest.raises(InputError, match="INVITE_QUOTA=2"):
        invite_links.create(actor="carol", label="one too many")
    assert journey_env.authentik.count("POST") == before  # nothing sent
    invite_links.create(actor="dave", label="dave's own")  # per person
