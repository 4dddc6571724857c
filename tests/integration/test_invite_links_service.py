"""Invite links (Authentik invitations) against the schema-checked fake."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from app.services import invite_links
from app.services.audit import AuditFilter, search
from app.utils.authentik import AuthentikConfigError
from app.utils.config import get_settings
from app.utils.errors import InputError
from tests.support.authentik_fake import AuthentikFake
from tests.support.authentik_fixtures import AUTHENTIK_PUBLIC

PUBLIC = AUTHENTIK_PUBLIC
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@pytest.fixture
def fake(db, authentik_installed: AuthentikFake) -> AuthentikFake:
    """The fake behind the app's Authentik client."""
    return authentik_installed


def audit_rows(action: str) -> list:
    return search(AuditFilter(action=action), page_size=500).rows


# -- invite links ---------------------------------------------------------------------------------


def test_invitation_names_come_from_labels(fake: AuthentikFake) -> None:
    assert invite_links.invitation_name("Spring meetup 2026!") == "spring-meetup-2026"
    assert invite_links.invitation_name("Zoë's  party") == "zoes-party"
    assert invite_links.invitation_name("team_a") == "team_a"
    for bad in ("", "!!!", "日本語"):
        with pytest.raises(InputError) as caught:
            invite_links.invitation_name(bad)
        assert caught.value.field == "label"


@pytest.mark.parametrize(
    ("label", "expires_in", "email", "field"),
    [
        ("???", timedelta(days=7), None, "label"),
        ("ok", timedelta(minutes=59), None, "expires"),
        ("ok", timedelta(days=30, minutes=5), None, "expires"),
        ("ok", timedelta(days=7), "nope", "email"),
    ],
)
def test_bad_invites_are_rejected_before_any_request(
    fake: AuthentikFake, label: str, expires_in: timedelta, email: str | None, field: str
) -> None:
    fake.reset_requests()
    with pytest.raises(InputError) as caught:
        invite_links.create(actor="admin", label=label, expires_in=expires_in, email=email)
    assert caught.value.field == field
    assert fake.count() == 0 and not fake.invitations


def test_expiry_from_days_and_hours_is_bounded() -> None:
    assert invite_links.expiry_duration(days=0, hours=1) == timedelta(hours=1)
    assert invite_links.expiry_duration(days=30) == timedelta(days=30)
    for days, hours in ((0, 0), (30, 1), (31, 0)):
        with pytest.raises(InputError) as caught:
            invite_links.expiry_duration(days=days, hours=hours)
        assert caught.value.field == "expires"


def test_invite_link_has_the_exact_form_and_the_invitation_is_single_use(
    fake: AuthentikFake,
) -> None:
    before = datetime.now(UTC)
    fake.add_group("members")
    invite = invite_links.create(
        actor="admin",
        label="Spring meetup",
        email="new@example.org",
        intended_groups=["members"],
    )
    assert invite.link == f"{PUBLIC}/if/flow/default-enrollment-flow/?itoken={invite.pk}"
    assert re.fullmatch(UUID, invite.pk)
    stored = fake.invitations[invite.pk]
    assert stored.name == "spring-meetup" and stored.single_use
    assert stored.flow == fake.flows["default-enrollment-flow"].pk
    # What Authentik's user-write stage keeps: a user field, and `attributes.` keys without
    # "_" (it would nest them); the creator is the dashboard user, not the token's account.
    assert stored.fixed_data == {
        "email": "new@example.org",
        "attributes.invitation.groups": ["members"],
        "attributes.invitation.by": "admin",
        "attributes.invitation.name": "spring-meetup",
    }
    assert (invite.invited_by, invite.created_by, invite.intended_groups) == (
        "admin",
        "akadmin",
        ("members",),
    )
    assert stored.expires is not None
    assert (
        timedelta(days=7) - timedelta(minutes=1)
        < stored.expires - before
        < timedelta(days=7, minutes=1)
    )
    (row,) = audit_rows("authentik.invite.create")
    assert (row.target, row.member, row.outcome) == ("spring-meetup", "new@example.org", "ok")


def test_invite_flow_comes_from_authentik_never_a_guess(
    fake: AuthentikFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.add_invitation_flow("community-signup")
    with pytest.raises(AuthentikConfigError) as caught:
        invite_links.create(actor="admin", label="two-flows")
    assert caught.value.variable == "AUTHENTIK_ENROLLMENT_FLOW"
    assert [r.outcome for r in audit_rows("authentik.invite.create")] == ["failed"]
    monkeypatch.setenv("AUTHENTIK_ENROLLMENT_FLOW", "community-signup")
    get_settings.cache_clear()
    invite = invite_links.create(actor="admin", label="two-flows")
    assert invite.link == f"{PUBLIC}/if/flow/community-signup/?itoken={invite.pk}"


def test_list_and_revoke_invites(fake: AuthentikFake) -> None:
    first = invite_links.create(actor="admin", label="first", expires_in=timedelta(hours=2))
    second = invite_links.create(actor="admin", label="second", expires_in=timedelta(days=3))
    listed = invite_links.list_links()
    assert [i.name for i in listed] == ["second", "first"]  # latest expiry first
    assert {i.created_by for i in listed} == {"akadmin"}  # Authentik: the token's account
    assert {i.invited_by for i in listed} == {"admin"}  # the dashboard: who made it
    assert {i.link for i in listed} == {first.link, second.link}
    assert not any(i.is_expired() for i in listed)
    invite_links.revoke(actor="admin", pk=first.pk, name=first.name)
    assert first.pk not in fake.invitations and second.pk in fake.invitations
    assert [i.pk for i in invite_links.list_links()] == [second.pk]
    (row,) = audit_rows("authentik.invite.revoke")
    assert (row.target, row.outcome) == ("first", "ok")
    fake.reset_requests()
    with pytest.raises(InputError):
        invite_links.revoke(actor="admin", pk="../../core/users/1")
    assert fake.count() == 0


def test_intended_groups_must_exist_and_never_be_a_superuser_group(fake: AuthentikFake) -> None:
    fake.reset_requests()
    for groups, message in ((["nope"], "no group 'nope'"),
                            (["authentik Admins"], "superuser group")):
        with pytest.raises(InputError, match=message) as caught:
            invite_links.create(actor="admin", label="x", intended_groups=groups)
        assert caught.value.field == "intended_groups"
    assert not fake.invitations and fake.count("POST") == 0


def test_an_invite_to_an_sso_only_flow_is_refused_before_it_is_made(
    fake: AuthentikFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.add_flow("default-source-enrollment", "enrollment")
    monkeypatch.setenv("AUTHENTIK_ENROLLMENT_FLOW", "default-source-enrollment")
    get_settings.cache_clear()
    with pytest.raises(AuthentikConfigError, match="has no invitation stage"):
        invite_links.create(actor="admin", label="dead-link")
    assert not fake.invitations
