"""Messages from the bot: the same text to many rooms, or direct messages to people.

The notice suffix (MATRIX_NOTICE_SUFFIX) is appended to everything the bot posts for a
moderator. There is no end-to-end encryption here: text sent into an encrypted room is stored
unencrypted, so pages warn first (`encrypted_rooms`).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from app.db import audit_log
from app.services import connections
from app.services.outcomes import audit_details, audit_outcome
from app.services.progress import ProgressCallback, fan_out, guarded, relay
from app.services.rooms import scopes
from app.services.rooms.catalog import rooms_by_id
from app.utils.config import get_settings
from app.utils.enums import AuditAction, AuditOutcome
from app.utils.errors import InputError
from app.utils.matrix import MatrixError, RoomOutcome, SentMessage, Status, reason_of, status_of
from app.utils.matrix import ids as matrix_ids

logger = logging.getLogger(__name__)

MAX_BODY = 20_000
SEND_PHASE = "Sending"
DM_PHASE = "Sending direct messages"


@dataclass(frozen=True)
class Composed:
    """A message ready to send: text and HTML, suffix included, and whom it mentions."""

    text: str
    html: str | None
    mentions: tuple[str, ...] = ()


@dataclass(frozen=True)
class DirectOutcome:
    """The result of one direct message; `room_id` is the DM room when one was found or made."""

    user_id: str
    status: Status
    reason: str = ""
    room_id: str = ""

    @property
    def ok(self) -> bool:
        return self.status is Status.DONE


def notice_suffix() -> str:
    """MATRIX_NOTICE_SUFFIX, appended to what the bot posts for moderators ("" when unset)."""
    return get_settings().matrix_notice_suffix.strip()


def compose(text: str, html_body: str | None = None, mentions: Sequence[str] = ()) -> Composed:
    """Append the notice suffix (if set) to the text and to its HTML form."""
    suffix = notice_suffix()
    if not suffix:
        return Composed(text, html_body, tuple(mentions))
    rich = f"{html_body}<br><br>{html.escape(suffix)}" if html_body else None
    return Composed(f"{text}\n\n{suffix}", rich, tuple(mentions))


def _body(body: str) -> str:
    if not body.strip():
        raise InputError("Message", "must not be empty")
    if len(body) > MAX_BODY:
        raise InputError("Message", f"use at most {MAX_BODY} characters")
    return body.strip()


def encrypted_rooms(room_ids: Sequence[str]) -> list[str]:
    """Which of these rooms were encrypted at the last sync (messages go there unencrypted)."""
    known = rooms_by_id(room_ids)
    return [room for room in room_ids if room in known and known[room].encrypted]


def send_to_rooms(
    *, actor: str, room_ids: Sequence[str], body: str, notice: bool = False,
    on_progress: ProgressCallback | None = None,
) -> list[RoomOutcome]:
    """Post `body` (plus the suffix) in each room; a done outcome's reason is the event ID.
    A room outside `actor`'s scope refuses the whole send before any request (OutOfScope)."""
    on_progress = guarded(on_progress)
    text = _body(body)
    rooms = matrix_ids.room_list(room_ids)
    scopes.check(actor=actor, room_ids=rooms, action=AuditAction.MESSAGES_ROOMS)
    client = connections.matrix()
    client.check_token()  # one request, so a refused token is one clear error, not N failures
    message = compose(text)
    outcomes = client.send_many(rooms, message.text, html_body=message.html, notice=notice,
                                on_outcome=relay(on_progress, SEND_PHASE, len(rooms)))
    audit_log.record(actor=actor, action=AuditAction.MESSAGES_ROOMS,
                     outcome=audit_outcome(outcomes), target=f"{len(rooms)} rooms",
                     details={**audit_details(outcomes), "encrypted": len(encrypted_rooms(rooms)),
                          "characters": len(text)})
    return outcomes


def recipients(user_ids: Sequence[str] | str, *, field: str = "Recipients") -> list[str]:
    """Validated, de-duplicated user IDs from a list or from text (one per line or comma)."""
    items = user_ids.replace(",", "\n").splitlines() if isinstance(user_ids, str) else user_ids
    users = list(dict.fromkeys(matrix_ids.user_id(u, field=field) for u in items if u.strip()))
    if not users:
        raise InputError(field, "enter at least one Matrix user ID")
    return users


def send_direct(
    *, actor: str, user_ids: Sequence[str] | str, body: str, notice: bool = False,
    on_progress: ProgressCallback | None = None,
) -> list[DirectOutcome]:
    """A direct message to each user: the bot's existing DM with them, or a new one (recorded
    in the bot's m.direct). One audit event per recipient."""
    on_progress = guarded(on_progress)
    text = _body(body)
    users = recipients(user_ids)
    client = connections.matrix()
    if client.user_id in users:
        raise InputError("Recipients", f"{client.user_id} is the dashboard's own bot")
    client.check_token()
    message = compose(text)

    def send(user: str) -> SentMessage:
        return client.send_dm(user, message.text, html_body=message.html, notice=notice)

    results = fan_out(client, send, users, phase=DM_PHASE, on_progress=on_progress)
    outcomes = []
    for user, result in results.items():
        if isinstance(result, MatrixError):
            outcome = DirectOutcome(user, status_of(result), reason_of(result))
        else:
            outcome = DirectOutcome(user, Status.DONE, result.event_id, result.room_id)
        outcomes.append(outcome)
        audit_log.record(actor=actor, action=AuditAction.MESSAGES_DIRECT,
                         outcome=AuditOutcome.OK if outcome.ok else AuditOutcome.FAILED,
                         target=user, member=user,
                         details={"status": str(outcome.status), "reason": outcome.reason[:300],
                              "room_id": outcome.room_id, "characters": len(text)})
    return outcomes
