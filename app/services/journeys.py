"""Journey records: one journey of a member, its steps and their states, in the database.

The engine runs a journey (app.services.journey_runner); these rows are what people see and what
steps read to redo nothing that was done: a step moves pending -> running -> done | failed |
skipped, and keeps in `result` what it finished (the created account's pk, each room's outcome
as it happens, the messages already posted).

A journey is found or created by the submission's ID (minted when the form was shown), so a
double click, a second tab or a second replica lands on the same row; while it is active, its
`dedupe_key` ("<kind>:<member>") is unique, so a second submission for the same member joins it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from app.db.engine import rows_changed, session_scope
from app.db.models import Journey, JourneyStep, utcnow
from app.utils.enums import ACTIVE_JOURNEY, JourneyKind, JourneyStatus, StepStatus

FINISHED = (StepStatus.DONE, StepStatus.SKIPPED)


@dataclass(frozen=True)
class StepView:
    name: str
    status: str
    reason: str
    result: dict[str, Any]
    attempts: int
    updated_at: datetime

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def retryable(self) -> bool:
        return self.status in (StepStatus.PENDING, StepStatus.FAILED)


@dataclass(frozen=True)
class JourneyView:
    id: int
    kind: str
    workflow_id: str
    status: str
    runs: int
    created_at: datetime
    updated_at: datetime
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
    def active(self) -> bool:
        return self.status in ACTIVE_JOURNEY

    @property
    def run_id(self) -> str:
        """The engine's ID for the journey's current run: retries are runs of their own."""
        return self.workflow_id if self.runs <= 1 else f"{self.workflow_id}.run{self.runs}"

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
        workflow_id=journey.workflow_id or f"journey-{journey.id}",
        status=journey.status,
        runs=journey.runs,
        created_at=journey.created_at,
        updated_at=journey.updated_at,
        actor=journey.actor,
        member_name=journey.member_name,
        authentik_username=journey.authentik_username,
        authentik_pk=journey.authentik_pk,
        matrix_user_id=journey.matrix_user_id,
        params=dict(journey.params or {}),
        steps=tuple(
            StepView(s.name, s.status, s.reason, dict(s.result or {}), s.attempts, s.updated_at)
            for s in journey.steps
        ),
    )


def open_journey(
    *,
    kind: JourneyKind,
    workflow_id: str,
    actor: str,
    steps: Sequence[str],
    dedupe_key: str | None = None,
    member_name: str = "",
    authentik_username: str = "",
    authentik_pk: int | None = None,
    matrix_user_id: str = "",
    params: Mapping[str, Any] | None = None,
) -> tuple[JourneyView, bool]:
    """The journey of this submission, else the active one for this member, else a new one;
    True when it was created now. Safe against the same submission racing itself."""
    if found := _find(workflow_id, dedupe_key):
        return found, False
    try:
        with session_scope() as db:
            journey = Journey(
                kind=kind,
                workflow_id=workflow_id,
                status=JourneyStatus.QUEUED,
                runs=1,
                dedupe_key=dedupe_key,
                actor=actor,
                member_name=member_name[:200],
                authentik_username=authentik_username,
                authentik_pk=authentik_pk,
                matrix_user_id=matrix_user_id,
                params=dict(params or {}),
            )
            journey.steps = [
                JourneyStep(position=i, name=n, result={}) for i, n in enumerate(steps)
            ]
            db.add(journey)
            db.flush()
            return _view(journey), True
    except IntegrityError:  # another click, tab or replica created it a moment ago
        if found := _find(workflow_id, dedupe_key):
            return found, False
        raise


def _find(workflow_id: str, dedupe_key: str | None) -> JourneyView | None:
    with session_scope() as db:
        condition = Journey.workflow_id == workflow_id
        if dedupe_key:
            condition = or_(condition, Journey.dedupe_key == dedupe_key)
        journey = db.scalars(select(Journey).where(condition).order_by(Journey.id)).first()
        return _view(journey) if journey else None


def get(journey_id: int) -> JourneyView:
    with session_scope() as db:
        journey = db.get(Journey, journey_id)
        if journey is None:
            raise LookupError(f"no journey {journey_id}")
        return _view(journey)


def by_workflow_id(workflow_id: str) -> JourneyView | None:
    """The journey the engine runs as `workflow_id` (its first run's ID), if any."""
    with session_scope() as db:
        journey = db.scalar(select(Journey).where(Journey.workflow_id == workflow_id))
        return _view(journey) if journey is not None else None


def search(
    *,
    kind: JourneyKind | str | None = None,
    member: str = "",
    actor: str = "",
    status: JourneyStatus | str | None = None,
    subjects: Sequence[str] = (),
    limit: int = 50,
) -> list[JourneyView]:
    """Newest first; `member` matches part of the name, username or Matrix ID, `subjects`
    one member's username or Matrix ID exactly."""
    query = select(Journey)
    if subjects:
        query = query.where(or_(Journey.authentik_username.in_(list(subjects)),
                                Journey.matrix_user_id.in_(list(subjects))))
    if kind:
        query = query.where(Journey.kind == kind)
    if actor:
        query = query.where(Journey.actor == actor)
    if status:
        query = query.where(Journey.status == status)
    if text := member.strip():
        pattern = f"%{text}%"
        query = query.where(
            or_(
                Journey.member_name.ilike(pattern),
                Journey.authentik_username.ilike(pattern),
                Journey.matrix_user_id.ilike(pattern),
            )
        )
    with session_scope() as db:
        rows = db.scalars(
            query.order_by(Journey.created_at.desc(), Journey.id.desc()).limit(limit)
        ).all()
        return [_view(j) for j in rows]


def recent(kind: JourneyKind, *, limit: int = 20) -> list[JourneyView]:
    return search(kind=kind, limit=limit)


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


def begin_step(journey_id: int, name: str) -> bool:
    """Mark a step running (one more attempt); False when it already finished (done or
    skipped in an earlier run), so it must not run again."""
    with session_scope() as db:
        result = db.execute(
            update(JourneyStep)
            .where(
                JourneyStep.journey_id == journey_id,
                JourneyStep.name == name,
                JourneyStep.status.notin_(FINISHED),
            )
            .values(
                status=StepStatus.RUNNING,
                attempts=JourneyStep.attempts + 1,
                updated_at=utcnow(),
            )
        )
        return rows_changed(result) == 1


def claim_step(journey_id: int, name: str) -> bool:
    """Move a pending or failed step to running, atomically: of two concurrent callers, one
    wins (a step run outside the engine, e.g. the credential shown to one admin)."""
    with session_scope() as db:
        result = db.execute(
            update(JourneyStep)
            .where(
                JourneyStep.journey_id == journey_id,
                JourneyStep.name == name,
                JourneyStep.status.in_((StepStatus.PENDING, StepStatus.FAILED)),
            )
            .values(
                status=StepStatus.RUNNING,
                attempts=JourneyStep.attempts + 1,
                updated_at=utcnow(),
            )
        )
        return rows_changed(result) == 1


def _step(db: Any, journey_id: int, name: str) -> JourneyStep:
    step = db.scalar(
        select(JourneyStep).where(JourneyStep.journey_id == journey_id, JourneyStep.name == name)
    )
    if step is None:
        raise LookupError(f"journey {journey_id} has no step {name}")
    return step  # type: ignore[no-any-return]


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
        step = _step(db, journey_id, name)
        step.status, step.reason = status, reason[:2000]
        step.result = {**(step.result or {}), **dict(result or {})}
        step.updated_at = utcnow()


def touch(
    journey_id: int, name: str, *, result: Mapping[str, Any], reason: str | None = None
) -> None:
    """Save progress inside a running step (so a re-run knows what is already done)."""
    with session_scope() as db:
        step = _step(db, journey_id, name)
        step.result = {**(step.result or {}), **dict(result)}
        if reason is not None:
            step.reason = reason[:2000]
        step.updated_at = utcnow()


def touch_room(journey_id: int, name: str, room_id: str, entry: Mapping[str, Any]) -> None:
    """Checkpoint one room's outcome the moment it is known (merged into result["rooms"])."""
    with session_scope() as db:
        step = _step(db, journey_id, name)
        current = dict(step.result or {})
        rooms = dict(current.get("rooms") or {})
        rooms[room_id] = {**dict(rooms.get(room_id) or {}), **dict(entry)}
        current["rooms"] = rooms
        step.result = current
        step.updated_at = utcnow()


def set_status(journey_id: int, status: JourneyStatus) -> None:
    with session_scope() as db:
        values: dict[str, Any] = {"status": status}
        if status not in ACTIVE_JOURNEY:
            values["dedupe_key"] = None  # the member may have another journey now
        db.execute(update(Journey).where(Journey.id == journey_id).values(**values))


def settle(
    journey_id: int, *, outside: Collection[str] = (), unless_running: bool = False
) -> JourneyStatus:
    """The journey's status from its steps, stored: running while a step runs (background
    work included); then failed if a step failed or was left undone (e.g. a credential never
    shown), else done. A journey that ended frees its member for another.

    `outside` names steps done outside the engine (in a person's request): their "running"
    does not keep the journey running; that request settles again when it ends, with
    `unless_running`, which leaves a journey whose run or background work goes on to them.
    One transaction holding the journey's row, so two settles never interleave."""
    with session_scope() as db:
        db.execute(update(Journey).where(Journey.id == journey_id)
                   .values(updated_at=Journey.updated_at))  # the row lock comes first
        journey = db.get(Journey, journey_id)
        if journey is None:
            raise LookupError(f"no journey {journey_id}")
        if journey.status == JourneyStatus.CANCELLED or (
            unless_running and journey.status == JourneyStatus.RUNNING
        ):
            return JourneyStatus(journey.status)
        statuses = {
            StepStatus.PENDING if s.name in outside and s.status == StepStatus.RUNNING
            else StepStatus(s.status)
            for s in journey.steps
        }
        if StepStatus.RUNNING in statuses:
            status = JourneyStatus.RUNNING
        elif statuses & {StepStatus.FAILED, StepStatus.PENDING}:
            status = JourneyStatus.FAILED
        else:
            status = JourneyStatus.DONE
        journey.status = status
        if status not in ACTIVE_JOURNEY:
            journey.dedupe_key = None  # the member may have another journey now
        return status


def next_run(journey_id: int, seen_runs: int) -> bool:
    """Count one more run (a retry) if the journey is not active and nobody counted it since
    `seen_runs` was read (two retry clicks at once give one run); its failed steps become
    pending again, so the new run and whoever waits for it see them as still to do."""
    with session_scope() as db:
        result = db.execute(
            update(Journey)
            .where(
                Journey.id == journey_id,
                Journey.runs == seen_runs,
                Journey.status.notin_(ACTIVE_JOURNEY),
            )
            .values(runs=Journey.runs + 1, status=JourneyStatus.QUEUED)
        )
        if rows_changed(result) != 1:
            return False
        db.execute(
            update(JourneyStep)
            .where(JourneyStep.journey_id == journey_id, JourneyStep.status == StepStatus.FAILED)
            .values(status=StepStatus.PENDING, updated_at=utcnow())
        )
        return True
