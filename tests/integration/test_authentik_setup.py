"""The Authentik setup check and 'Create the flows for me' against the fake, configured like a
fresh install (only the SSO-only `default-source-enrollment`, no recovery flow on the brand)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.services import connections, invite_links, users
from app.services.audit import AuditFilter, search
from app.services.authentik_setup import Change, Level, PlanChanged, check, provision
from app.utils.authentik import AuthentikClient
from app.utils.config import get_settings
from tests.support.authentik_fake import FAKE_BASE_URL, AuthentikFake
from tests.support.authentik_fixtures import AUTHENTIK_PUBLIC

WRITES = ("POST", "PATCH", "PUT", "DELETE")


@pytest.fixture
def fresh(
    db, monkeypatch: pytest.MonkeyPatch, authentik_schema
) -> Iterator[AuthentikFake]:
    """A fresh-install fake behind the app's Authentik client."""
    fake = AuthentikFake(schema=authentik_schema, install="fresh")
    client = AuthentikClient(FAKE_BASE_URL, fake.token, transport=fake.transport, retries=0)
    monkeypatch.setenv("AUTHENTIK_URL", FAKE_BASE_URL)
    monkeypatch.setenv("AUTHENTIK_PUBLIC_URL", AUTHENTIK_PUBLIC)
    monkeypatch.setenv("AUTHENTIK_TOKEN", fake.token)
    get_settings.cache_clear()
    connections.override("authentik", client)
    yield fake
    connections.override("authentik", None)
    client.close()
    fake.assert_no_violations()


def writes(fake: AuthentikFake) -> int:
    return sum(fake.count(method) for method in WRITES)


def texts(report: check.SetupReport, level: Level) -> str:
    return "\n".join(f"{f.summary} {f.fix}" for f in report.findings if f.level is level)


def test_fresh_install_check_reports_the_sso_only_flow_and_the_missing_recovery_flow(
    fresh: AuthentikFake,
) -> None:
    report = check.run()
    assert report.exit_code == 1
    problems = texts(report, Level.PROBLEM)
    assert "no enrollment flow with an invitation stage" in problems
    assert "'default-source-enrollment' has no Invitation stage" in problems.replace(
        "Flow 'default-source-enrollment'", "'default-source-enrollment'"
    )
    assert "admits only sign-ups through an SSO source" in problems
    assert "default-source-enrollment-if-sso" in problems and "ak_is_sso_flow" in problems
    assert "Flow does not apply to current user" in problems
    assert "Brand 'authentik-default' has no recovery flow" in problems
    assert "No recovery flow set." in problems
    # Each says what to change.
    assert "Create the flows for me" in problems
    assert "System > Brands" in problems and "Continue flow without invitation" in problems
    # The token's owner is akadmin, a person's superuser account: a warning, with the why.
    warnings = texts(report, Level.WARNING)
    assert "'akadmin'" in warnings and "superuser" in warnings
    assert "Token invalid/expired" in warnings and "service account" in warnings
    assert report.owner is not None and report.owner.username == "akadmin"
    assert "at most 100 rows per page" in texts(report, Level.OK)
    assert fresh.count("POST") == 0  # a check only reads


def test_create_the_flows_for_me_previews_then_makes_flows_the_check_accepts(
    fresh: AuthentikFake,
) -> None:
    preview = provision.plan()
    assert writes(fresh) == 0  # previewing writes nothing
    created = {(s.what, s.name) for s in preview.steps if s.change is Change.CREATE}
    assert ("flow", "community-invitation") in created
    assert ("flow", "community-recovery") in created
    assert ("Invitation stage", "community-invitation") in created
    assert ("prompt field", "community-field-password-repeat") in created
    assert [s.change for s in preview.steps if s.what == "brand"] == [Change.UPDATE]

    done = provision.apply(actor="admin", expected=preview)
    assert {(s.what, s.name) for s in done.changes} >= created
    stages = [(s.kind, s.name) for s in fresh.stages_of("community-invitation")]
    assert stages == [
        ("invitation", "community-invitation"),
        ("prompt", "community-enrollment-prompt"),
        ("user_write", "community-enrollment-write"),
        ("user_login", "community-enrollment-login"),
    ]
    assert fresh.stages["{}".format(fresh.stages_of("community-invitation")[0].pk)].settings == {
        "continue_flow_without_invitation": False
    }
    assert fresh.recovery_flow_slug == "community-recovery"

    report = check.run()
    assert report.exit_code == 0, texts(report, Level.PROBLEM)
    assert (report.enrollment_flow, report.recovery_flow) == (
        "community-invitation",
        "community-recovery",
    )
    (row,) = search(AuditFilter(action="authentik.setup.flows")).rows
    assert (row.actor, row.outcome) == ("admin", "ok")
    assert "create flow community-invitation" in row.details["done"]

    # A second run changes nothing: only reads.
    before = writes(fresh)
    again = provision.plan()
    assert again.changes == ()
    assert provision.apply(actor="admin", expected=again).changes == ()
    assert writes(fresh) == before
    assert len(search(AuditFilter(action="authentik.setup.flows")).rows) == 1


def test_the_new_flows_work_end_to_end(fresh: AuthentikFake) -> None:
    provision.apply(actor="admin")
    members = fresh.add_group("members")
    invite = invite_links.create(actor="alice", label="first", intended_groups=["members"])
    assert invite.link == f"{AUTHENTIK_PUBLIC}/if/flow/community-invitation/?itoken={invite.pk}"
    user = fresh.enroll(
        "community-invitation",
        itoken=invite.pk,
        answers={"username": "ada", "name": "Ada", "email": "ada@example.org",
                 "password": "a-long-password", "password_repeat": "a-long-password"},
    )
    assert user.type == "internal" and user.path == "users"
    assert user.attributes["invitation"] == {
        "groups": ["members"], "by": "alice", "name": "first"
    }
    users.intended_groups.reconcile()
    assert members.members == {user.pk}
    (created,) = users.create_user(actor="admin", first_name="Bo", last_name="",
                                   username="bo", credential="recovery_link"),
    assert created.recovery_link is not None
    assert created.recovery_link.startswith(f"{AUTHENTIK_PUBLIC}/if/flow/community-recovery/")


def test_a_changed_authentik_since_the_preview_is_refused(fresh: AuthentikFake) -> None:
    preview = provision.plan()
    fresh.add_stage("invitation", "community-invitation")  # someone made one meanwhile
    with pytest.raises(PlanChanged):
        provision.apply(actor="admin", expected=preview)
    assert writes(fresh) == 0


def test_a_half_done_run_is_finished_and_a_working_setup_is_left_alone(
    fresh: AuthentikFake,
) -> None:
    fresh.fail_next("POST", "/flows/bindings/", status=500)
    with pytest.raises(Exception, match="500"):
        provision.apply(actor="admin")
    (failed,) = search(AuditFilter(action="authentik.setup.flows")).rows
    assert failed.outcome == "failed"
    provision.apply(actor="admin")  # finds what exists, makes the rest
    assert check.run().exit_code == 0
    assert sum(1 for s in fresh.stages.values() if s.name == "community-invitation") == 1


def test_a_configured_authentik_needs_nothing(authentik_installed: AuthentikFake, db) -> None:
    plan = provision.plan()
    assert plan.steps == ()
    assert any("left as it is" in note for note in plan.notes)
    report = check.run()
    assert report.exit_code == 0
    assert report.enrollment_flow == "default-enrollment-flow"


def test_a_dedicated_service_account_is_recognised(
    authentik_installed: AuthentikFake, db
) -> None:
    service = authentik_installed.add_user("svc-dashboard", type="service_account")
    admins = authentik_installed.group_named("authentik Admins")
    authentik_installed.set_member(admins.pk, service.pk, True)
    authentik_installed.use_token_of(service)
    report = check.run()
    token = next(f for f in report.findings if f.topic == "API token's account")
    assert token.level is Level.OK and "service account" in token.summary
