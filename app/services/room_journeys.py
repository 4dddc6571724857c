"""Room work started from a page, as journeys on the durable engine: removing a member from
chosen rooms (Remove from rooms) and inviting one to chosen rooms (Invite to rooms).

Like onboarding: one journey per submission and per member while it runs, each room's outcome
stored the moment it is known, removal messages with transaction IDs derived from the journey,
a crash resumed by the engine, failed rooms retried by a new run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from app.services import approvals, connections, journey_runner, journeys, room_invites
from app.services.journey_runner import (
    Plan,
    RoomResults,
    Started,
    Step,
    StepOutcome,
    finished,
    rooms_left,
    rooms_outcome,
)
from app.services.journeys import JourneyView
from app.services.offboarding_steps import ROOMS as REMOVAL_STEP
from app.services.offboarding_steps import TITLES as REMOVAL_TITLES
from app.services.offboarding_steps import room_removal_step
from app.services.removal import ACTIONS, MESSAGE_KEYS, clean_reason, target_user
from app.services.removal.remove import AUDIT_ACTIONS
from app.services.rooms import scopes
from app.utils.enums import ApprovalKind, AuditAction, JourneyKind
from app.utils.errors import InputError
from app.utils.matrix import ids as matrix_ids

INVITE_STEP = "room_invites"
INVITE_TITLES = {INVITE_STEP: "Room invites"}
WAIT_SECONDS = 60.0


def _invite(journey: JourneyView) -> StepOutcome:
    """Invite the member to the chosen rooms not done yet, one checkpoint per room (the
    account was checked when the journey was started)."""
    chosen = list(journey.params.get("room_ids") or ())
    user = journey.matrix_user_id
    rooms: RoomResults = dict(journey.step(INVITE_STEP).result.get("rooms") or {})

    def checkpoint(room_id: str, entry: dict[str, object]) -> None:
        rooms[room_id] = dict(entry)
        journeys.touch_room(journey.id, INVITE_STEP, room_id, entry)

    room_invites.invite_to_rooms(
        actor=journey.actor, user_id=user, room_ids=rooms_left(chosen, rooms),
        account_checked=True, checkpoint=checkpoint,
    )
    return rooms_outcome(chosen, rooms, done_text=f"invited to {len(chosen)} room(s)")


REMOVAL = journey_runner.register(
    Plan(kind=JourneyKind.REMOVAL, steps=(REMOVAL_STEP,), titles=REMOVAL_TITLES,
         lanes=((room_removal_step(),),))
)
INVITES = journey_runner.register(
    Plan(kind=JourneyKind.ROOM_INVITES, steps=(INVITE_STEP,), titles=INVITE_TITLES,
         lanes=((Step(INVITE_STEP, INVITE_TITLES[INVITE_STEP], _invite),),))
)


@dataclass(frozen=True)
class RemovalRequest:
    user_id: str
    room_ids: tuple[str, ...]
    action: str = "kick"
    reason: str = ""
    message_key: str = ""
    custom_message: str = ""
    display_name: str = ""


def _checked_removal(actor: str, request: RemovalRequest) -> RemovalRequest:
    """The request cleaned, or the first problem; rooms outside `actor`'s scope refused."""
    user = target_user(request.user_id, connections.matrix())
    if request.action not in ACTIONS:
        raise InputError("Action", "choose kick or ban")
    if request.message_key and request.message_key not in MESSAGE_KEYS:
        raise InputError("Message", f"choose one of {', '.join(MESSAGE_KEYS)}")
    rooms = tuple(matrix_ids.room_list(request.room_ids))
    scopes.check(actor=actor, room_ids=rooms, action=AUDIT_ACTIONS[request.action], member=user)
    return RemovalRequest(
        **{**asdict(request), "user_id": user, "reason": clean_reason(request.reason),
           "room_ids": rooms}
    )


def removal_approval_rule(request: RemovalRequest) -> str:
    """Why this removal waits for a second admin ("" when it does not)."""
    return approvals.rule_for(bans_in=len(request.room_ids) if request.action == "ban" else 0)


def begin_removal(
    *, actor: str, request: RemovalRequest, submission_id: str, approval_id: int | None = None
) -> Started:
    """Check everything before any request, then find or start the journey. Under the
    two-person rule only an approved request's run gets past `approvals.require`."""
    cleaned = _checked_removal(actor, request)
    approvals.require(removal_approval_rule(cleaned), approval_id=approval_id,
                      kind=ApprovalKind.REMOVAL, payload=asdict(cleaned))
    user = cleaned.user_id
    return journey_runner.start(
        kind=JourneyKind.REMOVAL, submission_id=submission_id, actor=actor,
        dedupe_key=_same_work(JourneyKind.REMOVAL, user, cleaned.room_ids, cleaned.action),
        params=asdict(cleaned), member_name=request.display_name or user, matrix_user_id=user,
    )


def request_removal_approval(
    *, actor: str, request: RemovalRequest, submission_id: str
) -> approvals.ApprovalView:
    """File the removal for a second admin, checked as if it ran now."""
    cleaned = _checked_removal(actor, request)
    why = removal_approval_rule(cleaned)
    if not why:
        raise InputError("Removal", "this needs no approval: confirm it")
    message = f"; message: {cleaned.message_key}" if cleaned.message_key else ""
    return approvals.request(
        actor=actor, kind=ApprovalKind.REMOVAL, why=why,
        summary=(f"{cleaned.action.capitalize()} {cleaned.user_id} in "
                 f"{len(cleaned.room_ids)} room(s). Reason: {cleaned.reason}{message}."),
        payload=asdict(cleaned), submission_id=submission_id, member=cleaned.user_id,
    )


def _removal_approved(
    payload: Mapping[str, Any], approval: approvals.ApprovalView
) -> dict[str, Any]:
    request = RemovalRequest(**{**payload, "room_ids": tuple(payload.get("room_ids") or ())})
    started = begin_removal(actor=approval.requested_by, request=request,
                            submission_id=f"approval-{approval.id}", approval_id=approval.id)
    return {"journey": started.journey.id}


approvals.register(ApprovalKind.REMOVAL, _removal_approved)


def begin_invites(
    *, actor: str, user_id: str, room_ids: Sequence[str], submission_id: str
) -> Started:
    user = matrix_ids.user_id(user_id, field=room_invites.USER_FIELD)
    rooms = tuple(matrix_ids.room_list(room_ids))
    scopes.check(actor=actor, room_ids=rooms, action=AuditAction.ROOMS_INVITE, member=user)
    client = connections.matrix()
    if user == client.user_id:
        raise InputError(room_invites.USER_FIELD, f"{user} is the dashboard's own bot")
    if not client.user_exists(user):  # Synapse would accept invites for a user nobody has
        raise InputError(room_invites.USER_FIELD, f"there is no account {user} on the "
                                                  "homeserver; check the spelling")
    return journey_runner.start(
        kind=JourneyKind.ROOM_INVITES, submission_id=submission_id, actor=actor,
        dedupe_key=_same_work(JourneyKind.ROOM_INVITES, user, rooms),
        params={"room_ids": rooms}, member_name=user, matrix_user_id=user,
    )


def _same_work(kind: JourneyKind, user: str, rooms: Sequence[str], *extra: str) -> str:
    """While one runs, the same work for the same member (another tab, another replica) joins
    it; different rooms are different work."""
    digest = hashlib.sha256("\n".join([*sorted(rooms), *extra]).encode()).hexdigest()[:16]
    return f"{kind}:{user}:{digest}"


def follow(
    journey_id: int, *, report: Callable[[JourneyView], object] | None = None
) -> JourneyView:
    """Wait (bounded) for the journey to finish; it goes on by itself after the wait."""
    return journey_runner.wait(journey_id, until=finished(), timeout=WAIT_SECONDS,
                               report=report)
