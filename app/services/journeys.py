"""Journey records: one onboarding or offboarding, its steps and their states, in the database.

Each step moves pending -> running -> done | failed | skipped. A step is claimed atomically
(so two admins pressing "retry" cannot run it twice); done and skipped steps are never redone.
A step left "running" by a process that died counts as failed once it is older than
STALE_AFTER, so it can be retried.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update

from app.db.engine import rows_changed, session_scope
from app.db.models import Journey, JourneyStep, utcnow
from app.utils.enums import JourneyKind, StepStatus

FINISHED = (StepStatus.DONE, StepStatus.SKIPPED)
STALE_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class StepView:
    name: str
    status: StepStatus
    reason: str
    result: dict[str, Any]
    attempts: int
    updated_at: datetime

    @property
    def stale(self) -> bool:
        return self.status == StepStatus.RUNNING and utcnow() - self.updated_at > STALE_AFTER

    @property
    def retryable(self) -> bool:
        return self.status in (StepStatus.PENDING, StepStatus.FAILED) or self.stale


@dataclass(frozen=True)
class JourneyView:
    id: int
    kind: str
    created_at: datetime
    actor: str
    member_name: str
    authentik_username: str
    authentik_pk: int | None
    matrix_user_id: str
    params: dict[str, Any]
    steps: tuple[StepView, ...] = field(default_factory=tuple)

    def step(self, name: str) -> StepView:
        return next(s for s in self.steps if s.name == name)

    @property
    def status(self) -> StepStatus:
        """done when every step finished; failed when any failed; else in progress."""
        if all(s.status in FINISHED for s in self.steps):
            return StepStatus.DONE
        if any(s.status == StepStatus.FAILED or s.stale for s in self.steps):
            return StepStatus.FAILED
        return StepStatus.RUNNING

    @property
    def member(self) -> str:
        """How the audit log names the member: Authentik username and Matrix ID, so a search
        for either finds the journey's events."""
        return " ".join(p for p in (self.authentik_username, self.matrix_user_id) if p) or (
            self.member_name
        )


def _view(journey: Journey) -> JourneyView:
    return JourneyView(
        id=journey.id,
        kind=journey.kind,
        created_at=journey.created_at,
        actor=journey.actor,
        member_name=journey.member_name,
        authentik_username=journey.authentik_username,
        authentik_pk=journey.authentik_pk,
        matrix_user_id=journey.matrix_user_id,
        params=dict(journey.params or {}),
        steps=tuple(
            StepView(s.name, StepStatus(s.status), s.reason, dict(s.result or {}), s.attempts,
                     s.updated_at)
            for s in journey.steps
        ),
    )


def create(
    *,
    kind: JourneyKind,
    actor: str,
    steps: Sequence[str],
    member_name: str = "",
    authentik_username: str = "",
    authentik_pk: int | None = None,
    matrix_user_id: str = "",
    params: Mapping[str, Any] | None = None,
) -> JourneyView:
    with session_scope() as db:
        journey = Journey(
            kind=kind,
            actor=actor,
            member_name=member_name[:200],
            authentik_username=authentik_username,
            authentik_pk=authentik_pk,
            matrix_user_id=matrix_user_id,
            params=dict(params or {}),
        )
        journey.steps = [JourneyStep(position=i, name=n, result={}) for i, n in enumerate(steps)]
        db.add(journey)
        db.flush()
        return _view(journey)


def get(journey_id: int) -> JourneyView:
    with session_scope() as db:
        journey = db.get(Journey, journey_id)
        if journey is None:
            raise LookupError(f"no journey {journey_id}")
        return _view(journey)


def recent(kind: JourneyKind, *, limit: int = 20) -> list[JourneyView]:
    with session_scope() as db:
        rows = db.scalars(
            select(Journey)
            .where(Journey.kind == kind)
            .order_by(Journey.created_at.desc(), Journey.id.desc())
            .limit(limit)
        ).all()
        return [_view(j) for j in rows]


def set_member(
    journey_id: int,
    *,
    authentik_username: str | None = None,
    authentik_pk: int | None = None,
    matrix_user_id: str | None = None,
) -> None:
    """Record who the journey is about once a step learns it (e.g. the created account)."""
    values: dict[str, Any] = {}
    if authentik_username is not None:
        values["authentik_username"] = authentik_username
    if authentik_pk is not None:
        values["authentik_pk"] = authentik_pk
    if matrix_user_id is not None:
        values["matrix_user_id"] = matrix_user_id
    if values:
        with session_scope() as db:
            db.execute(update(Journey).where(Journey.id == journey_id).values(**values))


def claim(journey_id: int, name: str) -> bool:
    """Atomically move a retryable step to running; False if it is done, skipped or busy."""
    now = utcnow()
    with session_scope() as db:
        result = db.execute(
            update(JourneyStep)
            .where(
                JourneyStep.journey_id == journey_id,
                JourneyStep.name == name,
                or_(
                    JourneyStep.status.in_((StepStatus.PENDING, StepStatus.FAILED)),
                    (JourneyStep.status == StepStatus.RUNNING)
                    & (JourneyStep.updated_at < now - STALE_AFTER),
                ),
            )
            .values(status=StepStatus.RUNNING, attempts=JourneyStep.attempts + 1, updated_at=now)
        )
        return rows_changed(result) == 1


def finish(
    journey_id: int,
    name: str,
    *,
    status: StepStatus,
    reason: str = "",
    result: Mapping[str, Any] | None = None,
) -> None:
    """Record a step's end; `result` is merged into what earlier attempts stored."""
    with session_scope() as db:
        step = db.scalar(
            select(JourneyStep).where(
                JourneyStep.journey_id == journey_id, JourneyStep.name == name
            )
        )
        if step is None:
            raise LookupError(f"journey {journey_id} has no step {name}")
        step.status, step.reason = status, reason[:2000]
        step.result = {**(step.result or {}), **dict(result or {})}
        step.updated_at = utcnow()


def touch(journey_id: int, name: str, *, result: Mapping[str, Any]) -> None:
    """Save progress inside a running step (so a retry knows what is already done)."""
    with session_scope() as db:
        step = db.scalar(
            select(JourneyStep).where(
                JourneyStep.journey_id == journey_id, JourneyStep.name == name
            )
        )
        if step is not None:
            step.result = {**(step.result or {}), **dict(result)}
            step.updated_at = utcnow()
