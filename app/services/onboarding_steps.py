"""The five onboarding steps. Each reads what earlier attempts stored and does only the rest."""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import partial

from app.services import connections, journeys, room_invites, templates, users
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
from app.services.messaging import compose
from app.services.removal import PRESENT
from app.services.users import CreatedUser, Credential, CredentialNotSet
from app.utils.config import get_settings
from app.utils.enums import StepStatus

AUTHENTIK, MATRIX, ROOMS, GRADUATION, WELCOME = (
    "authentik_account",
    "matrix_account",
    "room_invites",
    "graduation",
    "welcome_dm",
)
STEP_NAMES = (AUTHENTIK, MATRIX, ROOMS, GRADUATION, WELCOME)
TITLES = {
    AUTHENTIK: "Authentik account",
    MATRIX: "Matrix account",
    ROOMS: "Room invites",
    GRADUATION: "Welcome-room graduation",
    WELCOME: "Welcome message",
}
GRADUATION_REASON = "Onboarding complete: graduated from the welcome room"


@dataclass
class SecretBox:
    """The one-time credential, handed to the admin's screen and never stored."""

    password: str | None = None
    recovery_link: str | None = None


def lanes(actor: str, box: SecretBox) -> list[list[Step]]:
    """Authentik and Matrix do not depend on each other: two lanes, run at the same time."""
    return [
        [Step(AUTHENTIK, TITLES[AUTHENTIK], partial(_authentik, actor=actor, box=box))],
        [
            Step(MATRIX, TITLES[MATRIX], _matrix),
            Step(ROOMS, TITLES[ROOMS], partial(_rooms, actor=actor)),
            # Graduation depends on the Matrix account only, never on the room invites.
            Step(GRADUATION, TITLES[GRADUATION], _graduation),
        ],
    ]


def welcome_step() -> Step:
    return Step(WELCOME, TITLES[WELCOME], _welcome)


def _authentik(journey: JourneyView, *, actor: str, box: SecretBox) -> StepOutcome:
    params, client = journey.params, connections.authentik()
    if params.get("existing_user_pk") is not None:
        user = client.get_user(int(params["existing_user_pk"]))
        journeys.set_member(journey.id, authentik_username=user.username, authentik_pk=user.pk)
        return done(
            f"linked the existing account {user.username}",
            pk=user.pk,
            username=user.username,
            linked=True,
        )
    method = Credential(params["credential"])
    earlier = journey.step(AUTHENTIK).result
    if earlier.get("pk") is None:
        try:
            created = users.create_user(
                actor=actor,
                first_name=params["first_name"],
                last_name=params["last_name"],
                username=params["username"],
                email=params["email"] or None,
                groups=params["groups"],
                invited_by=params["invited_by"],
                interests=_interests(params["interests"]),
                intro=params["intro"],
                organisation=params["organisation"],
                credential=method,
            )
        except CredentialNotSet as err:  # the account exists: keep its pk so a retry reuses it
            journeys.set_member(
                journey.id, authentik_username=err.user.username, authentik_pk=err.user.pk
            )
            return failed(
                str(err), pk=err.user.pk, username=err.user.username, credential_set=False
            )
    else:  # created by an earlier attempt whose credential step failed
        created = users.set_credential(
            actor=actor,
            user=CreatedUser(
                pk=int(earlier["pk"]),
                username=earlier["username"],
                name=journey.member_name,
                email=None,
                groups=(),
                credential=method,
            ),
        )
    journeys.set_member(journey.id, authentik_username=created.username, authentik_pk=created.pk)
    box.password, box.recovery_link = created.password, created.recovery_link
    given = "a password" if method is Credential.PASSWORD else "a recovery link"
    return done(
        f"created {created.username} with {given}",
        pk=created.pk,
        username=created.username,
        credential=method.value,
        credential_set=True,
    )


def _interests(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


def _matrix(journey: JourneyView) -> StepOutcome:
    user = journey.matrix_user_id
    if not user:
        return skipped("no Matrix account linked")
    if not connections.matrix().user_exists(user):
        return failed(f"there is no account {user} on the homeserver")
    return done(f"linked {user}", user_id=user)


def _needs_matrix(journey: JourneyView) -> StepOutcome | None:
    """The Matrix steps wait for the linked account: skipped without one, failed until then."""
    status = journeys.get(journey.id).step(MATRIX).status
    if status == StepStatus.SKIPPED:
        return skipped("no Matrix account linked")
    if status != StepStatus.DONE:
        return failed("the Matrix account step has not succeeded yet")
    return None


def _rooms(journey: JourneyView, *, actor: str) -> StepOutcome:
    if gate := _needs_matrix(journey):
        return gate
    chosen = list(journey.params.get("room_ids") or ())
    if not chosen:
        return skipped("no rooms chosen")
    rooms: RoomResults = dict(journey.step(ROOMS).result.get("rooms") or {})
    outcomes = room_invites.invite_to_rooms(
        actor=actor, user_id=journey.matrix_user_id, room_ids=rooms_left(chosen, rooms)
    )
    for o in outcomes:
        rooms[o.room_id] = {"status": str(o.status), "reason": o.reason, "ok": o.ok}
    return rooms_outcome(chosen, rooms, done_text=f"invited to {len(chosen)} room(s)")


def _values(journey: JourneyView) -> dict[str, str]:
    return {
        "name": journey.member_name or journey.authentik_username or journey.matrix_user_id,
        "username": journey.authentik_username,
        "matrix_id": journey.matrix_user_id,
    }


def _graduation_gate(journey: JourneyView) -> StepOutcome | None:
    """Why graduation does not run for this journey, if it does not."""
    if gate := _needs_matrix(journey):
        return gate
    settings = get_settings()
    if journey.params.get("skip_graduation"):
        return skipped("skipped for this onboarding")
    if not settings.auto_remove_from_indoc:
        return skipped("AUTO_REMOVE_FROM_INDOC is off")
    if not settings.matrix_welcome_room_id:
        return skipped("MATRIX_WELCOME_ROOM_ID is not set")
    return None


def _graduation(journey: JourneyView) -> StepOutcome:
    if gate := _graduation_gate(journey):
        return gate
    room = str(get_settings().matrix_welcome_room_id)
    client, user = connections.matrix(), journey.matrix_user_id
    if "message_event" not in journey.step(GRADUATION).result:
        membership = client.membership(room_id=room, user_id=user)
        if membership not in PRESENT:
            return done(f"not in the welcome room ({membership}): nothing to do", room_id=room)
        rendered = templates.render("graduation", _values(journey))
        message = compose(rendered.text, rendered.html, rendered.mentions)
        sent = client.send_message(
            room, message.text, html_body=message.html, mentions=list(message.mentions)
        )
        journeys.touch(journey.id, GRADUATION, result={"message_event": sent.event_id})
    removal = client.kick(room_id=room, user_id=user, reason=GRADUATION_REASON)
    if not removal.ok:
        return failed(
            f"message posted, but the removal failed: {removal.status}: {removal.reason}",
            room_id=room,
        )
    return done(
        "posted the graduation message and removed them from the welcome room",
        room_id=room,
        removed=True,
    )


def _welcome(journey: JourneyView) -> StepOutcome:
    if gate := _needs_matrix(journey):
        return gate
    client, user, values = connections.matrix(), journey.matrix_user_id, _values(journey)
    if "hello_event" not in journey.step(WELCOME).result:
        hello = templates.render("welcome_hello", values)
        sent = client.send_dm(user, hello.text, html_body=hello.html)
        journeys.touch(
            journey.id, WELCOME, result={"hello_event": sent.event_id, "room_id": sent.room_id}
        )
        # A new DM's first message can arrive before its encryption is set up on the member's
        # side: the short hello goes first, the real welcome a few seconds later.
        time.sleep(get_settings().welcome_dm_delay_seconds)
    welcome = templates.render("welcome_dm", values)
    sent = client.send_dm(user, welcome.text, html_body=welcome.html)
    return done(
        f"welcome message sent in {sent.room_id}", welcome_event=sent.event_id, room_id=sent.room_id
    )
