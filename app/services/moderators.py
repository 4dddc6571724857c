"""Moderators: link a dashboard account to its Matrix ID and give (or take) Matrix power in
chosen rooms, one result per room. Role changes themselves live in app.services.accounts."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from app.db import audit_log
from app.db.engine import session_scope
from app.db.models import Account
from app.services import connections
from app.services.accounts import AccountError
from app.services.outcomes import audit_details, audit_outcome
from app.services.progress import ProgressCallback, relay
from app.services.rooms import scopes
from app.utils.enums import AuditAction
from app.utils.errors import InputError
from app.utils.matrix import RoomOutcome
from app.utils.matrix import ids as matrix_ids

MODERATOR_LEVEL = 50
MAX_LEVEL = 100
MATRIX_FIELD = "Matrix user ID"


def linked_matrix_ids() -> dict[int, str]:
    """Account id -> linked Matrix ID, for the accounts that have one."""
    with session_scope() as db:
        rows = db.execute(
            select(Account.id, Account.matrix_user_id).where(Account.matrix_user_id.is_not(None))
        ).all()
        return {account_id: user for account_id, user in rows if user is not None}


def link_matrix_id(*, actor: str, account_id: int, matrix_user_id: str) -> str:
    """Store the Matrix ID this dashboard account acts as in rooms ("" unlinks)."""
    user = matrix_ids.user_id(matrix_user_id, field=MATRIX_FIELD) if matrix_user_id.strip() else ""
    with session_scope() as db:
        account = db.get(Account, account_id)
        if account is None:
            raise AccountError(f"No dashboard account with id {account_id}")
        account.matrix_user_id = user or None
        audit_log.record(
            actor=actor,
            action=AuditAction.MODERATOR_LINK_MATRIX,
            target=account.username,
            member=user,
            db=db,
        )
    return user


def set_room_power(
    *,
    actor: str,
    matrix_user_id: str,
    room_ids: Sequence[str],
    level: int,
    on_progress: ProgressCallback | None = None,
) -> list[RoomOutcome]:
    """Set `matrix_user_id`'s power level to `level` in each room (50 = moderator, 0 = none)."""
    user = matrix_ids.user_id(matrix_user_id, field=MATRIX_FIELD)
    if isinstance(level, bool) or not 0 <= int(level) <= MAX_LEVEL:
        raise InputError("Power level", f"use a whole number from 0 to {MAX_LEVEL}")
    rooms = matrix_ids.room_list(room_ids)
    scopes.check(actor=actor, room_ids=rooms, action=AuditAction.MODERATOR_POWER, member=user)
    client = connections.matrix()
    outcomes = client.set_power_level_many(
        user_id=user,
        rooms=rooms,
        level=int(level),
        on_outcome=relay(on_progress, "Setting power levels", len(rooms)),
    )
    audit_log.record(
        actor=actor,
        action=AuditAction.MODERATOR_POWER,
        outcome=audit_outcome(outcomes),
        target=user,
        member=user,
        details={**audit_details(outcomes), "level": level},
    )
    return outcomes
