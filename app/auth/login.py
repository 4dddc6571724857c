"""Local login and logout: lockout, argon2 verification, session creation, audit."""

from __future__ import annotations

import logging
import math
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app.auth import lockout
from app.auth.identity import Identity
from app.auth.passwords import hash_password, needs_rehash, verify_password
from app.auth.sessions import create_session, revoke_session, validate_session
from app.db import audit_budget, audit_log
from app.db.engine import session_scope
from app.db.models import Account, utcnow
from app.utils.config import get_settings
from app.utils.enums import AuditAction, AuditOutcome, AuthSource
from app.utils.errors import DashboardError

logger = logging.getLogger(__name__)

WRONG_CREDENTIALS = "Wrong username or password."
LOCKED = "Too many failed logins for this username. Try again in {minutes} minutes."
BUSY = "Too many logins for this username at once. Try again in a minute."


class LoginRefused(DashboardError):
    """The same messages whether or not the username exists."""


def _refusal_message(refusal: lockout.Refusal, now: datetime) -> str:
    if refusal.until is None:
        return BUSY
    minutes = math.ceil((refusal.until - now).total_seconds() / 60)
    # `now` is read before waiting for the row, so it may precede the failure that locked it.
    longest = math.ceil(get_settings().login_lockout_minutes)
    return LOCKED.format(minutes=min(max(1, minutes), longest))


def log_in(username: str, password: str, *, now: datetime | None = None) -> tuple[str, Identity]:
    """Check the credentials and start a session; returns (token, identity).

    No database lock is held while argon2 runs: the check is reserved first (lockout.py),
    then its verdict recorded with the audit row in one transaction.
    """
    now = now or utcnow()
    name = lockout.login_name(username)
    with session_scope() as db:  # committed: the refusal's count and audit survive the raise
        refusal = lockout.reserve(db, name, now)
    if refusal is not None:
        raise LoginRefused(_refusal_message(refusal, now))
    try:
        account_id, ok, new_hash = _check_password(name, password)
    except BaseException:
        with session_scope() as db:
            lockout.release(db, name, now, succeeded=None)
        raise
    with session_scope() as db:
        locked_until = lockout.release(db, name, now, succeeded=ok)
        account = db.get(Account, account_id) if ok and account_id is not None else None
        if account is not None:
            if new_hash:
                account.password_hash = new_hash
            account.last_login_at = now
            audit_log.record(
                actor=name, action=AuditAction.LOGIN, details={"method": "password"}, db=db
            )
        else:
            details = {"locked_until": locked_until.isoformat()} if locked_until else None
            audit_budget.record(
                db,
                now=now,
                actor=name or "-",
                action=AuditAction.LOGIN,
                outcome=AuditOutcome.FAILED,
                details=details,
            )
    _sweep(now)
    if account is None:
        raise LoginRefused(WRONG_CREDENTIALS)
    return start_session(account.id, now=now)


def _check_password(name: str, password: str) -> tuple[int | None, bool, str | None]:
    """(account id, whether the password matches, a stronger hash to store if one is due).

    Unknown, inactive and SSO-only usernames spend the time of one argon2 check too.
    """
    with session_scope() as db:
        account = db.scalar(select(Account).where(Account.username == name))
        usable = (
            account is not None
            and account.is_active
            and account.auth_source == AuthSource.LOCAL
        )
        stored = account.password_hash if usable and account is not None else None
        account_id = account.id if usable and account is not None else None
    ok = verify_password(stored, password)
    new_hash = hash_password(password) if ok and stored and needs_rehash(stored) else None
    return account_id, ok, new_hash


def _sweep(now: datetime) -> None:
    """Housekeeping after a check; a failure here must not change the login's outcome."""
    try:
        lockout.sweep(now)
    except SQLAlchemyError:
        logger.warning("login throttle sweep failed", exc_info=True)


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
        audit_log.record(
            actor=identity.username,
            action=AuditAction.LOGOUT,
            outcome=AuditOutcome.OK if revoked else AuditOutcome.FAILED,
        )
