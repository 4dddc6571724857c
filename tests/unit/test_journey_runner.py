"""Journey records and the step runner: claim once, record, audit, retry only what is left."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from app.db.engine import session_scope
from app.db.models import JourneyStep, utcnow
from app.services import journeys, offboarding_steps, onboarding_steps
from app.services.audit import AuditFilter, search
from app.services.journey_runner import Step, done, failed, run_parallel, run_sequence, run_step
from app.utils.enums import AuditAction, JourneyKind
from app.utils.errors import DashboardError

# Real onboarding step names: each one's audit action is an AuditAction member.
ONE, TWO, THREE, FOUR = "authentik_account", "matrix_account", "room_invites", "graduation"


def new_journey(*steps: str) -> int:
    return journeys.create(kind="onboarding", actor="admin", steps=steps, member_name="Ada").id


def test_steps_run_record_and_audit(db):
    jid = new_journey(ONE, TWO)
    calls: list[str] = []

    def one(journey):
        calls.append("one")
        journeys.set_member(journey.id, matrix_user_id="@ada:x")
        return done(pk=7)

    def two(journey):
        calls.append("two")
        raise DashboardError("Authentik at http://a did not answer within 10 s")

    run_sequence(jid, [Step(ONE, "One", one), Step(TWO, "Two", two)], actor="admin")
    view = journeys.get(jid)
    assert [(s.name, s.status, s.attempts) for s in view.steps] == [
        (ONE, "done", 1),
        (TWO, "failed", 1),
    ]
    assert view.step(ONE).result == {"pk": 7}
    assert "did not answer" in view.step(TWO).reason
    assert view.status == "failed"
    rows = search(AuditFilter(member="@ada:x")).rows
    assert [(r.action, r.outcome) for r in rows] == [
        ("onboarding.matrix_account", "failed"),
        ("onboarding.authentik_account", "ok"),
    ]

    # Retry: the done step is not redone; the failed one runs again and its result merges.
    run_sequence(
        jid, [Step(ONE, "One", one), Step(TWO, "Two", lambda j: done(extra=1))], actor="admin"
    )
    view = journeys.get(jid)
    assert calls == ["one", "two"]
    assert view.status == "done" and view.step(TWO).attempts == 2


def test_a_step_is_claimed_once(db):
    jid = new_journey(THREE)
    assert journeys.claim(jid, THREE)
    assert not journeys.claim(jid, THREE)  # running: a second retry press does nothing
    assert run_step(jid, Step(THREE, "Only", lambda j: done()), actor="a") is None


def test_a_stale_running_step_becomes_retryable(db):
    jid = new_journey(THREE)
    assert journeys.claim(jid, THREE)
    with session_scope() as s:
        s.execute(update(JourneyStep).values(updated_at=utcnow() - timedelta(minutes=11)))
    view = journeys.get(jid)
    assert view.step(THREE).stale and view.status == "failed"
    assert run_step(jid, Step(THREE, "Only", lambda j: done()), actor="a").status == "done"


def test_unexpected_errors_are_recorded_not_lost(db):
    jid = new_journey(FOUR)

    def boom(_journey):
        raise KeyError("x")

    outcome = run_step(jid, Step(FOUR, "Boom", boom), actor="a")
    assert outcome.status == "failed" and "KeyError" in outcome.reason
    assert journeys.get(jid).step(FOUR).status == "failed"


def test_partial_failures_audit_as_partial_and_lanes_run_together(db):
    jid = new_journey(ONE, TWO)
    run_parallel(
        jid,
        [
            [Step(ONE, "A", lambda j: failed("1 of 3 rooms failed", partial=True))],
            [Step(TWO, "B", lambda j: done())],
        ],
        actor="admin",
    )
    outcomes = {r.action: r.outcome for r in search(AuditFilter(actor="admin")).rows}
    assert outcomes == {
        "onboarding.authentik_account": "partial",
        "onboarding.matrix_account": "ok",
    }


def test_every_journey_step_has_an_audit_action() -> None:
    for kind, names in ((JourneyKind.ONBOARDING, onboarding_steps.STEP_NAMES),
                        (JourneyKind.OFFBOARDING, offboarding_steps.STEP_NAMES)):
        for name in names:
            assert AuditAction.journey_step(kind, name) == f"{kind}.{name}"
    with pytest.raises(ValueError):
        AuditAction.journey_step(JourneyKind.ONBOARDING, "no_such_step")
