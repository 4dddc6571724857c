"""The two-person rule: destructive actions wait for a second admin.

`TWO_PERSON_RULE` names what needs it (delete, deactivate, ban from `TWO_PERSON_BAN_ROOMS` rooms
or more, bulk actions on `TWO_PERSON_BULK_USERS` users or more); off by default. A service about
to do such a thing asks `rule_for` and, unless it is running an approved request, refuses with
`ApprovalRequired` (so no page can forget it). The page files a request instead: the payload is
the service call's own arguments, stored with the summary the requester saw. A different admin
approves it (one conditional UPDATE: never the requester, never after it expired, never twice),
and it runs on the durable engine (workflow ID `approval-<id>`, so once) by calling the same
service with the stored payload; `require` lets that call through only if the payload is exactly
the approved one. Every step is audited.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dbos import DBOS, SetWorkflowID
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.auth.account_rules import role_of
from app.db import audit_log
from app.db.engine import rows_changed, session_scope
from app.db.models import Approval, utcnow
from app.services import engine
from app.utils.config import get_settings
from app.utils.enums import ApprovalKind, ApprovalStatus, AuditAction, AuditOutcome, Role
from app.utils.errors import DashboardError, InputError, PermissionDenied

logger = logging.getLogger(__name__)

Runner = Callable[[Mapping[str, Any], "ApprovalView"], dict[str, Any]]
RUNNERS: dict[ApprovalKind, Runner] = {}
DECIDED = frozenset({ApprovalStatus.DONE, ApprovalStatus.FAILED, ApprovalStatus.REJECTED,
                     ApprovalStatus.WITHDRAWN, ApprovalStatus.EXPIRED})


class ApprovalRequired(DashboardError):
    """The action needs a second admin: file a request (`request`) instead."""

    def __init__(self, why: str) -> None:
        super().__init__(f"{why} needs a second admin's approval (TWO_PERSON_RULE): ask for it, "
                         "and it runs once another admin approves.")
        self.why = why


@dataclass(frozen=True)
class ApprovalView:
    id: int
    kind: str
    status: str  # as stored; see `state` for what it is now
    why: str
    summary: str
    payload: dict[str, Any]
    requested_by: str
    requested_at: datetime
    expires_at: datetime
    decided_by: str
    decided_at: datetime | None
    note: str
    result: dict[str, Any]

    @property
    def state(self) -> ApprovalStatus:
        """Pending past its time is expired, whether or not anyone has looked since."""
        if self.status == ApprovalStatus.PENDING and self.expires_at <= utcnow():
            return ApprovalStatus.EXPIRED
        return ApprovalStatus(self.status)


def register(kind: ApprovalKind, runner: Runner) -> None:
    """How an approved request of `kind` runs (each service registers its own at import)."""
    RUNNERS[kind] = runner


def rule_for(*, deletes: bool = False, deactivates: bool = False, bans_in: int = 0,
             users: int = 0) -> str:
    """Why this action needs a second admin under TWO_PERSON_RULE ("" when it does not)."""
    settings = get_settings()
    on = settings.two_person_actions
    reasons = []
    if deletes and "delete" in on:
        reasons.append("Deleting an account")
    if deactivates and "deactivate" in on:
        reasons.append("Deactivating an account")
    if "ban" in on and bans_in >= settings.two_person_ban_rooms:
        reasons.append(f"A ban from {bans_in} rooms (TWO_PERSON_BAN_ROOMS="
                       f"{settings.two_person_ban_rooms})")
    if "bulk" in on and users >= settings.two_person_bulk_users:
        reasons.append(f"An action on {users} users (TWO_PERSON_BULK_USERS="
                       f"{settings.two_person_bulk_users})")
    return " and ".join(reasons)


def _plain(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The payload as the database stores it (JSON: tuples become lists)."""
    loaded: dict[str, Any] = json.loads(json.dumps(payload, sort_keys=True))
    return loaded


def require(why: str, *, approval_id: int | None, kind: ApprovalKind,
            payload: Mapping[str, Any]) -> None:
    """In a service, before acting: nothing to do when no rule holds; else only the approved
    request's own run, with exactly the approved payload, may go on."""
    if not why:
        return
    if approval_id is not None:
        with session_scope() as db:
            row = db.get(Approval, approval_id)
            if (row is not None and row.kind == kind and row.status == ApprovalStatus.APPROVED
                    and _plain(row.payload) == _plain(payload)):
                return
    raise ApprovalRequired(why)


def _view(row: Approval) -> ApprovalView:
    return ApprovalView(row.id, row.kind, row.status, row.why, row.summary, dict(row.payload),
                        row.requested_by, row.requested_at, row.expires_at, row.decided_by,
                        row.decided_at, row.note, dict(row.result or {}))


def get(approval_id: int) -> ApprovalView:
    with session_scope() as db:
        row = db.get(Approval, approval_id)
        if row is None:
            raise InputError("Approval", f"there is no request #{approval_id}")
        return _view(row)


def request(*, actor: str, kind: ApprovalKind, why: str, summary: str,
            payload: Mapping[str, Any], submission_id: str, member: str = "") -> ApprovalView:
    """File a request for a second admin; the same submission is the same request."""
    if role_of(actor) is None:
        raise PermissionDenied("Only an active dashboard account may ask for an approval.")
    if not submission_id:
        raise InputError("Submission", "missing: reload the page and try again")
    if (earlier := _submitted(submission_id)) is not None:
        return earlier
    now = utcnow()
    hours = get_settings().approval_valid_hours
    try:
        with session_scope() as db:
            row = Approval(kind=kind, status=ApprovalStatus.PENDING, why=why, summary=summary,
                           payload=_plain(payload), requested_by=actor, requested_at=now,
                           expires_at=now + timedelta(hours=hours), result={},
                           submission_id=submission_id)
            db.add(row)
            db.flush()
            approval_id = row.id
    except IntegrityError:  # the same submission a moment ago (double click, other replica)
        if (earlier := _submitted(submission_id)) is not None:
            return earlier
        raise
    audit_log.record(actor=actor, action=AuditAction.APPROVAL_REQUEST,
                     target=f"approval #{approval_id}", member=member,
                     details={"kind": str(kind), "why": why})
    return get(approval_id)


def _submitted(submission_id: str) -> ApprovalView | None:
    with session_scope() as db:
        row = db.scalar(select(Approval).where(Approval.submission_id == submission_id))
        return _view(row) if row is not None else None


def _decide(approval_id: int, *, actor: str, status: ApprovalStatus, note: str = "",
            not_by: str = "", only_by: str = "") -> bool:
    """Move a pending, unexpired request to `status` in one conditional UPDATE."""
    now = utcnow()
    query = update(Approval).where(Approval.id == approval_id,
                                   Approval.status == ApprovalStatus.PENDING,
                                   Approval.expires_at > now)
    if not_by:
        query = query.where(Approval.requested_by != not_by)
    if only_by:
        query = query.where(Approval.requested_by == only_by)
    with session_scope() as db:
        return rows_changed(db.execute(query.values(status=status, decided_by=actor,
                                                    decided_at=now, note=note))) == 1


def _not_pending(approval_id: int) -> InputError:
    expire_overdue()
    current = get(approval_id)
    return InputError("Approval", f"request #{approval_id} is {current.state} already: "
                                  "nothing was changed")


def _second_admin(actor: str, current: ApprovalView, verb: str) -> None:
    if role_of(actor) != Role.ADMIN:
        raise PermissionDenied(f"Only an admin may {verb} a request.")
    if current.requested_by == actor:
        raise InputError("Approval", f"you asked for this: a different admin must {verb} it")


def approve(*, actor: str, approval_id: int) -> ApprovalView:
    """A second admin says yes: it runs on the engine, once, exactly as requested."""
    current = get(approval_id)
    _second_admin(actor, current, "approve")
    if not _decide(approval_id, actor=actor, status=ApprovalStatus.APPROVED, not_by=actor):
        raise _not_pending(approval_id)
    audit_log.record(actor=actor, action=AuditAction.APPROVAL_APPROVE,
                     target=f"approval #{approval_id}",
                     details={"kind": current.kind, "requested_by": current.requested_by})
    engine.launch()
    with SetWorkflowID(f"approval-{approval_id}"):
        DBOS.enqueue_workflow(engine.BACKGROUND_QUEUE, run_approved, approval_id)
    return get(approval_id)


def reject(*, actor: str, approval_id: int, note: str = "") -> ApprovalView:
    """A second admin says no: it never runs."""
    current = get(approval_id)
    _second_admin(actor, current, "reject")
    if not _decide(approval_id, actor=actor, status=ApprovalStatus.REJECTED,
                   note=note.strip()[:1000], not_by=actor):
        raise _not_pending(approval_id)
    audit_log.record(actor=actor, action=AuditAction.APPROVAL_REJECT,
                     target=f"approval #{approval_id}",
                     details={"kind": current.kind, "requested_by": current.requested_by})
    return get(approval_id)


def withdraw(*, actor: str, approval_id: int) -> ApprovalView:
    """The requester takes it back before anyone decided."""
    if not _decide(approval_id, actor=actor, status=ApprovalStatus.WITHDRAWN, only_by=actor):
        current = get(approval_id)
        if current.requested_by != actor:
            raise PermissionDenied("Only the admin who asked may withdraw a request.")
        raise _not_pending(approval_id)
    audit_log.record(actor=actor, action=AuditAction.APPROVAL_WITHDRAW,
                     target=f"approval #{approval_id}")
    return get(approval_id)


def expire_overdue() -> int:
    """Mark pending requests past their time as expired (each audited once)."""
    now = utcnow()
    with session_scope() as db:
        overdue = db.scalars(select(Approval.id).where(
            Approval.status == ApprovalStatus.PENDING, Approval.expires_at <= now)).all()
    expired = 0
    for approval_id in overdue:
        with session_scope() as db:
            won = rows_changed(db.execute(
                update(Approval).where(Approval.id == approval_id,
                                       Approval.status == ApprovalStatus.PENDING)
                .values(status=ApprovalStatus.EXPIRED, decided_at=now))) == 1
        if won:
            expired += 1
            audit_log.record(actor=audit_log.SYSTEM_ACTOR, action=AuditAction.APPROVAL_EXPIRE,
                             target=f"approval #{approval_id}")
    return expired


def search(*, status: ApprovalStatus | None = None, requested_by: str = "",
           limit: int = 100) -> list[ApprovalView]:
    """Newest first; overdue requests are marked expired first."""
    expire_overdue()
    query = select(Approval)
    if status is not None:
        query = query.where(Approval.status == status)
    if requested_by:
        query = query.where(Approval.requested_by == requested_by)
    with session_scope() as db:
        rows = db.scalars(query.order_by(Approval.requested_at.desc(), Approval.id.desc())
                          .limit(limit)).all()
        return [_view(r) for r in rows]


@DBOS.workflow(name="approval.run")
def run_approved(approval_id: int) -> None:
    """Run the approved request through its service, then record how it went (once). The
    service call is in the workflow itself, not a step: it may start a journey (a child
    workflow); after a crash it runs again, which every runner makes safe (a journey's
    submission ID is the approval's; a bulk action repeats as a no-op)."""
    current = get(approval_id)
    if current.status != ApprovalStatus.APPROVED:
        return
    try:
        result = RUNNERS[ApprovalKind(current.kind)](current.payload, current)
    except DashboardError as err:
        _record(approval_id, ApprovalStatus.FAILED, {"error": str(err)})
        return
    except Exception as err:  # recorded, never left "approved" forever
        logger.exception("approved request #%s failed", approval_id)
        _record(approval_id, ApprovalStatus.FAILED,
                {"error": f"unexpected error ({type(err).__name__}); see the server log"})
        return
    _record(approval_id, ApprovalStatus.DONE, result)


@DBOS.step(name="approval.record")
def _record(approval_id: int, status: ApprovalStatus, result: dict[str, Any]) -> None:
    with session_scope() as db:
        won = rows_changed(db.execute(
            update(Approval).where(Approval.id == approval_id,
                                   Approval.status == ApprovalStatus.APPROVED)
            .values(status=status, result=_plain(result)))) == 1
    if won:
        current = get(approval_id)
        failed = status is ApprovalStatus.FAILED
        audit_log.record(actor=current.requested_by, action=AuditAction.APPROVAL_RUN,
                         outcome=AuditOutcome.FAILED if failed else AuditOutcome.OK,
                         target=f"approval #{approval_id}",
                         details={"kind": current.kind, "approved_by": current.decided_by,
                                  **({"error": result["error"]} if failed else {})})
