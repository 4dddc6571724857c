"""Journeys on the durable engine: one journey per submission and per member, steps recorded
and audited, retries that redo only what is left, cancelling what has not started."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator

import pytest

from app.services import engine, journey_runner, journeys, offboarding_steps, onboarding_steps
from app.services.audit import AuditFilter, search
from app.services.journey_runner import Plan, Step, StepFn, done, failed
from app.services.journeys import JourneyView
from app.utils.enums import AuditAction, JourneyKind, JourneyStatus
from app.utils.errors import DashboardError, InputError
from tests.support.waiting import wait_for

# Real step names of a real kind: each one's audit action is an AuditAction member.
KIND = JourneyKind.ONBOARDING
ONE, TWO = "authentik_account", "matrix_account"


@pytest.fixture
def plan(db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Replace the onboarding plan with test steps: plan(one, two, together=False)."""
    engine.launch()  # imports the real plans first, so they do not replace the test's

    def use(one: StepFn, two: StepFn, *, together: bool = False) -> None:
        steps = (Step(ONE, "One", one), Step(TWO, "Two", two))
        lanes = ((steps[0],), (steps[1],)) if together else (steps,)
        monkeypatch.setitem(journey_runner.PLANS, KIND,
                            Plan(kind=KIND, steps=(ONE, TWO), titles={}, lanes=lanes))

    yield use


def start(submission: str | None = None, dedupe: str | None = None) -> journey_runner.Started:
    return journey_runner.start(kind=KIND, submission_id=submission or uuid.uuid4().hex,
                                actor="admin", dedupe_key=dedupe, params={}, member_name="Ada")


def ended(journey_id: int) -> JourneyView:
    return wait_for(lambda: (j := journeys.get(journey_id)).active is False and j,
                    what="the journey to end")


def test_steps_run_record_and_audit_then_a_retry_redoes_only_what_failed(plan) -> None:
    calls: list[str] = []

    def one(journey: JourneyView) -> journey_runner.StepOutcome:
        calls.append("one")
        journeys.set_member(journey.id, matrix_user_id="@ada:x")
        return done(pk=7)

    def two(_journey: JourneyView) -> journey_runner.StepOutcome:
        calls.append("two")
        if calls.count("two") == 1:
            raise DashboardError("Authentik at http://a did not answer within 10 s")
        return done(extra=1)

    plan(one, two)
    journey = ended(start().journey.id)
    assert [(s.name, s.status, s.attempts) for s in journey.steps] == [
        (ONE, "done", 1), (TWO, "failed", 1)]
    assert journey.step(ONE).result == {"pk": 7} and journey.status == "failed"
    assert "did not answer" in journey.step(TWO).reason
    rows = search(AuditFilter(member="@ada:x")).rows
    assert [(r.action, r.outcome) for r in rows][:2] == [
        ("onboarding.matrix_account", "failed"), ("onboarding.authentik_account", "ok")]

    journey_runner.retry(actor="admin", journey_id=journey.id)
    journey = ended(journey.id)
    assert calls == ["one", "two", "two"]  # the done step is not redone
    assert journey.status == "done" and journey.step(TWO).attempts == 2 and journey.runs == 2
    assert journey.step(TWO).result == {"extra": 1}


def test_the_same_submission_from_two_threads_is_one_journey_run_once(plan) -> None:
    release, calls = threading.Event(), []

    def slow(_journey: JourneyView) -> journey_runner.StepOutcome:
        calls.append(1)
        release.wait(30)
        return done()

    plan(slow, lambda j: done())
    submission = uuid.uuid4().hex
    started: list[journey_runner.Started] = []
    threads = [threading.Thread(target=lambda: started.append(start(submission)))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    release.set()
    assert len({s.journey.id for s in started}) == 1
    assert sum(s.created for s in started) == 1
    assert ended(started[0].journey.id).status == "done" and calls == [1]


def test_another_submission_for_the_same_member_joins_the_running_journey(plan) -> None:
    release = threading.Event()
    plan(lambda j: done() if release.wait(30) else failed("never"), lambda j: done())
    first = start(dedupe="onboarding:@ada:x")
    second = start(dedupe="onboarding:@ada:x")  # another tab, another replica
    assert (second.journey.id, second.created) == (first.journey.id, False)
    release.set()
    assert ended(first.journey.id).status == "done"
    third = start(dedupe="onboarding:@ada:x")  # once ended, the member may start again
    assert third.created and third.journey.id != first.journey.id


def test_unexpected_errors_are_recorded_not_lost(plan) -> None:
    def boom(_journey: JourneyView) -> journey_runner.StepOutcome:
        raise KeyError("x")

    plan(boom, lambda j: done())
    journey = ended(start().journey.id)
    assert journey.step(ONE).status == "failed" and "KeyError" in journey.step(ONE).reason


def test_lanes_run_together_and_partial_failures_audit_as_partial(plan) -> None:
    both = threading.Barrier(2, timeout=30)  # each lane waits for the other: they overlap

    def lane(outcome: journey_runner.StepOutcome) -> StepFn:
        return lambda _j: both.wait() is not None and outcome

    plan(lane(failed("1 of 3 rooms failed", partial=True)), lane(done()), together=True)
    ended(start().journey.id)
    outcomes = {r.action: r.outcome for r in search(AuditFilter(actor="admin")).rows}
    assert outcomes[AuditAction.journey_step(KIND, ONE)] == "partial"
    assert outcomes[AuditAction.journey_step(KIND, TWO)] == "ok"


def test_retry_is_refused_while_running_and_two_retries_give_one_run(plan) -> None:
    release = threading.Event()
    plan(lambda j: done() if release.wait(30) else failed("x"), lambda j: failed("no"))
    journey = start().journey
    with pytest.raises(InputError, match="still running"):
        journey_runner.retry(actor="admin", journey_id=journey.id)
    release.set()
    ended(journey.id)
    for _ in range(2):  # a double click on Retry
        journeys.next_run(journey.id, 1)
    assert journeys.get(journey.id).runs == 2


def test_a_journey_recorded_but_never_started_is_started_when_the_engine_launches(
    plan,
) -> None:
    plan(lambda j: done(), lambda j: done())
    orphan, _ = journeys.open_journey(kind=KIND, workflow_id=f"{KIND}-orphan", actor="admin",
                                      steps=(ONE, TWO))
    engine.shutdown()
    engine.launch()  # as a replica starting again after dying between the two writes
    assert ended(orphan.id).status == "done"


def test_cancel_a_queued_journey_marks_its_steps_skipped(plan) -> None:
    plan(lambda j: done(), lambda j: done())
    queued, _ = journeys.open_journey(kind=KIND, workflow_id=f"{KIND}-later", actor="admin",
                                      steps=(ONE, TWO))
    journey = journey_runner.cancel(actor="mod", journey_id=queued.id)
    assert journey.status == JourneyStatus.CANCELLED
    assert {s.status for s in journey.steps} == {"skipped"}
    assert "cancelled by mod" in journey.step(ONE).reason


def test_every_journey_step_has_an_audit_action() -> None:
    for plan in journey_runner.PLANS.values():
        for name in plan.steps:
            assert AuditAction.journey_step(plan.kind, name) == f"{plan.kind}.{name}"
    for kind, names in ((JourneyKind.ONBOARDING, onboarding_steps.STEP_NAMES),
                        (JourneyKind.OFFBOARDING, offboarding_steps.STEP_NAMES)):
        assert set(names) == set(journey_runner.PLANS[kind].steps)
    with pytest.raises(ValueError):
        AuditAction.journey_step(JourneyKind.ONBOARDING, "no_such_step")
