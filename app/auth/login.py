"""Local login and logout: lockout, argon2 verification, session creation, audit."""

from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy import select

from app.auth.identity import Identity
from app.auth.lockout import locked_until, record_attempt
from app.auth.passwords import hash_password, needs_rehash, verify_password
from app.auth.sessions import create_session, revoke_session, validate_session
from app.db.engine import session_scope
from app.db.models import Account, utcnow
from app.services import audit
from app.utils.errors import DashboardError

WRONG_CREDENTIALS = "Wrong username or password."
LOCKED = "Too many failed logins for this username. Try again in {minutes} minutes."


class LoginRefused(DashboardError):
    """The same messages whether or not the username exists."""


def log_in(username: str, password: str, *, now: datetime | None = None) -> tuple[str, Identity]:
    """Check the credentials and start a session; returns (token, identity)."""
    now = now or utcnow()
    name = username.strip().lower()[:150]
    with session_scope() as db:
        until = locked_until(db, name, now)
        if until is not None:
            audit.record(
                actor=name or "-",
                action="login",
                outcome="denied",
                details={"reason": "locked out"},
                db=db,
            )
            minutes = max(1, math.ceil((until - now).total_seconds() / 60))
            raise LoginRefused(LOCKED.format(minutes=minutes))
        account = db.scalar(select(Account).where(Account.username == name))
        usable = account is not None and account.is_active and account.auth_source == "local"
        ok = verify_password(account.password_hash if usable else None, password)  # type: ignore[union-attr]
        record_attempt(db, name, succeeded=ok, now=now)
        if not ok or account is None:
            audit.record(actor=name or "-", action="login", outcome="failed", db=db)
            failure = True
        else:
            failure = False
            if needs_rehash(account.password_hash or ""):
                account.password_hash = hash_password(password)
            account.last_login_at = now
            audit.record(actor=name, action="login", details={"method": "password"}, db=db)
            account_id = account.id
    if failure:
        raise LoginRefused(WRONG_CREDENTIALS)
    return start_session(account_id, now=now)


def start_session(account_id: int, *, now: datetime | None = None) -> tuple[str, Identity]:
    """Create a session for an account that has just proven who it is."""
    token = create_session(account_id, now=now)
    identity = validate_session(token, now=now)
    if identity is None:  # deactivated between the check and now
        raise LoginRefused(WRONG_CREDENTIALS)
    return token, identity


def log_out(token: str | None, identity: Identity | None) -> None:
    """Revoke the session row; the cookie is cleared by the caller."""
    revoked = revoke_session(token)
    if identity is not None:
        audit.record(
            actor=identity.username, action="logout", outcome="ok" if revoked else "failed"
        )
