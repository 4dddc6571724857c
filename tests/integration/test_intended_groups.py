"""Intended groups that land: an invite link's groups travel in attributes (the only thing
Authentik's user-write stage keeps), and the dashboard adds the new account to them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from dbos import DBOS

from app.services import engine, intended_groups_job, invite_links, users
from app.services.audit import AuditFilter, search
from app.services.users import intended_groups
from tests.support.authentik_fake import AuthentikFake
from tests.support.waiting import wait_for

ANSWERS = {
    "username": "ada",
    "name": "Ada Lovelace",
    "password": "a-long-password",
    "password_repeat": "a-long-password",
}


@pytest.fixture
def fake(db, authentik_installed: AuthentikFake) -> AuthentikFake:
    return authentik_installed


def enrolled(fake: AuthentikFake, groups: list[str], answers: dict = ANSWERS):
    invite = invite_links.create(
        actor="alice", label="Spring meetup", email="ada@example.org", intended_groups=groups
    )
    return fake.enroll("default-enrollment-flow", itoken=invite.pk, answers=answers)


def rows() -> list:
    return search(AuditFilter(action="authentik.user.intended_groups"), page_size=100).rows


def test_an_enrolled_invitee_ends_in_the_intended_groups_after_the_reconcile(
    fake: AuthentikFake,
) -> None:
    volunteers, readers = fake.add_group("volunteers"), fake.add_group("readers")
    user = enrolled(fake, ["volunteers", "readers"])
    # Authentik alone adds no membership: the groups are only in the attributes.
    assert user.groups == []
    assert user.attributes["invitation"]["groups"] == ["volunteers", "readers"]
    detail = users.user_detail(pk=user.pk)
    assert detail.pending_groups == ("volunteers", "readers")
    assert detail.invitation.by == "alice" and detail.invitation.name == "spring-meetup"

    (outcome,) = intended_groups.reconcile()
    assert (outcome.username, outcome.added, outcome.done) == (
        "ada",
        ("volunteers", "readers"),
        True,
    )
    assert volunteers.members == {user.pk} and readers.members == {user.pk}
    assert user.attributes["invitation"]["applied"]["by"] == "system"
    assert users.user_detail(pk=user.pk).pending_groups == ()
    (row,) = rows()
    assert (row.actor, row.member, row.outcome) == ("system", "ada", "ok")
    assert row.details["added"] == ["volunteers", "readers"]
    assert row.details["invited_by"] == "alice"

    # Applied once: a membership removed by hand stays removed; the next run writes nothing.
    fake.set_member(readers.pk, user.pk, False)
    fake.reset_requests()
    assert intended_groups.reconcile() == []
    assert fake.count("POST") == fake.count("PATCH") == 0
    assert readers.members == set() and len(rows()) == 1


def test_a_missing_group_stays_pending_until_it_exists(fake: AuthentikFake) -> None:
    fake.add_group("later")
    user = enrolled(fake, ["later"])
    fake.groups.pop(fake.group_named("later").pk)  # deleted before the reconcile
    (first,) = intended_groups.reconcile()
    assert (first.added, first.missing, first.done) == ((), ("later",), False)
    assert rows() == []  # nothing changed, nothing recorded
    assert users.user_detail(pk=user.pk).pending_groups == ("later",)
    later = fake.add_group("later")
    (second,) = intended_groups.reconcile()
    assert second.added == ("later",) and second.done and later.members == {user.pk}


def test_an_admin_applies_them_from_the_detail_and_superuser_groups_are_never_applied(
    fake: AuthentikFake,
) -> None:
    team = fake.add_group("team")
    user = fake.add_user(
        "old.invitee",
        attributes={"invitation": {"groups": ["team", "authentik Admins"], "by": "bob"}},
    )
    outcome = intended_groups.apply(actor="admin", pk=user.pk)
    assert outcome.added == ("team",) and outcome.refused == ("authentik Admins",)
    assert outcome.done and team.members == {user.pk}
    assert fake.group_named("authentik Admins").members == {fake.admin.pk}
    (row,) = rows()
    assert (row.actor, row.details["refused"]) == ("admin", ["authentik Admins"])


def test_only_recent_accounts_are_looked_at(fake: AuthentikFake) -> None:
    fake.add_group("volunteers")
    user = enrolled(fake, ["volunteers"])
    user.date_joined -= timedelta(days=30)
    assert intended_groups.reconcile() == []
    assert len(intended_groups.reconcile(joined_within=timedelta(days=31))) == 1


def test_the_scheduled_job_on_the_durable_engine_applies_them(fake: AuthentikFake) -> None:
    volunteers = fake.add_group("volunteers")
    user = enrolled(fake, ["volunteers"])
    engine.launch()
    try:
        intended_groups_job.apply_schedule("* * * * * *")  # every second, for the test
        wait_for(lambda: volunteers.members == {user.pk}, timeout=30,
                 what="the scheduled reconcile to add the member")
    finally:
        DBOS.delete_schedule(intended_groups_job.SCHEDULE_NAME)
        engine.shutdown()
    assert rows()[0].actor == "system"
