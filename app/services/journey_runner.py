"""Run a journey's steps: claim, execute, record, audit. Shared by onboarding and offboarding.

A step function gets the journey as stored and returns a StepOutcome; a DashboardError it
raises becomes a failed step carrying the error's message. Unexpected errors are logged and
recorded as failed too: nothing is lost and a retry can pick the step up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from app.db import audit_log
from app.services import journeys
from app.services.journeys import JourneyView
from app.utils.enums import AuditAction, AuditOutcome, StepStatus
from app.utils.errors import DashboardError

logger = logging.getLogger(__name__)


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


def _audit_outcome(outcome: StepOutcome) -> AuditOutcome:
    if outcome.status == StepStatus.FAILED:
        return AuditOutcome.PARTIAL if outcome.partial else AuditOutcome.FAILED
    return AuditOutcome.OK


def run_step(journey_id: int, step: Step, *, actor: str) -> StepOutcome | None:
    """Run one step if it still needs running; None when it was done, skipped or busy."""
    if not journeys.claim(journey_id, step.name):
        return None
    journey = journeys.get(journey_id)
    try:
        outcome = step.run(journey)
    except DashboardError as err:
        outcome = failed(str(err))
    except Exception as err:  # recorded, logged and retryable: never lost
        logger.exception("journey %s step %s crashed", journey_id, step.name)
        outcome = failed(f"unexpected error ({type(err).__name__}); see the server log")
    journeys.finish(
        journey_id, step.name, status=outcome.status, reason=outcome.reason, result=outcome.result
    )
    member = journeys.get(journey_id).member  # a step may have just learned who it is
    details: dict[str, Any] = {"journey": journey_id, "status": outcome.status}
    if outcome.reason:
        details["reason"] = outcome.reason
    audit_log.record(
        actor=actor,
        action=AuditAction.journey_step(journey.kind, step.name),
        outcome=_audit_outcome(outcome),
        target=f"{journey.kind} #{journey_id}",
        member=member,
        details=details,
    )
    return outcome


def run_sequence(journey_id: int, steps: Sequence[Step], *, actor: str) -> None:
    for step in steps:
        run_step(journey_id, step, actor=actor)


def run_parallel(journey_id: int, lanes: Sequence[Sequence[Step]], *, actor: str) -> None:
    """Independent lanes at once (e.g. Authentik and Matrix); steps within a lane in order."""
    if len(lanes) == 1:
        run_sequence(journey_id, lanes[0], actor=actor)
        return
    with ThreadPoolExecutor(max_workers=len(lanes), thread_name_prefix="journey") as pool:
        for future in [pool.submit(run_sequence, journey_id, lane, actor=actor) for lane in lanes]:
            future.result()
