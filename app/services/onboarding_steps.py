"""The onboarding steps. Each reads what earlier runs stored and does only the rest.

On the engine: the Authentik account (find-or-create), then, at the same time, the Matrix
account, its room invites and graduation from the welcome room; the welcome DM follows on the
background queue (a hello, then the welcome text after WELCOME_DM_DELAY_SECONDS, as a delayed
job, so a restart during the pause loses nothing). The credential (a generated password or a
recovery link) is NOT an engine step: it is made in the admin's own request and shown only
there, so no secret is ever written to the engine's tables (app.services.onboarding).

Member-visible messages carry transaction IDs derived from the journey and the message, so a
step that runs again after a crash cannot post twice.
"""

from __future__ import annotations

from dbos import DBOS, SetEnqueueOptions

from app.services import connections, engine, journeys, room_invites, templates, users
from app.services.journey_runner import (
    RoomResults,
    Step,
    StepOutcome,
    attempt,
    done,
    execute,
    failed,
    rooms_left,
    rooms_outcome,
    settle,
    skipped,
)
from app.services.journeys import JourneyView
from app.services.messaging import compose
from app.services.removal import PRESENT
from app.utils.authentik import User
from app.utils.config import get_settings
from app.utils.enums import StepStatus
from app.utils.matrix import txn_id

AUTHENTIK, CREDENTIAL, MATRIX, ROOMS, GRADUATION, WELCOME = (
    "authentik_account",
    "credential",
    "matrix_account",
    "room_invites",
    "graduation",
    "welcome_dm",
)
STEP_NAMES = (AUTHENTIK, CREDENTIAL, MATRIX, ROOMS, GRADUATION, WELCOME)
TITLES = {
    AUTHENTIK: "Authentik account",
    CREDENTIAL: "Password or recovery link",
    MATRIX: "Matrix account",
    ROOMS: "Room invites",
    GRADUATION: "Welcome-room graduation",
    WELCOME: "Welcome message",
}
GRADUATION_REASON = "Onboarding complete: graduated from the welcome room"
# Written on accounts the dashboard creates, so a run interrupted between Authentik's answer
# and the checkpoint recognises its own account instead of calling the username taken.
JOURNEY_ATTRIBUTE = "dashboard_journey"


def lanes() -> tuple[tuple[Step, ...], ...]:
    """Authentik and Matrix do not depend on each other: two lanes, run at the same time."""
    return (
        (Step(AUTHENTIK, TITLES[AUTHENTIK], _authentik),),
        (
            Step(MATRIX, TITLES[MATRIX], _matrix),
            Step(ROOMS, TITLES[ROOMS], _rooms),
            # Graduation depends on the Matrix account only, never on the room invites.
            Step(GRADUATION, TITLES[GRADUATION], _graduation),
        ),
    )


# -- Authentik ---------------------------------------------------------------------------------


def _authentik(journey: JourneyView) -> StepOutcome:
    params = journey.params
    client = connections.authentik()
    if params.get("existing_user_pk") is not None:
        user = client.get_user(int(params["existing_user_pk"]))
        journeys.set_member(journey.id, authentik_username=user.username, authentik_pk=user.pk)
        journeys.finish(journey.id, CREDENTIAL, status=StepStatus.SKIPPED,
                        reason="linked an existing account: it has its own credential")
        return done(f"linked the existing account {user.username}", pk=user.pk,
                    username=user.username, linked=True)
    earlier = journey.step(AUTHENTIK).result
    if earlier.get("pk") is not None:  # created by an earlier run
        return done(f"created {earlier['username']}", **earlier)
    mine = _created_by_this_journey(params["username"], journey.workflow_id)
    if mine is None:
        mine = users.create_account(
            actor=journey.actor,
            first_name=params["first_name"],
            last_name=params["last_name"],
            username=params["username"],
            email=params["email"] or None,
            groups=params["groups"],
            invited_by=params["invited_by"],
            interests=_interests(params["interests"]),
            intro=params["intro"],
            organisation=params["organisation"],
            marker={JOURNEY_ATTRIBUTE: journey.workflow_id},
        )
    journeys.set_member(journey.id, authentik_username=mine.username, authentik_pk=mine.pk)
    return done(f"created {mine.username}", pk=mine.pk, username=mine.username, created=True)


def _created_by_this_journey(username: str, journey_key: str) -> User | None:
    """The account an interrupted run created (Authentik answered 201, then the process died
    before the checkpoint): find it by username and this journey's mark. Another account
    under that name is not ours: creating fails with Authentik's own "unique" message."""
    found = connections.authentik().find_user(username)
    if found is not None and found.attributes.get(JOURNEY_ATTRIBUTE) == journey_key:
        return found
    return None


def _interests(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


# -- Matrix ------------------------------------------------------------------------------------


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


def _rooms(journey: JourneyView) -> StepOutcome:
    if gate := _needs_matrix(journey):
        return gate
    chosen = list(journey.params.get("room_ids") or ())
    if not chosen:
        return skipped("no rooms chosen")
    rooms: RoomResults = dict(journey.step(ROOMS).result.get("rooms") or {})

    def checkpoint(room_id: str, entry: dict[str, object]) -> None:
        rooms[room_id] = dict(entry)
        journeys.touch_room(journey.id, ROOMS, room_id, entry)

    room_invites.invite_to_rooms(
        actor=journey.actor, user_id=journey.matrix_user_id,
        room_ids=rooms_left(chosen, rooms), account_checked=True, checkpoint=checkpoint,
    )
    return rooms_outcome(chosen, rooms, done_text=f"invited to {len(chosen)} room(s)")


def values_for(journey: JourneyView) -> dict[str, str]:
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
        rendered = templates.render("graduation", values_for(journey))
        message = compose(rendered.text, rendered.html, rendered.mentions)
        sent = client.send_message(
            room, message.text, html_body=message.html, mentions=list(message.mentions),
            txn_id=txn_id(journey.workflow_id, GRADUATION, room),
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


# -- the welcome DM: a hello now, the welcome text after a durable pause ------------------------


def follow_up(journey_id: int) -> None:
    """After the lanes (inside the journey's workflow): hand the welcome DM to the background
    queue when the Matrix account is linked and the DM is not done yet."""
    if _welcome_due(journey_id):
        DBOS.enqueue_workflow(engine.BACKGROUND_QUEUE, welcome_hello, journey_id)


@DBOS.step(name="onboarding.welcome_due")
def _welcome_due(journey_id: int) -> bool:
    journey = journeys.get(journey_id)
    welcome, matrix = journey.step(WELCOME), journey.step(MATRIX)
    if welcome.finished:
        return False
    if matrix.status == StepStatus.SKIPPED:
        execute(journey, WELCOME, lambda _: skipped("no Matrix account linked"))
        return False
    if matrix.status != StepStatus.DONE:
        execute(journey, WELCOME, lambda _: failed("the Matrix account step has not succeeded"))
        return False
    journeys.begin_step(journey_id, WELCOME)
    return True


@DBOS.workflow(name="onboarding.welcome_hello")
def welcome_hello(journey_id: int) -> None:
    if _send_hello(journey_id):
        delay = get_settings().welcome_dm_delay_seconds
        with SetEnqueueOptions(delay_seconds=delay):
            DBOS.enqueue_workflow(engine.BACKGROUND_QUEUE, welcome_text, journey_id)


@DBOS.step(name="onboarding.welcome_hello")
def _send_hello(journey_id: int) -> bool:
    """The short hello that opens the DM; True when the welcome text should follow."""
    journey = journeys.get(journey_id)
    if "hello_event" in journey.step(WELCOME).result:
        return True
    hello = templates.render("welcome_hello", values_for(journey))
    sent = attempt(journey, WELCOME, lambda: connections.matrix().send_dm(
        journey.matrix_user_id, hello.text, html_body=hello.html,
        txn_id=txn_id(journey.workflow_id, WELCOME, "hello"),
        account_checked=True,  # the Matrix account step found it (the DM runs only then)
    ))
    if sent is None:  # recorded as failed; retry starts over with the hello
        settle(journey_id)
        return False
    delay = get_settings().welcome_dm_delay_seconds
    journeys.touch(journey_id, WELCOME, result={"hello_event": sent.event_id,
                                                "room_id": sent.room_id},
                   reason=f"hello sent; the welcome text follows in {delay:g} s")
    return True


@DBOS.workflow(name="onboarding.welcome_text")
def welcome_text(journey_id: int) -> None:
    _send_text(journey_id)


@DBOS.step(name="onboarding.welcome_text")
def _send_text(journey_id: int) -> None:
    journey = journeys.get(journey_id)
    if journey.step(WELCOME).finished:
        return

    def text(j: JourneyView) -> StepOutcome:
        welcome = templates.render("welcome_dm", values_for(j))
        sent = connections.matrix().send_dm(
            j.matrix_user_id, welcome.text, html_body=welcome.html,
            txn_id=txn_id(j.workflow_id, WELCOME, "text"), account_checked=True,
        )
        return done(f"welcome message sent in {sent.room_id}", welcome_event=sent.event_id,
                    room_id=sent.room_id)

    execute(journey, WELCOME, text)
    settle(journey_id)
