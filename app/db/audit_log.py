"""The audit log's writer: one append-only row per action, in the same code path as the action.

Below both `auth` and `services`, so either can record what it did. Reading the log (search,
export) is `app.services.audit`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
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
) -> None:
    """Append one event. Pass `db` to commit it atomically with the action's own writes."""
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
        return
    with session_scope() as own:
        own.add(event)
