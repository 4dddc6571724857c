"""Undo a bulk action, from its record: a journey (removal, offboarding, room invites) or a
batch of Authentik users (the `authentik.users.bulk` audit row).

The preview reads the record and says, item by item, what the undo will do: unban where the
member was banned, invite back where they were kicked (a kick cannot be reversed into a join),
rescind invites still pending, reactivate an account offboarding deactivated, and for a batch
of users the opposite of what was done to each, from their state before (a user who was already
inactive stays inactive; one already in the group stays in it). What was not done, and what
cannot be undone (a deleted account, revoked invitations), is said and left alone.

The undo is itself a journey (kind `undo`) on the durable engine, with one result per item,
audited with the record it undoes; its submission is the record's, so each record is undone
once however often the button is pressed, on any replica.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from app.auth.account_rules import role_of
from app.db import audit_log
from app.db.engine import session_scope
from app.db.models import AuditEvent
from app.services import connections, journey_runner, journeys
from app.services.journey_runner import (
    Plan,
    RoomResults,
    Started,
    Step,
    StepOutcome,
    done,
    failed,
    skipped,
)
from app.services.journeys import JourneyView
from app.services.offboarding_steps import AUTHENTIK as OFFBOARD_ACCOUNT
from app.services.offboarding_steps import INVITATIONS as OFFBOARD_INVITATIONS
from app.services.offboarding_steps import ROOMS as REMOVAL_ROOMS
from app.services.removal import room_names
from app.services.room_journeys import INVITE_STEP
from app.services.rooms import rooms_by_id
from app.utils.authentik import AuthentikClient, AuthentikError
from app.utils.enums import AuditAction, JourneyKind, Role
from app.utils.errors import DashboardError, InputError, PermissionDenied
from app.utils.matrix import MatrixClient, Membership, RoomOutcome, Status

ROOMS, ACCOUNTS = "rooms", "accounts"
TITLES = {ROOMS: "Rooms", ACCOUNTS: "Authentik accounts"}
UNBAN, INVITE, RESCIND = "unban", "invite", "rescind"
ACTIVATE, DEACTIVATE = "activate", "deactivate"
ADD_GROUP, REMOVE_GROUP = "add_group", "remove_group"
WORDS = {
    UNBAN: "unban",
    INVITE: "invite back (a kick cannot be undone into a join)",
    RESCIND: "rescind the invite, if still pending",
    ACTIVATE: "reactivate the account",
    DEACTIVATE: "deactivate the account",
    ADD_GROUP: "add back to the group",
    REMOVE_GROUP: "remove from the group",
}
JOURNEY, BATCH = "journey", "batch"
UNDOABLE = (JourneyKind.REMOVAL, JourneyKind.OFFBOARDING, JourneyKind.ROOM_INVITES)


@dataclass(frozen=True)
class UndoItem:
    key: str  # a room ID, or "user:<pk>"
    label: str
    do: str  # one of WORDS, or "" when nothing will be done
    why_not: str = ""  # why nothing will be done here
    group_pk: str = ""
    group_name: str = ""

    @property
    def what(self) -> str:
        return WORDS[self.do] if self.do else f"nothing: {self.why_not}"


@dataclass(frozen=True)
class UndoPreview:
    source: str  # JOURNEY or BATCH
    source_id: int
    title: str  # what the record was, e.g. "Removal #12 (ban) of @x:y"
    matrix_user_id: str
    items: tuple[UndoItem, ...]
    undone_by: JourneyView | None = None  # the undo already started for this record

    @property
    def ref(self) -> str:
        return f"{self.source} #{self.source_id}"

    @property
    def todo(self) -> tuple[UndoItem, ...]:
        return tuple(i for i in self.items if i.do)


def _submission(source: str, source_id: int) -> str:
    return f"{source}-{source_id}"


def undone_by(source: str, source_id: int) -> JourneyView | None:
    """The undo journey of this record, if one was started."""
    return journeys.by_workflow_id(f"{JourneyKind.UNDO}-{_submission(source, source_id)}")


# -- previews ---------------------------------------------------------------------------------


def preview_journey(journey_id: int) -> UndoPreview:
    """What undoing this journey would do, item by item (nothing is changed)."""
    try:
        journey = journeys.get(journey_id)
    except LookupError:
        raise InputError("Journey", f"there is no journey #{journey_id}") from None
    if journey.kind not in UNDOABLE:
        raise InputError("Journey", f"a {journey.kind} journey cannot be undone here")
    if journey.active:
        raise InputError("Journey", f"#{journey_id} is still running: undo it once it ended")
    items: list[UndoItem] = []
    if journey.kind == JourneyKind.OFFBOARDING:
        items += _account_items(journey)
    step = INVITE_STEP if journey.kind == JourneyKind.ROOM_INVITES else REMOVAL_ROOMS
    items += _room_items(journey, step)
    action = journey.params.get("action", "")
    title = f"{journey.kind.replace('_', ' ').capitalize()} #{journey.id}"
    title += f" ({action})" if action else ""
    return UndoPreview(JOURNEY, journey.id, f"{title} of {journey.member}",
                       journey.matrix_user_id, tuple(items), undone_by(JOURNEY, journey.id))


def _room_items(journey: JourneyView, step: str) -> list[UndoItem]:
    rooms: RoomResults = dict(journey.step(step).result.get("rooms") or {})
    names = _room_names(list(journey.params.get("room_ids") or ()))
    invited = journey.kind == JourneyKind.ROOM_INVITES
    do = RESCIND if invited else UNBAN if journey.params.get("action") == "ban" else INVITE
    items = []
    for room in journey.params.get("room_ids") or ():
        entry = rooms.get(room) or {}
        label = names.get(room, room)
        if entry.get("status") == Status.DONE:
            items.append(UndoItem(room, label, do))
        else:
            status = entry.get("status") or "not done"
            items.append(UndoItem(room, label, "", f"nothing was done there ({status})"))
    return items


def _room_names(room_ids: list[str]) -> dict[str, str]:
    """From the room catalog, else read live; an unreadable one goes by its ID."""
    try:
        return room_names(connections.matrix(), room_ids)
    except DashboardError:
        return {room_id: view.label for room_id, view in rooms_by_id(room_ids).items()}


def _account_items(journey: JourneyView) -> list[UndoItem]:
    result = journey.step(OFFBOARD_ACCOUNT).result
    username = journey.authentik_username
    items = []
    if result.get("deactivated") and result.get("pk"):
        items.append(UndoItem(f"user:{result['pk']}", username, ACTIVATE))
    elif result.get("deleted"):
        items.append(UndoItem(f"user:{result.get('pk')}", username, "",
                              "the account was deleted: that cannot be undone"))
    elif username:
        items.append(UndoItem(f"user:{username}", username, "",
                              "the account was not deactivated by this journey"))
    if journey.step(OFFBOARD_INVITATIONS).result.get("revoked"):
        items.append(UndoItem("invitations", "Revoked invitations", "",
                              "revoked invitations cannot be restored: make new ones"))
    return items


def preview_batch(audit_id: int) -> UndoPreview:
    """What undoing a bulk action on Authentik users would do, user by user."""
    with session_scope() as db:
        row = db.get(AuditEvent, audit_id)
        if row is None or row.action != AuditAction.USER_BULK:
            raise InputError("Batch", f"audit event #{audit_id} is not a bulk action on users")
        details = dict(row.details or {})
    action = str(details.get("bulk_action", ""))
    group = details.get("group") or {}
    items = [_user_item(action, dict(entry), group) for entry in details.get("users") or ()]
    return UndoPreview(BATCH, audit_id, f"{action.replace('_', ' ').capitalize()} of "
                                        f"{len(items)} Authentik user(s) (audit #{audit_id})",
                       "", tuple(items), undone_by(BATCH, audit_id))


def _user_item(action: str, entry: dict[str, Any], group: Mapping[str, Any]) -> UndoItem:
    key, name = f"user:{entry.get('pk')}", str(entry.get("username", ""))
    group_pk, group_name = str(group.get("pk", "")), str(group.get("name", ""))
    if not entry.get("ok"):
        return UndoItem(key, name, "", "the action did not happen for this user")
    if action in ("delete", "reset"):
        why = ("a deleted account cannot be restored" if action == "delete"
               else "a recovery link changes nothing to undo")
        return UndoItem(key, name, "", why)
    opposite = {"activate": (DEACTIVATE, "active", False), "deactivate": (ACTIVATE, "active", True),
                "add_group": (REMOVE_GROUP, "in_group", False),
                "remove_group": (ADD_GROUP, "in_group", True)}
    if action not in opposite:
        return UndoItem(key, name, "", f"'{action}' cannot be undone")
    do, field, undo_when = opposite[action]
    if field not in entry:
        return UndoItem(key, name, "", "the state before was not recorded")
    if bool(entry[field]) != undo_when:  # it was already so: leave it as it was
        return UndoItem(key, name, "", "it was already so before the batch")
    return UndoItem(key, name, do, group_pk=group_pk, group_name=group_name)


def preview(source: str, source_id: int) -> UndoPreview:
    if source == JOURNEY:
        return preview_journey(source_id)
    if source == BATCH:
        return preview_batch(source_id)
    raise InputError("Undo", f"nothing to undo in a {source}")


# -- the undo journey -------------------------------------------------------------------------


def begin(*, actor: str, source: str, source_id: int) -> Started:
    """Undo the record (once): its preview, read now, becomes the undo journey's items.
    Admins only."""
    if role_of(actor) != Role.ADMIN:
        raise PermissionDenied("Only an admin may undo a bulk action.")
    plan = preview(source, source_id)
    if plan.undone_by is not None:
        return Started(plan.undone_by, False)
    if not plan.todo:
        raise InputError("Undo", f"nothing to undo in {plan.ref}")
    rooms = [i for i in plan.todo if i.do in (UNBAN, INVITE, RESCIND)]
    accounts = [i for i in plan.todo if i not in rooms]
    started = journey_runner.start(
        kind=JourneyKind.UNDO, submission_id=_submission(source, source_id), actor=actor,
        dedupe_key=None, member_name=plan.title, matrix_user_id=plan.matrix_user_id,
        params={"undoes": plan.ref, "title": plan.title,
                "rooms": [{"room": i.key, "do": i.do} for i in rooms],
                "accounts": [{"pk": int(i.key.removeprefix("user:")), "username": i.label,
                              "do": i.do, "group_pk": i.group_pk, "group_name": i.group_name}
                             for i in accounts]},
    )
    if started.created:
        audit_log.record(actor=actor, action=AuditAction.UNDO_START,
                         target=f"undo #{started.journey.id}", member=plan.matrix_user_id,
                         details={"undoes": plan.ref, "items": len(plan.todo)})
    return started


def _undo_rooms(journey: JourneyView) -> StepOutcome:
    wanted = list(journey.params.get("rooms") or ())
    if not wanted:
        return skipped("no room to undo")
    user = journey.matrix_user_id
    results: RoomResults = dict(journey.step(ROOMS).result.get("rooms") or {})
    todo = [w for w in wanted if not results.get(w["room"], {}).get("ok")]
    client = connections.matrix()

    def checkpoint(outcome: RoomOutcome, word: str = "") -> None:
        entry = {"status": str(outcome.status), "reason": word or outcome.reason,
                 "ok": outcome.ok or outcome.status is Status.ALREADY}
        results[outcome.room_id] = entry
        journeys.touch_room(journey.id, ROOMS, outcome.room_id, entry)

    by_do = {do: [w["room"] for w in todo if w["do"] == do] for do in (UNBAN, INVITE, RESCIND)}
    if by_do[UNBAN]:
        client.unban_many(user_id=user, rooms=by_do[UNBAN], on_outcome=checkpoint)
    if by_do[INVITE]:
        client.invite_many(user_id=user, rooms=by_do[INVITE], on_outcome=checkpoint)
    if by_do[RESCIND]:
        _rescind(client, user, by_do[RESCIND], checkpoint)
    return _items_outcome(results, [w["room"] for w in wanted], "room(s)")


def _rescind(client: MatrixClient, user: str, rooms: list[str],
             checkpoint: Callable[..., None]) -> None:
    """Kick where the invite is still pending; where they joined (or left), leave it be."""
    pending = []
    for lookup in client.memberships(user_id=user, rooms=rooms):
        if not lookup.ok:
            checkpoint(RoomOutcome(lookup.room_id, lookup.status, lookup.reason))
        elif lookup.value is Membership.INVITE:
            pending.append(lookup.room_id)
        else:
            checkpoint(RoomOutcome(lookup.room_id, Status.ALREADY, ""),
                       f"left as it is: their membership is now {lookup.value or 'none'}")
    if pending:
        client.kick_many(user_id=user, rooms=pending, reason="invite rescinded (undo)",
                         on_outcome=checkpoint)


def _undo_accounts(journey: JourneyView) -> StepOutcome:
    wanted = list(journey.params.get("accounts") or ())
    if not wanted:
        return skipped("no account to undo")
    results: RoomResults = dict(journey.step(ACCOUNTS).result.get("rooms") or {})
    client = connections.authentik()
    for item in wanted:
        key = f"user:{item['pk']}"
        if results.get(key, {}).get("ok"):
            continue
        try:
            _account(client, item)
            entry = {"status": "done", "reason": WORDS[item["do"]], "ok": True}
        except AuthentikError as err:
            entry = {"status": "failed", "reason": str(err), "ok": False}
        results[key] = entry
        journeys.touch_room(journey.id, ACCOUNTS, key, entry)
    return _items_outcome(results, [f"user:{i['pk']}" for i in wanted], "account(s)")


def _account(client: AuthentikClient, item: Mapping[str, Any]) -> None:
    pk, do = int(item["pk"]), item["do"]
    if do in (ACTIVATE, DEACTIVATE):
        client.update_user(pk, is_active=do == ACTIVATE)
    elif do == ADD_GROUP:
        client.add_user_to_group(item["group_pk"], pk)
    elif do == REMOVE_GROUP:
        client.remove_user_from_group(item["group_pk"], pk)


def _items_outcome(results: RoomResults, keys: list[str], noun: str) -> StepOutcome:
    bad = [k for k in keys if not results.get(k, {}).get("ok")]
    if not bad:
        return done(f"undone in {len(keys)} {noun}", rooms=results)
    first = "; ".join(f"{k}: {results.get(k, {}).get('reason', 'not done')}" for k in bad[:3])
    return failed(f"{len(bad)} of {len(keys)} {noun} not undone: {first}",
                  partial=len(bad) < len(keys), rooms=results)


PLAN = journey_runner.register(
    Plan(kind=JourneyKind.UNDO, steps=(ROOMS, ACCOUNTS), titles=TITLES,
         lanes=((Step(ROOMS, TITLES[ROOMS], _undo_rooms),),
                (Step(ACCOUNTS, TITLES[ACCOUNTS], _undo_accounts),)))
)


def follow(journey_id: int, *, report: Callable[[JourneyView], object] | None = None,
           timeout: float = 60.0) -> JourneyView:
    """Wait (bounded) for the undo; it goes on by itself after the wait."""
    return journey_runner.wait(journey_id, until=journey_runner.finished(), timeout=timeout,
                               report=report)

