"""Journeys on the durable engine: a plan of steps per kind, run exactly once per run.

A journey kind registers a Plan: lanes that run at the same time (e.g. Authentik and Matrix),
each a sequence of steps, and an optional follow-up that hands slow work to the background queue
(the welcome DM). `start` finds or creates the journey row for a submission and starts its
workflow under the journey's run ID, so a double click, a second tab or a second replica starts
nothing new; the engine resumes an interrupted run when its replica starts again.

Every step is an engine step that first re-reads the journey: a step finished in an earlier run
is not run again, and a step interrupted mid-way runs again from its start, so each step keeps
its progress in the journey row (rooms as they finish) and sends member-visible messages with
deterministic transaction IDs. A step's DashboardError becomes a failed step with its message;
an unexpected error is logged and recorded as failed. Retry starts a new run that redoes only
what is not done.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from dbos import DBOS, SetWorkflowID

from app.db import audit_log
from app.services import engine, journeys
from app.services.journeys import JourneyView
from app.services.rooms import scopes
from app.utils.enums import (
    AuditAction,
    AuditOutcome,
    JourneyKind,
    JourneyStatus,
    StepStatus,
)
from app.utils.errors import DashboardError, InputError

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.05
T = TypeVar("T")


@dataclass(frozen=True)
class StepOutcome:
    status: StepStatus  # done | failed | skipped
    reason: str = ""
    result: dict[str, Any] = field(default_factory=dict)
    partial: bool = False  # failed, but some of its items were done (audited as "partial")


def done(reason: str = "", **result: Any) -> StepOutcome:
    return StepOutcome(StepStatus.DONE, reason, result)


def skipped(reason: str, **result: Any) -> StepOutcome:
    return StepOutcome(StepStatus.SKIPPED, reason, result)


def failed(reason: str, *, partial: bool = False, **result: Any) -> StepOutcome:
    return StepOutcome(StepStatus.FAILED, reason, result, partial)


StepFn = Callable[[JourneyView], StepOutcome]
RoomResults = dict[str, dict[str, Any]]


def rooms_left(chosen: Sequence[str], rooms: RoomResults) -> list[str]:
    """The chosen rooms an earlier attempt did not finish."""
    return [room for room in chosen if not rooms.get(room, {}).get("ok")]


def rooms_outcome(chosen: Sequence[str], rooms: RoomResults, *, done_text: str) -> StepOutcome:
    """done when every chosen room is ok; else failed (partial if some were), naming a few."""
    bad = [room for room in chosen if not rooms[room]["ok"]]
    if not bad:
        return done(done_text, rooms=rooms)
    first = "; ".join(
        f"{room}: {rooms[room]['status']} {rooms[room]['reason']}" for room in bad[:3]
    )
    return failed(
        f"{len(bad)} of {len(chosen)} room(s) failed: {first}",
        partial=len(bad) < len(chosen),
        rooms=rooms,
    )


@dataclass(frozen=True)
class Step:
    name: str
    title: str
    run: StepFn


@dataclass(frozen=True)
class Plan:
    """How one kind of journey runs. `steps` lists every step shown, in order; `lanes` the
    ones the engine runs; the rest run elsewhere (the credential, shown to one admin)."""

    kind: JourneyKind
    steps: tuple[str, ...]
    titles: Mapping[str, str]
    lanes: tuple[tuple[Step, ...], ...]
    # Runs inside the workflow after the lanes; may only start engine work (enqueue).
    follow_up: Callable[[int], None] | None = None
    outside: tuple[str, ...] = ()  # steps done in a person's request, not by the engine

    def step(self, name: str) -> Step:
        return next(s for lane in self.lanes for s in lane if s.name == name)


PLANS: dict[str, Plan] = {}


def register(plan: Plan) -> Plan:
    PLANS[plan.kind] = plan
    return plan


# -- the workflows ----------------------------------------------------------------------------


@DBOS.workflow(name="journey")
def run_journey(journey_id: int, kind: str) -> str:
    plan = PLANS[kind]
    _mark_running(journey_id)
    if len(plan.lanes) == 1:
        run_lane(journey_id, kind, 0)
    else:
        lanes = range(len(plan.lanes))
        handles = [DBOS.start_workflow(run_lane, journey_id, kind, i) for i in lanes]
        for handle in handles:
            handle.get_result()
    if plan.follow_up is not None:
        plan.follow_up(journey_id)
    return _settle_run(journey_id)


@DBOS.workflow(name="journey.lane")
def run_lane(journey_id: int, kind: str, lane: int) -> None:
    for step in PLANS[kind].lanes[lane]:
        run_step(journey_id, kind, step.name)


@DBOS.step(name="journey.running")
def _mark_running(journey_id: int) -> None:
    journeys.set_status(journey_id, JourneyStatus.RUNNING)


@DBOS.step(name="journey.settle")
def _settle_run(journey_id: int) -> str:
    return str(settle(journey_id))


def settle(journey_id: int) -> JourneyStatus:
    """The journey's status as its steps say (see journeys.settle); called as its run or its
    background work ends."""
    kind = journeys.get(journey_id).kind
    return journeys.settle(journey_id, outside=PLANS[kind].outside)


@DBOS.step(name="journey.step")
def run_step(journey_id: int, kind: str, name: str) -> str:
    """Run one step unless an earlier run finished it; record and audit its outcome."""
    if not journeys.begin_step(journey_id, name):
        return "finished earlier"
    step = PLANS[kind].step(name)
    return str(execute(journeys.get(journey_id), step.name, step.run).status)


def execute(journey: JourneyView, name: str, run: StepFn) -> StepOutcome:
    """Run a step function on the journey as stored; record its end; audit it."""
    try:
        outcome = run(journey)
    except Exception as err:  # recorded, logged and retryable: never lost
        outcome = _failure(journey.id, name, err)
    record(journey.id, name, outcome)
    return outcome


def attempt(journey: JourneyView, name: str, work: Callable[[], T]) -> T | None:
    """Run part of a step; if it raises, record the step as failed (as `execute` would) and
    return None, so the caller stops there."""
    try:
        return work()
    except Exception as err:
        record(journey.id, name, _failure(journey.id, name, err))
    return None


def _failure(journey_id: int, name: str, err: Exception) -> StepOutcome:
    """A step's error as its failed outcome: our errors say what to do; others are logged."""
    if isinstance(err, DashboardError):
        return failed(str(err))
    logger.error("journey %s step %s crashed", journey_id, name, exc_info=err)
    return failed(f"unexpected error ({type(err).__name__}); see the server log")


def record(journey_id: int, name: str, outcome: StepOutcome) -> None:
    """Store a step's end and audit it, naming the member as known now."""
    journeys.finish(
        journey_id, name, status=outcome.status, reason=outcome.reason, result=outcome.result
    )
    journey = journeys.get(journey_id)  # a step may have just learned who it is
    details: dict[str, Any] = {"journey": journey_id, "status": outcome.status}
    if outcome.reason:
        details["reason"] = outcome.reason
    audit_log.record(
        actor=journey.actor,
        action=AuditAction.journey_step(journey.kind, name),
        outcome=_audit_outcome(outcome),
        target=f"{journey.kind} #{journey_id}",
        member=journey.member,
        details=details,
    )


def settle_outside(journey_id: int) -> None:
    """After a step done outside the engine (the credential): settle the journey, unless its
    run or background work goes on (they settle it when they end)."""
    kind = journeys.get(journey_id).kind
    journeys.settle(journey_id, outside=PLANS[kind].outside, unless_running=True)


def _audit_outcome(outcome: StepOutcome) -> AuditOutcome:
    if outcome.status == StepStatus.FAILED:
        return AuditOutcome.PARTIAL if outcome.partial else AuditOutcome.FAILED
    return AuditOutcome.OK


# -- starting, retrying, waiting ----------------------------------------------------------------


@dataclass(frozen=True)
class Started:
    journey: JourneyView
    created: bool  # False: this submission (or this member) already had a journey


def start(
    *,
    kind: JourneyKind,
    submission_id: str,
    actor: str,
    dedupe_key: str | None,
    params: Mapping[str, Any],
    member_name: str = "",
    authentik_username: str = "",
    authentik_pk: int | None = None,
    matrix_user_id: str = "",
) -> Started:
    """Find or create the journey of this submission and make sure its run is on the engine."""
    plan = PLANS[kind]
    journey, created = journeys.open_journey(
        kind=kind,
        workflow_id=f"{kind}-{check_submission(submission_id)}",
        actor=actor,
        steps=plan.steps,
        dedupe_key=dedupe_key,
        member_name=member_name,
        authentik_username=authentik_username,
        authentik_pk=authentik_pk,
        matrix_user_id=matrix_user_id,
        params=params,
    )
    if created:
        audit_log.record(
            actor=actor,
            action=AuditAction.JOURNEY_START,
            target=f"{kind} #{journey.id}",
            member=journey.member,
            details={"journey": journey.id},
        )
    if journey.active:
        launch_run(journey)
    return Started(journeys.get(journey.id), created)


def check_submission(submission_id: str) -> str:
    cleaned = submission_id.strip()
    if not cleaned or len(cleaned) > 80 or not cleaned.replace("-", "").isalnum():
        raise InputError("submission", "the form's submission ID is missing; reload the page")
    return cleaned


def launch_run(journey: JourneyView) -> None:
    """Start the journey's current run on the engine; a second call for the same run (another
    click, tab or replica) starts nothing."""
    engine.launch()
    with SetWorkflowID(journey.run_id):
        DBOS.start_workflow(run_journey, journey.id, journey.kind)


def retry(*, actor: str, journey_id: int) -> JourneyView:
    """Run again only what is not done; refused while the journey is still running, and for
    a scoped moderator when its rooms are not all in their scope."""
    journey = journeys.get(journey_id)
    if journey.active:
        raise InputError("Journey", f"#{journey_id} is still running: wait for it to finish")
    scopes.check(actor=actor, room_ids=journey.params.get("room_ids") or (),
                 action=AuditAction.JOURNEY_RETRY, member=journey.member)
    if journeys.next_run(journey_id, journey.runs):
        audit_log.record(
            actor=actor,
            action=AuditAction.JOURNEY_RETRY,
            target=f"{journey.kind} #{journey_id}",
            member=journey.member,
            details={"journey": journey_id, "run": journey.runs + 1},
        )
        launch_run(journeys.get(journey_id))
    return journeys.get(journey_id)


def wait(
    journey_id: int,
    *,
    until: Callable[[JourneyView], bool],
    timeout: float,
    report: Callable[[JourneyView], object] | None = None,
) -> JourneyView:
    """Poll the journey row until `until(journey)` or `timeout` s; `report` sees each new
    state (for a progress bar). Returns the last state read."""
    deadline = time.monotonic() + timeout
    seen: object = None
    while True:
        journey = journeys.get(journey_id)
        stamp = (journey.status, tuple((s.status, len(s.result.get("rooms") or {}))
                                       for s in journey.steps))
        if report is not None and stamp != seen:
            seen = stamp
            report(journey)
        if until(journey) or time.monotonic() >= deadline:
            return journey
        time.sleep(POLL_SECONDS)


def finished(*names: str) -> Callable[[JourneyView], bool]:
    """A wait condition: these steps have finished or failed (or the journey is no longer
    active); with no names, the journey's run has ended (it is no longer active)."""

    def check(journey: JourneyView) -> bool:
        if not names or not journey.active:
            return not journey.active
        return all(
            s.status in (StepStatus.DONE, StepStatus.SKIPPED, StepStatus.FAILED)
            for s in journey.steps if s.name in names
        )

    return check


def resume_queued() -> int:
    """Start the runs of journeys recorded but never handed to the engine (a process that died
    between the two); the engine itself resumes the runs it knows. Returns how many."""
    queued = journeys.search(status=JourneyStatus.QUEUED, limit=1000)
    for journey in queued:
        if journey.kind in PLANS:
            launch_run(journey)
    return len(queued)


# -- what the Journeys page shows and does --------------------------------------------------------

WAITING = ["ENQUEUED", "DELAYED"]  # engine work that has not started yet


@dataclass(frozen=True)
class Scheduled:
    """Engine work of a journey that has not started: queued, or waiting for its time."""

    workflow_id: str
    name: str
    due: datetime | None  # when a delayed job becomes due


def scheduled(journey: JourneyView) -> list[Scheduled]:
    engine.launch()
    found = DBOS.list_workflows(workflow_id_prefix=journey.workflow_id, status=WAITING,
                                load_input=False, load_output=False)
    return [
        Scheduled(w.workflow_id, w.name,
                  datetime.fromtimestamp(w.delay_until_epoch_ms / 1000, UTC)
                  if w.delay_until_epoch_ms else None)
        for w in found
    ]


def cancel(*, actor: str, journey_id: int) -> JourneyView:
    """Cancel a journey's work that has not started (a queued run, a welcome text waiting for
    its time); its unfinished steps are marked skipped, saying who cancelled. A step already
    running is never stopped midway."""
    journey = journeys.get(journey_id)
    waiting = scheduled(journey)
    if not waiting and journey.status != JourneyStatus.QUEUED:
        raise InputError("Journey", f"#{journey_id} has nothing waiting to start")
    for work in waiting:
        DBOS.cancel_workflow(work.workflow_id)
    running = DBOS.list_workflows(workflow_id_prefix=journey.workflow_id, status="PENDING",
                                  load_input=False, load_output=False)
    if not running:
        for step in journey.steps:
            if not step.finished and step.status != StepStatus.FAILED:
                journeys.finish(journey_id, step.name, status=StepStatus.SKIPPED,
                                reason=f"cancelled by {actor} before it ran")
        if journey.status == JourneyStatus.QUEUED:
            journeys.set_status(journey_id, JourneyStatus.CANCELLED)
        else:
            settle(journey_id)
    audit_log.record(
        actor=actor, action=AuditAction.JOURNEY_CANCEL, target=f"{journey.kind} #{journey_id}",
        member=journey.member, details={"journey": journey_id, "cancelled": len(waiting)},
    )
    return journeys.get(journey_id)
