"""Journey records and the step runner: claim once, record, audit, retry only what is left."""

from datetime import timedelta

from sqlalchemy import update

from app.db.engine import session_scope
from app.db.models import JourneyStep, utcnow
from app.services import journeys
from app.services.audit import AuditFilter, search
from app.services.journey_runner import Step, done, failed, run_parallel, run_sequence, run_step
from app.utils.errors import DashboardError


def new_journey(*steps: str) -> int:
    return journeys.create(kind="onboarding", actor="admin", steps=steps, member_name="Ada").id


def test_steps_run_record_and_audit(db):
    jid = new_journey("one", "two")
    calls: list[str] = []

    def one(journey):
        calls.append("one")
        journeys.set_member(journey.id, matrix_user_id="@ada:x")
        return done(pk=7)

    def two(journey):
        calls.append("two")
        raise DashboardError("Authentik at http://a did not answer within 10 s")

    run_sequence(jid, [Step("one", "One", one), Step("two", "Two", two)], actor="admin")
    view = journeys.get(jid)
    assert [(s.name, s.status, s.attempts) for s in view.steps] == [
        ("one", "done", 1),
        ("two", "failed", 1),
    ]
    assert view.step("one").result == {"pk": 7}
    assert "did not answer" in view.step("two").reason
    assert view.status == "failed"
    rows = search(AuditFilter(member="@ada:x")).rows
    assert [(r.action, r.outcome) for r in rows] == [
        ("onboarding.two", "failed"),
        ("onboarding.one", "ok"),
    ]

    # Retry: the done step is not redone; the failed one runs again and its result merges.
    run_sequence(
        jid, [Step("one", "One", one), Step("two", "Two", lambda j: done(extra=1))], actor="admin"
    )
    view = journeys.get(jid)
    assert calls == ["one", "two"]
    assert view.status == "done" and view.step("two").attempts == 2


def test_a_step_is_claimed_once(db):
    jid = new_journey("only")
    assert journeys.claim(jid, "only")
    assert not journeys.claim(jid, "only")  # running: a second retry press does nothing
    assert run_step(jid, Step("only", "Only", lambda j: done()), actor="a") is None


def test_a_stale_running_step_becomes_retryable(db):
    jid = new_journey("only")
    assert journeys.claim(jid, "only")
    with session_scope() as s:
        s.execute(update(JourneyStep).values(updated_at=utcnow() - timedelta(minutes=11)))
    view = journeys.get(jid)
    assert view.step("only").stale and view.status == "failed"
    assert run_step(jid, Step("only", "Only", lambda j: done()), actor="a").status == "done"


def test_unexpected_errors_are_recorded_not_lost(db):
    jid = new_journey("boom")

    def boom(_journey):
        raise KeyError("x")

    outcome = run_step(jid, Step("boom", "Boom", boom), actor="a")
    assert outcome.status == "failed" and "KeyError" in outcome.reason
    assert journeys.get(jid).step("boom").status == "failed"


def test_partial_failures_audit_as_partial_and_lanes_run_together(db):
    jid = new_journey("a", "b")
    run_parallel(
        jid,
        [
            [Step("a", "A", lambda j: failed("1 of 3 rooms failed", partial=True))],
            [Step("b", "B", lambda j: done())],
        ],
        actor="admin",
    )
    outcomes = {r.action: r.outcome for r in search(AuditFilter(actor="admin")).rows}
    assert outcomes == {"onboarding.a": "partial", "onboarding.b": "ok"}
