"""Invite one Matrix user to a selection of rooms, with one result per room."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from app.db import audit_log
from app.services import connections
from app.services.outcomes import audit_details, audit_outcome
from app.services.progress import ProgressCallback, guarded, relay
from app.services.rooms import scopes
from app.utils.enums import AuditAction
from app.utils.errors import InputError
from app.utils.matrix import RoomOutcome
from app.utils.matrix import ids as matrix_ids

logger = logging.getLogger(__name__)

PHASE = "Inviting"
USER_FIELD = "Matrix user ID"


def invite_to_rooms(
    *, actor: str, user_id: str, room_ids: Sequence[str],
    on_progress: ProgressCallback | None = None, account_checked: bool = False,
    checkpoint: Callable[[str, dict[str, object]], None] | None = None,
) -> list[RoomOutcome]:
    """Invite `user_id` to each room: done (invited), already (member or invited), forbidden
    (the bot lacks power there) or another failure, with the reason; audited as one event.

    The account must exist: Synapse would otherwise accept invites for a user nobody has
    (`account_checked`: the caller just checked). `checkpoint(room_id, entry)` hears each
    room's outcome the moment it is known (a journey stores it, so a re-run skips the room).
    A room outside `actor`'s scope refuses the whole invite before any request (OutOfScope).
    """
    on_progress = guarded(on_progress)
    user = matrix_ids.user_id(user_id, field=USER_FIELD)
    rooms = matrix_ids.room_list(room_ids)
    scopes.check(actor=actor, room_ids=rooms, action=AuditAction.ROOMS_INVITE, member=user)
    client = connections.matrix()
    if user == client.user_id:
        raise InputError(USER_FIELD, f"{user} is the dashboard's own bot")
    if not account_checked and not client.user_exists(user):
        raise InputError(USER_FIELD, f"there is no account {user} on the homeserver; check "
                                     "the spelling, or create the account first")
    report = relay(on_progress, PHASE, len(rooms))

    def on_outcome(outcome: RoomOutcome) -> None:
        if checkpoint is not None:
            checkpoint(outcome.room_id, room_entry(outcome))
        if report is not None:
            report(outcome)

    outcomes = client.invite_many(user_id=user, rooms=rooms, on_outcome=on_outcome)
    audit_log.record(actor=actor, action=AuditAction.ROOMS_INVITE, outcome=audit_outcome(outcomes),
                     target=user, member=user, details=audit_details(outcomes))
    return outcomes


def room_entry(outcome: RoomOutcome) -> dict[str, object]:
    """How a journey stores one room's outcome."""
    return {"status": str(outcome.status), "reason": outcome.reason, "ok": outcome.ok}
