"""Timed sanctions: ban, mute or kick a member in chosen rooms for a while (1 hour to 1 year, or
until lifted); they lift themselves on time, across restarts and replicas.

The end of a sanction is a durable timer on the engine (a delayed job on the background queue),
written before anything is done in the rooms, so no sanction can outlive its end because a
process died. Lifting undoes what was done, and is safe to repeat: unban where banned, restore
each room's power level exactly as it was (mute), invite back (kick); the sanction is marked
ended only after, by one conditional UPDATE (a timer and a person lifting at once: one wins,
one audit row). The member may be told by DM, with transaction IDs so nothing is said twice.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dbos import DBOS, SetEnqueueOptions, SetWorkflowID
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.db import audit_log
from app.db.engine import rows_changed, session_scope
from app.db.models import Sanction, utcnow
from app.services import connections, engine
from app.services.outcomes import audit_outcome
from app.services.removal import clean_reason, target_user
from app.services.rooms import scopes
from app.utils.enums import AuditAction, SanctionKind, SanctionStatus
from app.utils.errors import InputError
from app.utils.matrix import MatrixClient, RoomOutcome, Status, txn_id
from app.utils.matrix import ids as matrix_ids

logger = logging.getLogger(__name__)

LONGEST = timedelta(days=366)
CHOICES: dict[str, timedelta | None] = {
    "1 hour": timedelta(hours=1),
    "1 day": timedelta(days=1),
    "1 week": timedelta(weeks=1),
    "30 days": timedelta(days=30),
    "1 year": timedelta(days=365),
    "Until lifted": None,
}
VERBS = {SanctionKind.BAN: "banned", SanctionKind.MUTE: "muted", SanctionKind.KICK: "kicked"}


@dataclass(frozen=True)
class SanctionView:
    id: int
    kind: str
    matrix_user_id: str
    room_ids: tuple[str, ...]
    reason: str
    created_by: str
    created_at: datetime
    ends_at: datetime | None
    status: str
    ended_at: datetime | None
    ended_by: str
    outcomes: dict[str, Any]

    @property
    def active(self) -> bool:
        return self.status == SanctionStatus.ACTIVE

    def time_left(self, now: datetime | None = None) -> timedelta | None:
        """None while it runs until lifted; zero once it has ended."""
        if not self.active:
            return timedelta(0)
        if self.ends_at is None:
            return None
        return max(timedelta(0), self.ends_at - (now or utcnow()))


def _view(row: Sanction) -> SanctionView:
    return SanctionView(
        row.id, row.kind, row.matrix_user_id, tuple(row.room_ids or ()), row.reason,
        row.created_by, row.created_at, row.ends_at, row.status, row.ended_at, row.ended_by,
        dict(row.outcomes or {}),
    )


def _duration(duration: timedelta | None) -> timedelta | None:
    if duration is not None and not timedelta(0) < duration <= LONGEST:
        raise InputError("Duration", "choose between 1 hour and 1 year, or until lifted")
    return duration


def impose(
    *, actor: str, user_id: str, room_ids: Sequence[str], kind: SanctionKind | str,
    duration: timedelta | None, reason: str, notify: bool = False, submission_id: str = "",
) -> SanctionView:
    """Ban, mute or kick `user_id` in the rooms now; its end is scheduled first (durably).

    A form's `submission_id` makes a repeat (a double click, a second tab) return the sanction
    the first one imposed instead of imposing another. A room outside `actor`'s scope refuses
    it before anything is written or sent (OutOfScope)."""
    try:
        sanction_kind = SanctionKind(kind)
    except ValueError:
        raise InputError("Sanction", "choose ban, mute or kick") from None
    client = connections.matrix()
    user = target_user(user_id, client)  # the bot itself is refused
    rooms = matrix_ids.room_list(room_ids)
    why = clean_reason(reason)
    length = _duration(duration)
    scopes.check(actor=actor, room_ids=rooms, action=AuditAction.SANCTION_IMPOSE, member=user)
    now = utcnow()
    if submission_id and (earlier := _submitted(submission_id)) is not None:
        return earlier
    try:
        with session_scope() as db:
            row = Sanction(kind=sanction_kind, matrix_user_id=user, room_ids=rooms, reason=why,
                           created_by=actor, created_at=now,
                           ends_at=now + length if length else None,
                           status=SanctionStatus.ACTIVE, previous={}, outcomes={},
                           notify=notify, submission_id=submission_id or None)
            db.add(row)
            db.flush()
            sanction_id = row.id
    except IntegrityError:  # the same submission, a moment ago, from another click or replica
        if submission_id and (earlier := _submitted(submission_id)) is not None:
            return earlier
        raise
    if length is not None:
        _schedule(sanction_id, length)
    previous: dict[str, int | None] = {}
    outcomes = _apply(client, sanction_kind, user, rooms, reason=why, previous=previous)
    with session_scope() as db:
        db.execute(update(Sanction).where(Sanction.id == sanction_id).values(
            previous=previous, outcomes={"imposed": _entries(outcomes)}))
    audit_log.record(
        actor=actor, action=AuditAction.SANCTION_IMPOSE, outcome=audit_outcome(outcomes),
        target=f"sanction #{sanction_id}", member=user,
        details={"kind": sanction_kind.value, "rooms": len(rooms), "reason": why,
                 "ends_at": (now + length).isoformat() if length else "until lifted"},
    )
    if notify:
        _tell(client, user, f"sanction-{sanction_id}-imposed",
              f"You have been {VERBS[sanction_kind]} in {len(rooms)} room(s)"
              f"{' until ' + f'{now + length:%Y-%m-%d %H:%M} UTC' if length else ''}. "
              f"Reason: {why}")
    return get(sanction_id)


def _submitted(submission_id: str) -> SanctionView | None:
    with session_scope() as db:
        row = db.scalar(select(Sanction).where(Sanction.submission_id == submission_id))
        return _view(row) if row is not None else None


def _schedule(sanction_id: int, length: timedelta) -> str:
    """The durable timer that lifts the sanction; a new one per extension."""
    engine.launch()
    timer = f"sanction-{sanction_id}-lift-{uuid.uuid4().hex[:12]}"
    with session_scope() as db:
        db.execute(update(Sanction).where(Sanction.id == sanction_id).values(timer_id=timer))
    with SetWorkflowID(timer), SetEnqueueOptions(delay_seconds=length.total_seconds()):
        DBOS.enqueue_workflow(engine.BACKGROUND_QUEUE, lift_on_time, sanction_id)
    return timer


def _apply(
    client: MatrixClient, kind: SanctionKind, user: str, rooms: list[str], *, reason: str,
    previous: dict[str, int | None],
) -> list[RoomOutcome]:
    if kind is SanctionKind.BAN:
        return client.ban_many(user_id=user, rooms=rooms, reason=reason)
    if kind is SanctionKind.KICK:
        return client.kick_many(user_id=user, rooms=rooms, reason=reason)
    outcomes = []
    for room in rooms:  # mute: below what sending a message needs, remembering what it was
        power = client.power_levels(room)
        previous[room] = power.users.get(user)
        muted = power.events_default - 1
        if power.level_of(user) <= muted:
            outcomes.append(RoomOutcome(room, Status.ALREADY, "already unable to speak"))
            continue
        outcomes.append(client.set_power_level(room_id=room, user_id=user, level=muted))
    return outcomes


def _undo(client: MatrixClient, row: SanctionView, previous: dict[str, Any]) -> list[RoomOutcome]:
    user, rooms = row.matrix_user_id, list(row.room_ids)
    kind = SanctionKind(row.kind)
    if kind is SanctionKind.BAN:
        return client.unban_many(user_id=user, rooms=rooms)
    if kind is SanctionKind.KICK:  # a kick cannot be undone into a join: they get an invite
        return client.invite_many(user_id=user, rooms=rooms)
    outcomes = []
    for room in rooms:
        before = previous.get(room)
        level = client.power_levels(room).users_default if before is None else int(before)
        outcomes.append(client.set_power_level(room_id=room, user_id=user, level=level))
    return outcomes


@DBOS.workflow(name="sanction.lift")
def lift_on_time(sanction_id: int) -> None:
    _expire(sanction_id)


@DBOS.step(name="sanction.expire")
def _expire(sanction_id: int) -> None:
    end(sanction_id, by="time is up", status=SanctionStatus.EXPIRED)


def lift(*, actor: str, sanction_id: int) -> SanctionView:
    """End it now: the timer is cancelled, what was done is undone."""
    current = get(sanction_id)
    if not current.active:
        raise InputError("Sanction", f"#{sanction_id} has already ended")
    scopes.check(actor=actor, room_ids=current.room_ids, action=AuditAction.SANCTION_LIFT,
                 member=current.matrix_user_id)
    _cancel_timer(sanction_id)
    return end(sanction_id, by=actor, status=SanctionStatus.LIFTED)


def end(sanction_id: int, *, by: str, status: SanctionStatus) -> SanctionView:
    """Undo the sanction (safe to repeat), then mark it ended once; audited by the winner."""
    with session_scope() as db:
        row = db.get(Sanction, sanction_id)
        if row is None:
            raise LookupError(f"no sanction {sanction_id}")
        current, previous = _view(row), dict(row.previous or {})
    if not current.active:
        return current
    client = connections.matrix()
    outcomes = _undo(client, current, previous)
    with session_scope() as db:
        won = rows_changed(db.execute(
            update(Sanction)
            .where(Sanction.id == sanction_id, Sanction.status == SanctionStatus.ACTIVE)
            .values(status=status, ended_at=utcnow(), ended_by=by,
                    outcomes={**current.outcomes, "lifted": _entries(outcomes)})
        )) == 1
    if won:
        action = (AuditAction.SANCTION_EXPIRE if status is SanctionStatus.EXPIRED
                  else AuditAction.SANCTION_LIFT)
        audit_log.record(actor=by if status is SanctionStatus.LIFTED else audit_log.SYSTEM_ACTOR,
                         action=action, outcome=audit_outcome(outcomes),
                         target=f"sanction #{sanction_id}", member=current.matrix_user_id,
                         details={"kind": current.kind, "rooms": len(current.room_ids)})
        if _notify(sanction_id):
            _tell(client, current.matrix_user_id, f"sanction-{sanction_id}-ended",
                  f"Your {current.kind} in {len(current.room_ids)} room(s) has been lifted.")
    return get(sanction_id)


def extend(*, actor: str, sanction_id: int, duration: timedelta | None) -> SanctionView:
    """A new end, counted from now (None: until lifted); the old timer makes way."""
    length = _duration(duration)
    current = get(sanction_id)
    if not current.active:
        raise InputError("Sanction", f"#{sanction_id} has already ended")
    scopes.check(actor=actor, room_ids=current.room_ids, action=AuditAction.SANCTION_EXTEND,
                 member=current.matrix_user_id)
    _cancel_timer(sanction_id)
    ends = utcnow() + length if length else None
    with session_scope() as db:
        db.execute(update(Sanction).where(Sanction.id == sanction_id).values(ends_at=ends,
                                                                            timer_id=None))
    if length is not None:
        _schedule(sanction_id, length)
    audit_log.record(actor=actor, action=AuditAction.SANCTION_EXTEND,
                     target=f"sanction #{sanction_id}", member=current.matrix_user_id,
                     details={"ends_at": ends.isoformat() if ends else "until lifted"})
    return get(sanction_id)


def _cancel_timer(sanction_id: int) -> None:
    with session_scope() as db:
        timer = db.scalar(select(Sanction.timer_id).where(Sanction.id == sanction_id))
    if timer:
        engine.launch()
        DBOS.cancel_workflow(timer)


def _notify(sanction_id: int) -> bool:
    with session_scope() as db:
        return bool(db.scalar(select(Sanction.notify).where(Sanction.id == sanction_id)))


def _tell(client: MatrixClient, user: str, purpose: str, text: str) -> None:
    """A DM to the member; a failure is logged, never undoes the sanction."""
    try:
        client.send_dm(user, text, notice=True, txn_id=txn_id(purpose))
    except Exception:  # the sanction stands; the member just was not told
        logger.warning("could not tell %s about %s", user, purpose, exc_info=True)


def _entries(outcomes: Sequence[RoomOutcome]) -> dict[str, dict[str, Any]]:
    return {o.room_id: {"status": str(o.status), "reason": o.reason, "ok": o.ok}
            for o in outcomes}


def get(sanction_id: int) -> SanctionView:
    with session_scope() as db:
        row = db.get(Sanction, sanction_id)
        if row is None:
            raise LookupError(f"no sanction {sanction_id}")
        return _view(row)


def search(
    *, actor: str, user_id: str = "", member: str = "", active: bool | None = None,
    limit: int = 100,
) -> list[SanctionView]:
    """The sanctions `actor` may see, newest first; `user_id` matches part of the Matrix ID or
    the reason, `member` one Matrix ID exactly. A scoped moderator sees those whose rooms are
    all in their scope (the others are an admin's or an unscoped moderator's to handle)."""
    query = select(Sanction)
    if member:
        query = query.where(Sanction.matrix_user_id == member)
    if text := user_id.strip():
        query = query.where(Sanction.matrix_user_id.ilike(f"%{text}%")
                            | Sanction.reason.ilike(f"%{text}%"))
    if active is not None:
        query = query.where((Sanction.status == SanctionStatus.ACTIVE) == active)
    scope = scopes.scope_of(actor)
    query = query.order_by(Sanction.created_at.desc(), Sanction.id.desc())
    with session_scope() as db:  # room lists are JSON: a scope filters them here
        views = [_view(r) for r in db.scalars(query if scope.limited else query.limit(limit))]
    if scope.limited:
        inside = set(scopes.split(scope, (r for v in views for r in v.room_ids))[0])
        views = [v for v in views if inside.issuperset(v.room_ids)][:limit]
    return views
