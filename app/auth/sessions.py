"""DB-backed login sessions: create, validate (sliding expiry), revoke.

Any process on the same database can validate any session: nothing lives in memory.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from app.auth.identity import Identity
from app.auth.tokens import new_token, plausible, token_hash
from app.db.engine import rows_changed, session_scope
from app.db.models import Account, LoginSession, utcnow
from app.utils.config import get_settings

# Sliding the expiry writes a row; doing it at most once a minute keeps page loads read-only.
SLIDE_EVERY = timedelta(seconds=60)


def create_session(account_id: int, *, now: datetime | None = None) -> str:
    """Start a session for the account and return its token (shown to nobody but the cookie)."""
    now = now or utcnow()
    settings = get_settings()
    token = new_token()
    absolute = now + timedelta(days=settings.session_max_days)
    with session_scope() as db:
        db.add(
            LoginSession(
                token_hash=token_hash(token),
                account_id=account_id,
                created_at=now,
                last_seen_at=now,
                expires_at=min(now + timedelta(hours=settings.session_ttl_hours), absolute),
                absolute_expires_at=absolute,
            )
        )
    return token


def validate_session(token: str | None, *, now: datetime | None = None) -> Identity | None:
    """The identity behind a live token (role read from the database), else None.

    Expiry slides forward by SESSION_TTL_HOURS on use, never past SESSION_MAX_DAYS.
    """
    if not plausible(token):
        return None
    now = now or utcnow()
    ttl = timedelta(hours=get_settings().session_ttl_hours)
    with session_scope() as db:
        row = db.execute(
            select(LoginSession, Account)
            .join(Account, Account.id == LoginSession.account_id)
            .where(LoginSession.token_hash == token_hash(token))
        ).one_or_none()
        if row is None:
            return None
        login, account = row
        if login.revoked_at is not None or login.expires_at <= now or not account.is_active:
            return None
        if now - login.last_seen_at >= SLIDE_EVERY:
            login.last_seen_at = now
            login.expires_at = min(now + ttl, login.absolute_expires_at)
        return Identity(
            account_id=account.id,
            username=account.username,
            display_name=account.display_name,
            role=account.role,
            auth_source=account.auth_source,
        )


def session_expiry(token: str) -> datetime | None:
    """When the session behind `token` ends if unused (for display and tests)."""
    with session_scope() as db:
        return db.scalar(
            select(LoginSession.expires_at).where(LoginSession.token_hash == token_hash(token))
        )


def revoke_session(token: str | None, *, now: datetime | None = None) -> bool:
    """End one session; True if a live one was revoked."""
    if not plausible(token):
        return False
    with session_scope() as db:
        result = db.execute(
            update(LoginSession)
            .where(LoginSession.token_hash == token_hash(token), LoginSession.revoked_at.is_(None))
            .values(revoked_at=now or utcnow())
        )
        return rows_changed(result) > 0


def revoke_account_sessions(account_id: int, *, now: datetime | None = None) -> int:
    """End every live session of an account; returns how many were ended.

    Also stamps the account, so an SSO login from before this moment cannot start a new one.
    """
    now = now or utcnow()
    with session_scope() as db:
        db.execute(update(Account).where(Account.id == account_id).values(sessions_revoked_at=now))
        result = db.execute(
            update(LoginSession)
            .where(
                LoginSession.account_id == account_id,
                LoginSession.revoked_at.is_(None),
                LoginSession.expires_at > now,
            )
            .values(revoked_at=now)
        )
        return rows_changed(result)
