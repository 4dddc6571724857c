"""A cap on the audit rows anyone can cause without logging in (failed and refused logins).

The rule, and why:

- Per username, the lockout bounds the rows already: at most LOGIN_LOCKOUT_ATTEMPTS failed
  checks per lock window, and tries refused unchecked are counted on the username's throttle
  row and written in aggregate (app/auth/lockout.py).
- That does not bound an attacker who submits a new username each time, so all such rows
  together get ROWS_PER_MINUTE per clock minute. Past the cap an event is counted instead of
  written, and the count is written as one `audit.capped` row when it first reaches 1, 10,
  100, ... ("so far", so that a flood shows at once) and once more, in total, when its minute
  is over (by the next such event, or by the login sweep).

So the table grows by at most ROWS_PER_MINUTE + log10(N) + 2 rows a minute whatever is sent,
and every event is still counted exactly: written individually or in a total. Rows are only
ever added (the audit log is append-only); the counters live in `audit_budgets`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import audit_log
from app.db.models import AuditBudget
from app.db.upsert import insert_ignoring_conflict
from app.utils.enums import AuditAction, AuditOutcome

ROWS_PER_MINUTE = 100
_BUDGET = "unauthenticated"


def is_power_of_ten(count: int) -> bool:
    """1, 10, 100, ...: the counts at which an aggregate is written while it grows."""
    return count > 0 and 10 ** (len(str(count)) - 1) == count


def _minute(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


def _locked_budget(db: Session, now: datetime) -> AuditBudget:
    """The budget row, locked for this transaction (created at the first use)."""
    db.execute(
        insert_ignoring_conflict(
            db, AuditBudget, {"name": _BUDGET, "minute_start": _minute(now)}, key="name"
        )
    )
    budget = db.scalar(
        select(AuditBudget)
        .where(AuditBudget.name == _BUDGET)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if budget is None:  # nothing deletes it; a failure here is a bug, not a race
        raise RuntimeError("audit budget row missing")
    return budget


def _record_capped(db: Session, budget: AuditBudget, *, count_key: str) -> None:
    """The `audit.capped` row: how many events of the budget's minute were not written."""
    audit_log.record(
        actor=audit_log.SYSTEM_ACTOR,
        action=AuditAction.AUDIT_CAPPED,
        outcome=AuditOutcome.DENIED,
        details={
            "minute": budget.minute_start.isoformat(),
            count_key: budget.suppressed,
            "cap_per_minute": ROWS_PER_MINUTE,
        },
        db=db,
    )


def _close_minute(db: Session, budget: AuditBudget, now: datetime) -> None:
    """Write the total of a finished minute and start the current one."""
    minute = _minute(now)
    if budget.minute_start >= minute:
        return
    if budget.suppressed:
        _record_capped(db, budget, count_key="not_written_total")
    budget.minute_start, budget.written, budget.suppressed = minute, 0, 0


def record(
    db: Session,
    *,
    now: datetime,
    actor: str,
    action: AuditAction,
    outcome: AuditOutcome,
    details: Mapping[str, Any] | None = None,
) -> bool:
    """Write one unauthenticated event in `db`'s transaction, or count it past the cap.

    True when the row was written individually. The caller's transaction must not hold the
    budget row before its own rows (lock order: throttle row, then budget).
    """
    budget = _locked_budget(db, now)
    _close_minute(db, budget, now)
    if budget.written < ROWS_PER_MINUTE:
        budget.written += 1
        audit_log.record(actor=actor, action=action, outcome=outcome, details=details, db=db)
        return True
    budget.suppressed += 1
    if is_power_of_ten(budget.suppressed):
        _record_capped(db, budget, count_key="not_written_so_far")
    return False


def close_finished_minute(db: Session, *, now: datetime) -> None:
    """Write the total of a finished minute even if no event follows it (the login sweep)."""
    seen = db.execute(
        select(AuditBudget.minute_start, AuditBudget.suppressed).where(AuditBudget.name == _BUDGET)
    ).first()
    if seen is None or not seen.suppressed or seen.minute_start >= _minute(now):
        return  # nothing to write; the next event starts the new minute
    _close_minute(db, _locked_budget(db, now), now)
