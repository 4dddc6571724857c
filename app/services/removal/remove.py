"""Kick or ban a member in chosen rooms, with a reason and an optional message: one result
per room, and a retry for the rooms that failed. Whatever the preview said, the removal reads
the member's membership in every room live (once: the message and the removal share it). The
bot's power is read again unless a preview read it moments ago (FRESH_PREVIEW_SECONDS): then
the homeserver's own refusal of the kick or ban (403) is the live check, reported per room."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from functools import partial

from app.db import audit_log
from app.services import connections, templates
from app.services.messaging import Composed, compose
from app.services.outcomes import audit_details, audit_outcome
from app.services.progress import ProgressCallback, fan_out, guarded, relay
from app.services.removal.preview import PRESENT, Action, power_verdict, target_user
from app.services.rooms import scopes
from app.utils.enums import AuditAction
from app.utils.errors import InputError
from app.utils.matrix import (
    MatrixClient,
    MatrixError,
    MatrixUnknownToken,
    Membership,
    RoomOutcome,
    Status,
    reason_of,
    status_of,
    txn_id,
)
from app.utils.matrix import ids as matrix_ids

logger = logging.getLogger(__name__)


ACTIONS: tuple[Action, ...] = ("kick", "ban")
FRESH_PREVIEW_SECONDS = 120.0
MESSAGE_KEYS = ("removal_spam", "removal_inactive", "removal_safety", "removal_custom")
MAX_REASON = 500
MESSAGE_SENT = "sent"
MESSAGE_SENT_BEFORE = "sent in an earlier attempt"
PHASES = {"kick": "Kicking", "ban": "Banning"}
AUDIT_ACTIONS: dict[Action, AuditAction] = {
    "kick": AuditAction.ROOMS_KICK,
    "ban": AuditAction.ROOMS_BAN,
}


@dataclass(frozen=True)
class RemovalOutcome(RoomOutcome):
    """A RoomOutcome of the removal, plus what happened to the message in that room."""

    message: str = ""  # "" (none asked), "sent", "sent in an earlier attempt", "not sent: ..."



def removal_message(
    *, user_id: str, display_name: str, reason: str, message_key: str, custom_message: str = ""
) -> Composed:
    """The message posted before a removal: a removal template (or, for removal_custom, the
    moderator's own text with the same placeholders), filled in, suffix appended."""
    if message_key not in MESSAGE_KEYS:
        raise InputError("Message", f"choose one of {', '.join(MESSAGE_KEYS)}")
    values = {"name": display_name or user_id, "username": user_id[1:].split(":", 1)[0],
              "matrix_id": user_id, "reason": reason}
    if message_key == "removal_custom" and custom_message.strip():
        body = templates.check_body(message_key, custom_message, field="Custom message")
        rendered = templates.render_body(message_key, body, values)
    else:
        rendered = templates.render(message_key, values)
    return compose(rendered.text, rendered.html, rendered.mentions)


def clean_reason(reason: str) -> str:
    """The reason, whitespace collapsed; required and bounded (it is shown to the member)."""
    text = " ".join(reason.split())
    if not text:
        raise InputError("Reason", "say why; the reason is shown to the member and audited")
    if len(text) > MAX_REASON:
        raise InputError("Reason", f"use at most {MAX_REASON} characters")
    return text


Checkpoint = Callable[[str, dict[str, object]], None]


def remove_from_rooms(
    *, actor: str, user_id: str, room_ids: Sequence[str], action: Action, reason: str,
    message_key: str | None = None, custom_message: str = "", display_name: str = "",
    skip_message_in: Collection[str] = (), on_progress: ProgressCallback | None = None,
    checkpoint: Checkpoint | None = None, txn_scope: str | None = None,
) -> list[RemovalOutcome]:
    """Kick or ban `user_id` in each room, with `reason`; one outcome per room, in order.

    Per room: the bot's power is checked first (forbidden rooms are reported, not tried; read
    live unless a preview read it moments ago); the member's membership is read live, once;
    with `message_key`, the message is posted where the user still is (not in
    `skip_message_in`, e.g. rooms a previous attempt already messaged); then the removal,
    `client.concurrency` rooms at a time. After a fresh preview that is one read per room
    plus the writes. Audited as one event with member=user_id.

    A journey passes `checkpoint(room_id, entry)`, called as soon as a room's message or
    outcome is known, and `txn_scope`: each room's message then has a transaction ID derived
    from it, so a run repeated after a crash cannot post twice. A room outside `actor`'s scope
    refuses the whole removal before any request (OutOfScope)."""
    on_progress = guarded(on_progress)
    if action not in ACTIONS:
        raise InputError("Action", "choose kick or ban")
    why = clean_reason(reason)
    rooms = matrix_ids.room_list(room_ids)
    client = connections.matrix()
    user = target_user(user_id, client)
    scopes.check(actor=actor, room_ids=rooms, action=AUDIT_ACTIONS[action], member=user)
    message = (removal_message(user_id=user, display_name=display_name, reason=why,
                               message_key=message_key, custom_message=custom_message)
               if message_key else None)
    save = checkpoint or (lambda _room, _entry: None)
    results: dict[str, RemovalOutcome] = {}
    allowed = _powerful_rooms(client, user, rooms, action=action, results=results,
                              on_progress=on_progress)
    for room, outcome in results.items():
        save(room, removal_entry(outcome))
    known: dict[str, Membership] = {}
    notes = _post(client, user, allowed, message=message, skip=skip_message_in, known=known,
                  on_progress=on_progress, txn_scope=txn_scope) if message else {}
    for room, note in notes.items():
        save(room, {"message": note})
    report = relay(on_progress, PHASES[action], len(allowed))

    def on_outcome(o: RoomOutcome) -> None:
        if o.status is Status.FORBIDDEN:  # the homeserver's own check said no: read live next
            client.forget_power_levels(o.room_id)
        results[o.room_id] = RemovalOutcome(o.room_id, o.status, o.reason,
                                            notes.get(o.room_id, ""))
        save(o.room_id, removal_entry(results[o.room_id]))
        if report is not None:
            report(o)

    bulk = client.kick_many if action == "kick" else client.ban_many
    bulk(user_id=user, rooms=allowed, reason=why, on_outcome=on_outcome, known=known)
    outcomes = [results[room] for room in rooms]
    sent = sum(1 for o in outcomes if o.message == MESSAGE_SENT)
    audit_log.record(actor=actor, action=AUDIT_ACTIONS[action], outcome=audit_outcome(outcomes),
                     target=user, member=user,
                     details={**audit_details(outcomes), "reason": why,
                              "message": message_key or "", "messages_sent": sent})
    return outcomes


def removal_entry(outcome: RemovalOutcome) -> dict[str, object]:
    """How a journey stores one room's removal outcome."""
    return {"status": str(outcome.status), "reason": outcome.reason, "ok": outcome.ok,
            "message": outcome.message}


def _powerful_rooms(
    client: MatrixClient, user: str, rooms: list[str], *, action: Action,
    results: dict[str, RemovalOutcome], on_progress: ProgressCallback | None,
) -> list[str]:
    """The rooms where the bot's power allows `action`; the others go into `results`. Power
    levels the preview read less than FRESH_PREVIEW_SECONDS ago are not read again."""
    powers = fan_out(client, partial(client.power_levels, max_age=FRESH_PREVIEW_SECONDS),
                     rooms, phase="Checking power levels", on_progress=on_progress)
    if refused := next((p for p in powers.values() if isinstance(p, MatrixUnknownToken)), None):
        raise refused  # not a per-room problem: nothing can work until the token is fixed
    allowed = []
    for room, power in powers.items():
        if isinstance(power, MatrixError):
            results[room] = RemovalOutcome(room, status_of(power),
                                           f"could not read power levels: {reason_of(power)}")
            continue
        _, _, kick, ban, why = power_verdict(power, bot_user_id=client.user_id, user_id=user)
        if kick if action == "kick" else ban:
            allowed.append(room)
        else:
            results[room] = RemovalOutcome(room, Status.FORBIDDEN, why)
            client.forget_power_levels(room)  # a retry, after a fix, reads them live
    return allowed


def _post(
    client: MatrixClient, user: str, rooms: list[str], *, message: Composed,
    skip: Collection[str], known: dict[str, Membership], on_progress: ProgressCallback | None,
    txn_scope: str | None,
) -> dict[str, str]:
    """Post the message in the rooms where it still makes sense; what happened, per room.
    The memberships read live go into `known`, for the removal that follows."""
    notes = {room: MESSAGE_SENT_BEFORE for room in rooms if room in skip}
    todo = [room for room in rooms if room not in skip]
    lookups = client.memberships(user_id=user, rooms=todo,
                                 on_outcome=relay(on_progress, "Checking membership", len(todo)))
    targets = []
    for lk in lookups:
        if not lk.ok or lk.value is None:
            notes[lk.room_id] = f"not sent: could not read their membership ({lk.reason})"
            continue
        known[lk.room_id] = lk.value
        if lk.value in PRESENT:  # joined, invited or knocking: they can read it
            targets.append(lk.room_id)
        else:
            notes[lk.room_id] = f"not sent: they are not in the room ({lk.value})"
    txn_ids = {room: txn_id(txn_scope, "removal", room) for room in targets} if txn_scope else None
    for o in client.send_many(targets, message.text, html_body=message.html, notice=True,
                              mentions=list(message.mentions), txn_ids=txn_ids,
                              on_outcome=relay(on_progress, "Posting the message", len(targets))):
        notes[o.room_id] = MESSAGE_SENT if o.ok else f"not sent: {o.status}: {o.reason}"
    return notes


def failed_rooms(outcomes: Sequence[RoomOutcome]) -> list[str]:
    """Rooms worth another try: not done, not already so, not skipped by us. Unknown ones
    are included: the retry reads their membership first, which settles them."""
    return [o.room_id for o in outcomes if not o.ok and o.status is not Status.SKIPPED]


def retry_failed(
    *, actor: str, user_id: str, outcomes: Sequence[RemovalOutcome], action: Action,
    reason: str, message_key: str | None = None, custom_message: str = "",
    display_name: str = "", on_progress: ProgressCallback | None = None,
) -> list[RemovalOutcome]:
    """remove_from_rooms again for the failed rooms of `outcomes`; the message is not posted
    twice where an earlier attempt posted it. Returns the new outcomes of those rooms."""
    rooms = failed_rooms(outcomes)
    if not rooms:
        return []
    messaged = [o.room_id for o in outcomes if o.message in (MESSAGE_SENT, MESSAGE_SENT_BEFORE)]
    return remove_from_rooms(
        actor=actor, user_id=user_id, room_ids=rooms, action=action, reason=reason,
        message_key=message_key, custom_message=custom_message, display_name=display_name,
        skip_message_in=messaged, on_progress=on_progress,
    )


def merge_outcomes(
    previous: Sequence[RemovalOutcome], retried: Sequence[RemovalOutcome]
) -> list[RemovalOutcome]:
    """The previous outcomes with the retried rooms' new outcomes in their place."""
    newer = {o.room_id: o for o in retried}
    return [newer.get(o.room_id, o) for o in previous]
