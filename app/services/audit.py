"""The audit log for people: search it, page through it, export it (rows are written by
`app.db.audit_log`)."""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, func, or_, select

from app.db.engine import session_scope
from app.db.models import AuditEvent, utcnow
from app.utils.authentik import invite_ref
from app.utils.enums import AuditAction

logger = logging.getLogger(__name__)

SelectT = TypeVar("SelectT", bound=Select[Any])

CSV_COLUMNS = ("time", "actor", "action", "target", "member", "outcome", "details")
_INVITE_ACTIONS = (AuditAction.INVITE_LINK_CREATE, AuditAction.INVITE_LINK_REVOKE)


@dataclass(frozen=True)
class AuditRow:
    id: int
    occurred_at: datetime
    actor: str
    action: str
    target: str
    member: str
    outcome: str
    details: dict[str, Any]


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""
    action: str = ""
    outcome: str = ""
    member: str = ""  # matches the member or the target, case-insensitive substring
    subjects: tuple[str, ...] = ()  # one member's names exactly: as member or as target
    since: date | None = None
    until: date | None = None  # inclusive


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _filtered(query: SelectT, flt: AuditFilter) -> SelectT:
    if flt.actor:
        query = query.where(AuditEvent.actor == flt.actor)
    if flt.action:
        query = query.where(AuditEvent.action == flt.action)
    if flt.outcome:
        query = query.where(AuditEvent.outcome == flt.outcome)
    if flt.member.strip():
        pattern = f"%{flt.member.strip()}%"
        query = query.where(or_(AuditEvent.member.ilike(pattern), AuditEvent.target.ilike(pattern)))
    if flt.subjects:
        query = query.where(or_(AuditEvent.member.in_(flt.subjects),
                                AuditEvent.target.in_(flt.subjects)))
    if flt.since:
        query = query.where(AuditEvent.occurred_at >= _day_start(flt.since))
    if flt.until:
        query = query.where(AuditEvent.occurred_at < _day_start(flt.until) + timedelta(days=1))
    return query


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min).replace(tzinfo=utcnow().tzinfo)


def _without_invite_pk(
    action: str, target: str, details: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """Rows written before invitations were audited by reference hold the pk, which is the
    invite link's secret: show its `invite_ref` instead (the rows themselves stay as written)."""
    pk = details.get("pk")
    if action not in _INVITE_ACTIONS or not isinstance(pk, str):
        return target, details
    ref = invite_ref(pk)
    shown = {key: value for key, value in details.items() if key != "pk"}
    shown["invite_ref"] = ref
    if isinstance(shown.get("reason"), str):
        shown["reason"] = shown["reason"].replace(pk, ref)
    return (ref if target == pk else target), shown


def _row(event: AuditEvent) -> AuditRow:
    target, details = _without_invite_pk(event.action, event.target, dict(event.details or {}))
    return AuditRow(
        id=event.id,
        occurred_at=event.occurred_at,
        actor=event.actor,
        action=event.action,
        target=target,
        member=event.member,
        outcome=event.outcome,
        details=details,
    )


def search(flt: AuditFilter, *, page: int = 1, page_size: int = 50) -> AuditPage:
    """One page of matching events, newest first, with the total count."""
    page_size = max(1, min(page_size, 500))
    with session_scope() as db:
        total = db.scalar(_filtered(select(func.count(AuditEvent.id)), flt)) or 0
        last_page = max(1, -(-total // page_size))
        page = max(1, min(page, last_page))
        events = db.scalars(
            _filtered(select(AuditEvent), flt)
            .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
            .offset((page - 1) * page_size)
            .limit(page_size)
        ).all()
        return AuditPage(
            rows=[_row(e) for e in events], total=total, page=page, page_size=page_size
        )


def iter_events(flt: AuditFilter, *, chunk: int = 1000) -> Iterator[AuditRow]:
    """Every matching event, newest first, read in chunks (keyset pagination)."""
    last: tuple[datetime, int] | None = None
    while True:
        with session_scope() as db:
            query = _filtered(select(AuditEvent), flt)
            if last is not None:
                query = query.where(
                    or_(
                        AuditEvent.occurred_at < last[0],
                        (AuditEvent.occurred_at == last[0]) & (AuditEvent.id < last[1]),
                    )
                )
            events = db.scalars(
                query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()).limit(chunk)
            ).all()
            rows = [_row(e) for e in events]
        yield from rows
        if len(rows) < chunk:
            return
        last = (rows[-1].occurred_at, rows[-1].id)


def export_csv(flt: AuditFilter) -> str:
    """All matching events as CSV text (UTC ISO timestamps, details as JSON)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in iter_events(flt):
        writer.writerow(
            safe_cell(value)
            for value in (
                row.occurred_at.isoformat(),
                row.actor,
                row.action,
                row.target,
                row.member,
                row.outcome,
                json.dumps(row.details, sort_keys=True),
            )
        )
    return buffer.getvalue()


def safe_cell(value: str) -> str:
    """Defuse spreadsheet formulas: a cell starting with = + - @ is opened as text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def known_values() -> dict[str, list[str]]:
    """Distinct actors and actions, for the filter pickers."""
    with session_scope() as db:
        return {
            "actor": sorted(db.scalars(select(AuditEvent.actor).distinct()).all()),
            "action": sorted(db.scalars(select(AuditEvent.action).distinct()).all()),
        }
