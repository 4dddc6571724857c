"""The three offboarding steps; each redoes nothing an earlier run finished.

Each room's outcome (and whether its message was posted) is stored the moment it is known, and
the removal message carries a transaction ID derived from the journey and the room: a run that
starts again after a crash neither kicks twice nor posts twice.
"""

from __future__ import annotations

from app.services import connections, invite_links, journeys, protected, removal
from app.services.journey_runner import (
    RoomResults,
    Step,
    StepOutcome,
    done,
    failed,
    rooms_left,
    rooms_outcome,
    skipped,
)
from app.services.journeys import JourneyView
from app.utils.errors import DashboardError

AUTHENTIK, INVITATIONS, ROOMS = "authentik_account", "invitations", "room_removal"
STEP_NAMES = (AUTHENTIK, INVITATIONS, ROOMS)
TITLES = {
    AUTHENTIK: "Authentik account",
    INVITATIONS: "Open invitations",
    ROOMS: "Room removal",
}


def lanes() -> tuple[tuple[Step, ...], ...]:
    """Authentik (account, then invitations) and Matrix (rooms) run at the same time."""
    return (
        (
            Step(AUTHENTIK, TITLES[AUTHENTIK], _account),
            Step(INVITATIONS, TITLES[INVITATIONS], _invitations),
        ),
        (room_removal_step(),),
    )


def room_removal_step() -> Step:
    """Also the one step of a removal journey (Remove from rooms)."""
    return Step(ROOMS, TITLES[ROOMS], remove_from_rooms)


def _account(journey: JourneyView) -> StepOutcome:
    username = journey.authentik_username
    if not username:
        return skipped("no Authentik account given")
    client = connections.authentik()
    user = client.find_user(username)
    if user is None:
        if journey.step(AUTHENTIK).result.get("deleted"):
            return done(f"{username} was deleted")
        return failed(f"no Authentik user '{username}'")
    journeys.set_member(journey.id, authentik_pk=user.pk)
    if why := protected.authentik_reason(user):  # e.g. made a superuser since the request
        raise protected.ProtectedTarget(why)  # the runner records the step as failed
    if journey.params.get("delete_account"):
        client.delete_user(user.pk)
        return done(f"deleted {username}", pk=user.pk, deleted=True)
    if not user.is_active:
        return done(f"{username} was already deactivated", pk=user.pk)
    client.update_user(user.pk, is_active=False)
    return done(f"deactivated {username}", pk=user.pk, deactivated=True)


def open_invitations_by(username: str) -> list[invite_links.InviteLink]:
    """Invitations `username` made that still work: through the dashboard (recorded in the
    invitation as `invitation.by`), or in Authentik itself (its `created_by`)."""
    return [
        i for i in invite_links.list_links()
        if username in (i.invited_by, i.created_by) and not i.is_expired()
    ]


def _invitations(journey: JourneyView) -> StepOutcome:
    username = journey.authentik_username
    if not username:
        return skipped("no Authentik account given")
    revoked: list[str] = list(journey.step(INVITATIONS).result.get("revoked") or [])
    problems: list[str] = []
    open_ones = open_invitations_by(username)
    for invite in open_ones:
        try:
            invite_links.revoke(actor=journey.actor, pk=invite.pk, name=invite.name)
        except DashboardError as err:
            problems.append(f"{invite.name}: {err}")
        else:
            revoked.append(invite.pk)
    if problems:
        return failed(
            f"{len(problems)} invitation(s) not revoked: {'; '.join(problems[:3])}",
            partial=bool(revoked),
            revoked=revoked,
        )
    return done(f"revoked {len(open_ones)} open invitation(s)", revoked=revoked)


def remove_from_rooms(journey: JourneyView) -> StepOutcome:
    user = journey.matrix_user_id
    if not user:
        return skipped("no Matrix account given")
    params = journey.params
    chosen = list(params.get("room_ids") or ())
    if not chosen:
        return done("not in any room the bot shares with them")
    rooms: RoomResults = dict(journey.step(ROOMS).result.get("rooms") or {})
    todo = rooms_left(chosen, rooms)
    sent = (removal.MESSAGE_SENT, removal.MESSAGE_SENT_BEFORE)
    messaged = [room for room, r in rooms.items() if r.get("message") in sent]

    def checkpoint(room_id: str, entry: dict[str, object]) -> None:
        rooms[room_id] = {**rooms.get(room_id, {}), **entry}
        journeys.touch_room(journey.id, ROOMS, room_id, entry)

    removal.remove_from_rooms(
        actor=journey.actor,
        user_id=user,
        room_ids=todo,
        action=params["action"],
        reason=params["reason"],
        message_key=params.get("message_key") or None,
        custom_message=params.get("custom_message", ""),
        display_name=params.get("display_name", ""),
        skip_message_in=messaged,
        checkpoint=checkpoint,
        txn_scope=journey.workflow_id,
    )
    verb = "kicked from" if params["action"] == "kick" else "banned from"
    return rooms_outcome(chosen, rooms, done_text=f"{verb} {len(chosen)} room(s)")
