"""Email delivery rows: one per (submission, recipient), found or created, updated as it goes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db.engine import session_scope
from app.db.models import EmailDelivery, utcnow
from app.utils.enums import DeliveryStatus, EmailKind

FINISHED = (DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.SKIPPED)


@dataclass(frozen=True)
class DeliveryView:
    id: int
    workflow_id: str
    kind: str
    recipient: str
    actor: str
    invite_name: str
    invite_ref: str
    journey_id: int | None
    status: str
    reason: str
    attempts: int
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


def _view(row: EmailDelivery) -> DeliveryView:
    return DeliveryView(row.id, row.workflow_id, row.kind, row.recipient, row.actor,
                        row.invite_name, row.invite_ref, row.journey_id, row.status, row.reason,
                        row.attempts, row.created_at, row.updated_at, row.sent_at)


def _by_workflow(workflow_id: str) -> DeliveryView | None:
    with session_scope() as db:
        row = db.scalar(select(EmailDelivery).where(EmailDelivery.workflow_id == workflow_id))
        return _view(row) if row is not None else None


def open_delivery(*, workflow_id: str, kind: EmailKind, recipient: str, actor: str,
                  invite_name: str = "", invite_ref: str = "",
                  journey_id: int | None = None) -> tuple[DeliveryView, bool]:
    """The row of this workflow ID, else a new one; True when it was created now (safe
    against the same submission racing itself)."""
    if (found := _by_workflow(workflow_id)) is not None:
        return found, False
    try:
        with session_scope() as db:
            row = EmailDelivery(workflow_id=workflow_id, kind=kind, recipient=recipient,
                                actor=actor, invite_name=invite_name, invite_ref=invite_ref,
                                journey_id=journey_id, status=DeliveryStatus.QUEUED, reason="",
                                attempts=0)
            db.add(row)
            db.flush()
            return _view(row), True
    except IntegrityError:  # the same submission, a moment earlier, elsewhere
        found = _by_workflow(workflow_id)
        if found is None:
            raise
        return found, False


def get(delivery_id: int) -> DeliveryView:
    with session_scope() as db:
        row = db.get(EmailDelivery, delivery_id)
        if row is None:
            raise LookupError(f"no email delivery #{delivery_id}")
        return _view(row)


def note(delivery_id: int, status: DeliveryStatus, reason: str = "", *,
         attempted: bool = False, db: Session | None = None) -> DeliveryView:
    """Record where the delivery stands (and one more attempt, if it made one); pass `db` to
    commit it with other writes (its audit row)."""
    if db is None:
        with session_scope() as own:
            return note(delivery_id, status, reason, attempted=attempted, db=own)
    row = db.get(EmailDelivery, delivery_id)
    if row is None:
        raise LookupError(f"no email delivery #{delivery_id}")
    row.status, row.reason = status, reason[:1000]
    if attempted:
        row.attempts += 1
    if status == DeliveryStatus.SENT:
        row.sent_at = utcnow()
    db.flush()
    return _view(row)


def recent(*, kind: EmailKind | None = None, limit: int = 50) -> list[DeliveryView]:
    """Newest first."""
    query = select(EmailDelivery)
    if kind is not None:
        query = query.where(EmailDelivery.kind == kind)
    with session_scope() as db:
        rows = db.scalars(query.order_by(EmailDelivery.created_at.desc(),
                                         EmailDelivery.id.desc()).limit(limit)).all()
        return [_view(r) for r in rows]


def for_journey(journey_id: int) -> list[DeliveryView]:
    with session_scope() as db:
        rows = db.scalars(select(EmailDelivery).where(EmailDelivery.journey_id == journey_id)
                          .order_by(EmailDelivery.id)).all()
        return [_view(r) for r in rows]
