"""Login lockouts for admins: which usernames are locked out, and lifting a lockout.

Anyone who knows a username can lock it out (the lockout counts tries, not proof of who sent
them), so an admin, or the operator with `python -m app unlock`, must be able to lift it.
"""

from __future__ import annotations

from datetime import datetime

from app.auth import lockout
from app.auth.lockout import LockedUsername
from app.db import audit_log
from app.db.engine import session_scope
from app.db.models import utcnow
from app.utils.enums import AuditAction
from app.utils.errors import InputError

__all__ = ["LockedUsername", "locked_usernames", "unlock"]


def locked_usernames(*, now: datetime | None = None) -> list[LockedUsername]:
    """Usernames locked out now (existing accounts or not), with when each lockout ends."""
    with session_scope() as db:
        return lockout.locked(db, now or utcnow())


def unlock(*, actor: str, username: str, now: datetime | None = None) -> bool:
    """Lift the username's lockout and forget its failures. True if it was locked out.

    Audited either way, with the actor. Checks already running keep their reservation.
    """
    name = lockout.login_name(username)
    if not name:
        raise InputError("username", "enter the username to unlock")
    now = now or utcnow()
    with session_scope() as db:
        was_locked_until = lockout.unlock(db, name, now)
        audit_log.record(
            actor=actor,
            action=AuditAction.LOGIN_UNLOCK,
            target=name,
            details={
                "was_locked": was_locked_until is not None,
                "locked_until": was_locked_until.isoformat() if was_locked_until else None,
            },
            db=db,
        )
    return was_locked_until is not None
