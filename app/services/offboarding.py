"""Offboard a member in one action, after a preview: their Authentik account, the invitations
they created, and every room they are in. A journey on the durable engine, like onboarding:
one per submission and member, resumed after a crash, retryable."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from app.auth.account_rules import role_of
from app.services import (
    approvals,
    connections,
    journey_runner,
    journeys,
    member_ids,
    protected,
    removal,
)
from app.services import offboarding_steps as steps
from app.services.invite_links import InviteLink
from app.services.journey_runner import Plan, Started, finished
from app.services.journeys import JourneyView
from app.services.progress import ProgressCallback
from app.services.rooms import scopes
from app.utils.authentik import User
from app.utils.authentik import validation as check
from app.utils.config import get_settings
from app.utils.enums import ApprovalKind, AuditAction, JourneyKind, Role
from app.utils.errors import DashboardError, InputError, NotConfigured
from app.utils.matrix import ids as matrix_ids

KIND = JourneyKind.OFFBOARDING
PLAN = journey_runner.register(
    Plan(kind=KIND, steps=steps.STEP_NAMES, titles=steps.TITLES, lanes=steps.lanes())
)
WAIT_SECONDS = 60.0  # the page's wait; the journey goes on after it (see Journeys)


@dataclass(frozen=True)
class OffboardingRequest:
    authentik_username: str = ""
    matrix_user_id: str = ""
    reason: str = ""
    action: str = "kick"  # kick | ban
    message_key: str = ""  # "" = no message; else one of removal.MESSAGE_KEYS
    custom_message: str = ""
    delete_account: bool = False  # else deactivate
    delete_confirmation: str = ""  # must repeat the username to delete
    room_ids: tuple[str, ...] = ()  # from the preview: the rooms to remove them from


@dataclass(frozen=True)
class OffboardingPreview:
    """What offboarding would touch. A part that could not be looked up says why."""

    authentik_user: User | None
    authentik_problem: str
    invitations: tuple[InviteLink, ...]
    rooms: removal.RemovalPreview | None
    matrix_problem: str
    protected: str = ""  # why the Authentik account may not be offboarded here, if so


def _lookup_user(username: str) -> tuple[User | None, str]:
    if not username:
        return None, ""
    try:
        user = connections.authentik().find_user(username)
    except DashboardError as err:
        return None, str(err)
    return (user, "") if user else (None, f"no Authentik user '{username}'")


def preview(
    *, actor: str, authentik_username: str = "", matrix_user_id: str = "",
    on_progress: ProgressCallback | None = None,
) -> OffboardingPreview:
    """Look everything up live; nothing is changed. The rooms are those of `actor`'s scope;
    the preview counts the others, which offboarding leaves alone. `on_progress` follows the
    room lookup."""
    username, matrix = member_ids.checked(authentik_username, matrix_user_id)
    user, authentik_problem = _lookup_user(username)
    found: tuple[InviteLink, ...] = ()
    guard = ""
    if user is not None:
        try:
            guard = protected.authentik_reason(user) or ""
            found = tuple(steps.open_invitations_by(user.username))
        except DashboardError as err:
            authentik_problem = f"could not list invitations: {err}"
    rooms, matrix_problem = None, ""
    if matrix:
        try:
            guard = guard or protected.matrix_reason(matrix) or ""
            rooms = removal.preview_removal(matrix, actor=actor, on_progress=on_progress)
        except DashboardError as err:
            matrix_problem = str(err)
    return OffboardingPreview(user, authentik_problem, found, rooms, matrix_problem, guard)


def check_request(request: OffboardingRequest) -> OffboardingRequest:
    """Every field checked before any request; returns the cleaned request."""
    settings = get_settings()
    username, matrix = request.authentik_username.strip(), request.matrix_user_id.strip()
    if not username and not matrix:
        raise InputError("Member", "enter an Authentik username, a Matrix ID, or both")
    reason = removal.clean_reason(request.reason)
    if request.action not in removal.ACTIONS:
        raise InputError("Action", "choose kick or ban")
    if request.message_key and request.message_key not in removal.MESSAGE_KEYS:
        raise InputError("Message", f"choose one of {', '.join(removal.MESSAGE_KEYS)}")
    if username:
        if settings.authentik_missing:
            raise NotConfigured("Authentik", settings.authentik_missing)
        check.username(username, "Authentik username")
        if request.delete_account and request.delete_confirmation.strip() != username:
            raise InputError("Confirm deletion", f"type the username '{username}' to delete")
    if matrix:
        if settings.matrix_missing:
            raise NotConfigured("Matrix", settings.matrix_missing)
        matrix = matrix_ids.user_id(matrix)
    rooms = tuple(matrix_ids.room_list(request.room_ids)) if request.room_ids else ()
    return OffboardingRequest(
        **{
            **asdict(request),
            "authentik_username": username,
            "matrix_user_id": matrix,
            "reason": reason,
            "room_ids": rooms,
        }
    )


def approval_rule(request: OffboardingRequest) -> str:
    """Why this offboarding waits for a second admin ("" when it does not)."""
    account = bool(request.authentik_username.strip())
    return approvals.rule_for(
        deletes=account and request.delete_account,
        deactivates=account and not request.delete_account,
        bans_in=len(request.room_ids) if request.action == "ban" else 0,
    )


def begin(
    *, actor: str, request: OffboardingRequest, submission_id: str,
    approval_id: int | None = None,
) -> Started:
    """Check the request and who asks, refuse protected targets, then find or start the
    journey of this submission (or the one running for this member). Returns at once. Under
    the two-person rule only an approved request's run gets past `approvals.require`."""
    request = check_request(request)
    _check_authority(actor, request)
    approvals.require(approval_rule(request), approval_id=approval_id,
                      kind=ApprovalKind.OFFBOARDING, payload=asdict(request))
    member = request.authentik_username or request.matrix_user_id
    return journey_runner.start(
        kind=KIND,
        submission_id=submission_id,
        actor=actor,
        dedupe_key=f"{KIND}:{member}",
        params=asdict(request),
        member_name=member,
        authentik_username=request.authentik_username,
        matrix_user_id=request.matrix_user_id,
    )


def request_approval(
    *, actor: str, request: OffboardingRequest, submission_id: str
) -> approvals.ApprovalView:
    """File the offboarding for a second admin, checked as if it ran now."""
    request = check_request(request)
    _check_authority(actor, request)
    why = approval_rule(request)
    if not why:
        raise InputError("Offboarding", "this needs no approval: offboard now")
    return approvals.request(
        actor=actor, kind=ApprovalKind.OFFBOARDING, why=why, summary=describe(request),
        payload=asdict(request), submission_id=submission_id,
        member=request.authentik_username or request.matrix_user_id,
    )


def describe(request: OffboardingRequest) -> str:
    """What the offboarding will do, in a sentence (for the admin who approves it)."""
    parts = []
    if request.authentik_username:
        verb = "delete" if request.delete_account else "deactivate"
        parts.append(f"{verb} the Authentik account {request.authentik_username} and revoke "
                     "the invitations they made")
    if request.matrix_user_id:
        parts.append(f"{request.action} {request.matrix_user_id} in "
                     f"{len(request.room_ids)} room(s)")
    message = f"; message: {request.message_key}" if request.message_key else ""
    return f"Offboard: {'; '.join(parts)}. Reason: {request.reason}{message}."


def _run_approved(payload: Mapping[str, Any], approval: approvals.ApprovalView) -> dict[str, Any]:
    request = OffboardingRequest(**{**payload, "room_ids": tuple(payload.get("room_ids") or ())})
    started = begin(actor=approval.requested_by, request=request,
                    submission_id=f"approval-{approval.id}", approval_id=approval.id)
    return {"journey": started.journey.id}


approvals.register(ApprovalKind.OFFBOARDING, _run_approved)


def follow(
    journey_id: int, *, report: Callable[[JourneyView], object] | None = None
) -> JourneyView:
    """Wait (bounded) for the journey to finish; it goes on by itself after the wait."""
    return journey_runner.wait(journey_id, until=finished(), timeout=WAIT_SECONDS,
                               report=report)


def start(
    *,
    actor: str,
    request: OffboardingRequest,
    submission_id: str,
    report: Callable[[JourneyView], object] | None = None,
) -> Started:
    """`begin`, then `follow` (CLI, tests)."""
    started = begin(actor=actor, request=request, submission_id=submission_id)
    return Started(follow(started.journey.id, report=report), started.created)


def _check_authority(actor: str, request: OffboardingRequest) -> None:
    """Deleting an account is for admins; protected accounts are never offboarded here; a
    scoped moderator's rooms are all in their scope."""
    target = request.authentik_username or request.matrix_user_id
    scopes.check(actor=actor, room_ids=request.room_ids, action=AuditAction.OFFBOARDING_START,
                 member=target)
    if request.delete_account and role_of(actor) != Role.ADMIN:
        raise protected.refuse(
            actor=actor, action=AuditAction.OFFBOARDING_START, target=target,
            reason="Only admins may delete an Authentik account; deactivate it instead.",
        )
    if request.matrix_user_id and (why := protected.matrix_reason(request.matrix_user_id)):
        raise protected.refuse(
            actor=actor, action=AuditAction.OFFBOARDING_START, target=target, reason=why
        )
    if request.authentik_username:
        user = connections.authentik().find_user(request.authentik_username)
        if user is not None and (why := protected.authentik_reason(user)):
            raise protected.refuse(
                actor=actor, action=AuditAction.OFFBOARDING_START, target=target, reason=why
            )


def retry(
    *, actor: str, journey_id: int, report: Callable[[JourneyView], object] | None = None
) -> JourneyView:
    if journeys.get(journey_id).kind != KIND:
        raise InputError("Offboarding", f"record {journey_id} is not an offboarding")
    journey_runner.retry(actor=actor, journey_id=journey_id)
    return follow(journey_id, report=report)


def recent(limit: int = 20) -> list[JourneyView]:
    return journeys.recent(KIND, limit=limit)
