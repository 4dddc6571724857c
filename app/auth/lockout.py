"""Login lockout: too many recent failures for a username block it for a while.

Counted per submitted username whether or not the account exists, so the lockout itself
reveals nothing about which usernames are real.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.models import LoginAttempt
from app.utils.config import get_settings


def locked_until(db: Session, username: str, now: datetime) -> datetime | None:
    """When the lockout for `username` ends, or None if it is not locked.

    Locked: LOGIN_LOCKOUT_ATTEMPTS failures (after the last success) fell within
    LOGIN_LOCKOUT_WINDOW_MINUTES of each other, and the last of them is less than
    LOGIN_LOCKOUT_MINUTES old. Tries refused during a lockout are not counted, so it ends.
    """
    settings = get_settings()
    needed = settings.login_lockout_attempts
    window = timedelta(minutes=settings.login_lockout_window_minutes)
    duration = timedelta(minutes=settings.login_lockout_minutes)
    last_success = db.scalar(
        select(func.max(LoginAttempt.attempted_at)).where(
            LoginAttempt.username == username, LoginAttempt.succeeded.is_(True)
        )
    )
    horizon = now - window - duration
    since = max(horizon, last_success) if last_success else horizon
    failures = db.scalars(
        select(LoginAttempt.attempted_at)
        .where(
            LoginAttempt.username == username,
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.attempted_at > since,
        )
        .order_by(LoginAttempt.attempted_at)
    ).all()
    until = None
    for i in range(needed - 1, len(failures)):
        if failures[i] - failures[i - needed + 1] <= window:
            until = failures[i] + duration
    return until if until is not None and until > now else None


def record_attempt(db: Session, username: str, *, succeeded: bool, now: datetime) -> None:
    db.add(LoginAttempt(username=username, succeeded=succeeded, attempted_at=now))
