"""The audit log's writer: one append-only row per action, in the same code path as the action.

`record` writes one row; `audited` wraps an action so that it is recorded as it ends: "failed"
(with the reason) when it raises, else "ok" or what the action set. Below both `auth` and
`services`, so either can record what it did. Reading the log is `app.services.audit`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from app.db.engine import session_scope
from app.db.models import AuditEvent, utcnow
from app.utils.enums import AuditAction, AuditOutcome

logger = logging.getLogger(__name__)

SYSTEM_ACTOR = "system"
_SECRET_WORDS = ("password", "token", "secret")


def _scrub(details: Mapping[str, Any]) -> dict[str, Any]:
    """Drop anything that looks like a credential: the audit log is read by many."""
    clean: dict[str, Any] = {}
    for key, value in details.items():
        if any(word in key.lower() for word in _SECRET_WORDS):
            continue
        clean[key] = _scrub(value) if isinstance(value, Mapping) else value
    return clean


def record(
    *,
    actor: str,
    action: AuditAction,
    outcome: AuditOutcome = AuditOutcome.OK,
    target: str = "",
    member: str = "",
    details: Mapping[str, Any] | None = None,
    db: Session | None = None,
) -> int:
    """Append one event; its id. Pass `db` to commit it atomically with the action's own
    writes."""
    event = AuditEvent(
        occurred_at=utcnow(),
        actor=actor[:150],
        action=action[:64],
        target=target[:255],
        member=member[:255],
        outcome=outcome,
        details=json.loads(json.dumps(_scrub(details or {}), default=str)),
    )
    logger.info("audit %s by %s on %s: %s", action, actor, target or member or "-", outcome)
    if db is not None:
        db.add(event)
        db.flush()
        return event.id
    with session_scope() as own:
        own.add(event)
        own.flush()
        return event.id


@dataclass
class AuditEntry:
    """The row an `audited` block writes when it ends; the block may complete it as it goes
    (the target it created, details it learned, a "partial" outcome)."""

    actor: str
    action: AuditAction
    target: str = ""
    member: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    outcome: AuditOutcome = AuditOutcome.OK


@contextmanager
def audited(
    *,
    actor: str,
    action: AuditAction,
    target: str = "",
    member: str = "",
    details: Mapping[str, Any] | None = None,
    errors: type[Exception] | tuple[type[Exception], ...] = Exception,
    reason: Callable[[Exception], str] = str,
    reason_key: str = "reason",
) -> Iterator[AuditEntry]:
    """Run the block as one audited action.

    If the block raises one of `errors`, the row is written as failed, its details holding
    `reason(err)` under `reason_key` (say, with a secret scrubbed out of the message), and the
    error goes on; anything else raised goes on unaudited. If the block ends, the entry is
    written as the block left it (outcome ok unless it set another).
    """
    entry = AuditEntry(actor, action, target, member, dict(details or {}))
    try:
        yield entry
    except errors as err:
        entry.outcome = AuditOutcome.FAILED
        entry.details = {**entry.details, reason_key: reason(err)}
        _write(entry)
        raise
    _write(entry)


def _write(entry: AuditEntry) -> None:
    record(
        actor=entry.actor,
        action=entry.action,
        outcome=entry.outcome,
        target=entry.target,
        member=entry.member,
        details=entry.details,
    )
