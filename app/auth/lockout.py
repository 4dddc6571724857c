"""Login lockout: at most LOGIN_LOCKOUT_ATTEMPTS password checks per username and window.

Counted per submitted username whether or not the account exists, so the lockout itself
reveals nothing about which usernames are real. One `login_throttles` row per username.

A password check is *reserved* before argon2 runs: the row is locked (SELECT ... FOR UPDATE
on PostgreSQL; on SQLite the find-or-create INSERT that starts the transaction takes the
database's single write lock), `failures + in_flight` is compared with the limit, and the
reservation is committed. The lock is held for milliseconds, never during argon2. After the
check the reservation is *released*: a failure counts (the limit-th starts the lockout), a
success resets the row. However many tries arrive at once, no more than the limit are
evaluated per window: the others are refused unchecked, which neither counts as a failure nor
extends a lockout.

The window is fixed: it opens at the first failure and closes LOGIN_LOCKOUT_WINDOW_MINUTES
later (or when a lockout it caused ends). A reservation whose process died mid-check lapses
RESERVATION_TTL after the newest reservation, so a username is never throttled for good.

Tries refused unchecked are counted in `refused` and audited in aggregate: when the count
reaches 1, 10, 100, ... and, in total, when the period ends (lockout over, window over,
success, unlock, or the sweep after a later login finds it over).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from app.db import audit_budget
from app.db.engine import session_scope
from app.db.models import LoginThrottle
from app.db.upsert import insert_ignoring_conflict
from app.utils.config import get_settings
from app.utils.enums import AuditAction, AuditOutcome

RESERVATION_TTL = timedelta(seconds=60)
SWEEP_BATCH = 100
REASON = "too many failed logins"


@dataclass(frozen=True)
class Refusal:
    """A try refused without checking the password."""

    until: datetime | None  # when the lockout ends; None: the limit's checks are in flight


@dataclass(frozen=True)
class LockedUsername:
    username: str
    until: datetime
    refused: int  # tries refused unchecked since the lockout began (not yet totalled)


@dataclass(frozen=True)
class _Limits:
    attempts: int
    window: timedelta
    duration: timedelta


def login_name(username: str) -> str:
    """The key a submitted username is counted under."""
    return username.strip().lower()[:150]


def _limits() -> _Limits:
    settings = get_settings()
    return _Limits(
        attempts=settings.login_lockout_attempts,
        window=timedelta(minutes=settings.login_lockout_window_minutes),
        duration=timedelta(minutes=settings.login_lockout_minutes),
    )


def _locked_row(db: Session, name: str) -> LoginThrottle:
    """The username's row, created if missing and locked until the transaction ends."""
    for _ in range(5):
        db.execute(insert_ignoring_conflict(db, LoginThrottle, _fresh(name), key="username"))
        row = db.scalar(
            select(LoginThrottle)
            .where(LoginThrottle.username == name)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if row is not None:
            return row
        # PostgreSQL: an idle row was deleted between our INSERT and SELECT; create it again.
    raise RuntimeError(f"login throttle row for {name!r} kept disappearing")


def _fresh(name: str) -> dict[str, Any]:
    return {"username": name, "failures": 0, "in_flight": 0, "refused": 0}


def _audit_refusals(db: Session, row: LoginThrottle, now: datetime, **details: Any) -> None:
    audit_budget.record(
        db,
        now=now,
        actor=row.username or "-",
        action=AuditAction.LOGIN,
        outcome=AuditOutcome.DENIED,
        details={"reason": REASON, **details},
    )


def _reset(db: Session, row: LoginThrottle, now: datetime, ended_by: str) -> None:
    """End the period: write the total of refused tries, clear failures and lockout."""
    if row.refused:
        _audit_refusals(db, row, now, refused_total=row.refused, ended_by=ended_by)
    row.failures, row.window_started_at, row.locked_until, row.refused = 0, None, None, 0


def _expire(db: Session, row: LoginThrottle, now: datetime, limits: _Limits) -> None:
    """Apply the passing of time: lapsed reservations, an ended lockout, a closed window."""
    if row.in_flight and (row.reserved_at is None or row.reserved_at <= now - RESERVATION_TTL):
        row.in_flight = 0  # a process died while checking
    if row.locked_until is not None:
        if row.locked_until <= now:
            _reset(db, row, now, "lockout ended")
    elif row.window_started_at is not None:
        if row.window_started_at <= now - limits.window:
            _reset(db, row, now, "window ended")
    elif row.in_flight == 0 and row.refused:
        _reset(db, row, now, "checks ended")


def _drop_if_idle(db: Session, row: LoginThrottle) -> None:
    if not (row.failures or row.in_flight or row.refused or row.locked_until):
        db.delete(row)


def reserve(db: Session, name: str, now: datetime) -> Refusal | None:
    """Reserve one password check for `name`: None when it may run, else the Refusal.

    A refusal is counted on the row and audited in aggregate in `db`'s transaction: commit it
    even though the login fails.
    """
    limits = _limits()
    row = _locked_row(db, name)
    _expire(db, row, now, limits)
    if row.locked_until is not None:
        refusal = Refusal(until=row.locked_until)
    elif row.failures + row.in_flight >= limits.attempts:
        refusal = Refusal(until=None)
    else:
        row.in_flight += 1
        row.reserved_at = now
        return None
    row.refused += 1
    if audit_budget.is_power_of_ten(row.refused):
        until = refusal.until.isoformat() if refusal.until else None
        _audit_refusals(db, row, now, refused_so_far=row.refused, locked_until=until)
    return refusal


def release(db: Session, name: str, now: datetime, *, succeeded: bool | None) -> datetime | None:
    """End a reservation with the check's verdict (None: no verdict, e.g. an error).

    Returns when the lockout this failure started ends, else None.
    """
    limits = _limits()
    row = _locked_row(db, name)
    row.in_flight = max(0, row.in_flight - 1)
    if succeeded is None:
        _expire(db, row, now, limits)
        _drop_if_idle(db, row)
        return None
    if succeeded:
        _reset(db, row, now, "logged in")
        _drop_if_idle(db, row)
        return None
    _expire(db, row, now, limits)
    row.failures += 1
    if row.window_started_at is None:
        row.window_started_at = now
    if row.locked_until is None and row.failures >= limits.attempts:
        row.locked_until = now + limits.duration
        return row.locked_until
    return None


def unlock(db: Session, name: str, now: datetime) -> datetime | None:
    """Clear the username's failures and lockout; returns the lockout's end if it was locked."""
    row = _locked_row(db, name)
    was_locked = row.locked_until if row.locked_until and row.locked_until > now else None
    _reset(db, row, now, "unlocked")
    _drop_if_idle(db, row)
    return was_locked


def locked(db: Session, now: datetime) -> list[LockedUsername]:
    """Usernames locked out at `now`, the latest lockout first."""
    rows = db.scalars(
        select(LoginThrottle)
        .where(LoginThrottle.locked_until > now)
        .order_by(LoginThrottle.locked_until.desc(), LoginThrottle.username)
    ).all()
    return [LockedUsername(r.username, r.locked_until, r.refused) for r in rows if r.locked_until]


def _over(now: datetime, limits: _Limits) -> ColumnElement[bool]:
    """Rows whose period is over and that have no live reservation (SQL form of _expire)."""
    throttle = LoginThrottle
    return and_(
        or_(
            throttle.locked_until <= now,
            and_(
                throttle.locked_until.is_(None),
                or_(
                    throttle.window_started_at.is_(None),
                    throttle.window_started_at <= now - limits.window,
                ),
            ),
        ),
        or_(throttle.in_flight == 0, throttle.reserved_at <= now - RESERVATION_TTL),
    )


def sweep(now: datetime) -> None:
    """Delete idle rows; write refusal totals of periods that ended with nobody trying again.

    Each step is its own short transaction; rows someone holds are skipped (SKIP LOCKED on
    PostgreSQL), so the sweep never waits for a login nor deadlocks with another sweep.
    """
    limits = _limits()
    with session_scope() as db:
        idle = (
            select(LoginThrottle.username)
            .where(LoginThrottle.refused == 0, _over(now, limits))
            .limit(SWEEP_BATCH)
            .with_for_update(skip_locked=True)
        )
        db.execute(delete(LoginThrottle).where(LoginThrottle.username.in_(idle)))
    with session_scope() as db:
        ended = db.scalars(
            select(LoginThrottle.username)
            .where(LoginThrottle.refused > 0, _over(now, limits))
            .limit(10)
        ).all()
    for name in ended:
        with session_scope() as db:
            row = _locked_row(db, name)
            _expire(db, row, now, limits)
            _drop_if_idle(db, row)
    with session_scope() as db:
        audit_budget.close_finished_minute(db, now=now)
