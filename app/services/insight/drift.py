"""Where Authentik and Matrix disagree: five lists, each with what to do about its rows.

Read from one snapshot (Authentik's accounts and open invitations, the room directory as of the
last sync, the Matrix IDs journeys linked to usernames). A list whose sources could not be read
says so (`unavailable`) instead of listing everyone.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from app.services.audit import safe_cell
from app.services.insight.snapshot import Snapshot
from app.services.users.intended_groups import from_fixed_data


class Action(StrEnum):
    """What a row offers (pages opened with the member filled in)."""

    CASE_FILE = "case_file"
    ONBOARD = "onboard"  # link an existing account to a Matrix ID
    OFFBOARD = "offboard"
    REMOVE = "remove"  # from rooms
    INVITE_TO_ROOMS = "invite_to_rooms"
    INVITE_LINKS = "invite_links"  # revoke, or make a new one


@dataclass(frozen=True)
class DriftRow:
    username: str = ""
    name: str = ""
    matrix_user_id: str = ""
    invitation: str = ""
    detail: str = ""


@dataclass(frozen=True)
class DriftList:
    key: str
    title: str
    explanation: str
    actions: tuple[Action, ...]
    rows: tuple[DriftRow, ...] = ()
    unavailable: str = ""  # why the list cannot be made now ("" when it could)


CSV_COLUMNS = ("username", "name", "matrix_user_id", "invitation", "detail")


def _rooms_text(snapshot: Snapshot, rooms: Iterable[str]) -> str:
    return ", ".join(sorted(snapshot.room_names.get(r, r) for r in rooms))


def _why_not(snapshot: Snapshot, *, rooms: bool = False) -> str:
    if not snapshot.accounts_read:
        return "; ".join(p for p in snapshot.problems if p.startswith("Authentik")) or (
            "Authentik was not read")
    if snapshot.accounts_since is not None:
        return f"only the accounts that joined since {snapshot.accounts_since:%Y-%m-%d} were read"
    if rooms and snapshot.rooms_synced_at is None:
        return "The rooms were never synced: sync them on the Rooms page first"
    return ""


def without_matrix(snapshot: Snapshot) -> DriftList:
    rows = tuple(DriftRow(u.username, u.name, detail="active account, no Matrix ID linked")
                 for u in snapshot.users if u.is_active and u.username not in snapshot.links)
    return DriftList(
        "without_matrix", "Authentik accounts without a linked Matrix ID",
        "Active accounts no journey linked to a Matrix ID: onboard them with their Matrix "
        "account, or look at their case file.",
        (Action.ONBOARD, Action.CASE_FILE), rows, _why_not(snapshot))


def matrix_without_account(snapshot: Snapshot) -> DriftList:
    accounts = {u.username for u in snapshot.users}
    known = {m for username, m in snapshot.links.items() if username in accounts}
    everyone = snapshot.members_in_rooms()
    rows = tuple(DriftRow(matrix_user_id=m, detail=f"in {_rooms_text(snapshot, rooms)}")
                 for m, rooms in sorted(everyone.items())
                 if m not in known and m != snapshot.bot)
    return DriftList(
        "matrix_without_account", "Matrix members of the rooms with no Authentik account",
        "Joined in the community's rooms (as of the last sync) but linked to no Authentik "
        "account: onboard them, or remove them from the rooms.",
        (Action.CASE_FILE, Action.REMOVE, Action.ONBOARD), rows,
        _why_not(snapshot, rooms=True))


def deactivated_in_rooms(snapshot: Snapshot) -> DriftList:
    rows = []
    for user in snapshot.users:
        matrix = snapshot.links.get(user.username, "")
        if not user.is_active and matrix and (rooms := snapshot.rooms_of(matrix)):
            rows.append(DriftRow(user.username, user.name, matrix, detail=(
                f"deactivated, still in {_rooms_text(snapshot, rooms)}")))
    return DriftList(
        "deactivated_in_rooms", "Deactivated Authentik accounts still in rooms",
        "Their account is off but their Matrix ID is still joined: offboard them, or remove "
        "them from the rooms.",
        (Action.OFFBOARD, Action.REMOVE, Action.CASE_FILE), tuple(rows),
        _why_not(snapshot, rooms=True))


def in_no_room(snapshot: Snapshot) -> DriftList:
    rows = []
    for user in snapshot.users:
        matrix = snapshot.links.get(user.username, "")
        if user.is_active and matrix and not snapshot.rooms_of(matrix) - {snapshot.welcome_room}:
            where = "only in the welcome room" if snapshot.rooms_of(matrix) else "in no room"
            rows.append(DriftRow(user.username, user.name, matrix, detail=where))
    return DriftList(
        "in_no_room", "Members in no room",
        "Active accounts with a linked Matrix ID that is in none of the community's rooms "
        "(the welcome room aside): invite them to rooms.",
        (Action.INVITE_TO_ROOMS, Action.CASE_FILE), tuple(rows),
        _why_not(snapshot, rooms=True))


def expired_unused(snapshot: Snapshot) -> DriftList:
    rows = []
    for invitation in snapshot.open_invitations:
        if invitation.expires is not None and invitation.expires <= snapshot.taken_at:
            fixed = dict(invitation.fixed_data)
            by = from_fixed_data(fixed).by or invitation.created_by or ""
            email = fixed.get("email") if isinstance(fixed.get("email"), str) else ""
            rows.append(DriftRow(invitation=invitation.name, detail=(
                f"made by {by or 'unknown'}, expired {invitation.expires:%Y-%m-%d %H:%M} UTC"
                + (f", for {email}" if email else ""))))
    return DriftList(
        "expired_unused", "Invitations expired unused",
        "Invitations still in Authentik past their expiry (a used one is gone): revoke them "
        "on the Invite links page, or make a new one.",
        (Action.INVITE_LINKS,), tuple(rows), _why_not(snapshot))


def report(snapshot: Snapshot) -> tuple[DriftList, ...]:
    """Every drift list, in the order the page shows them; one that cannot be made now lists
    nobody (without Authentik's accounts, everyone in a room would look unknown)."""
    made = (without_matrix(snapshot), matrix_without_account(snapshot),
            deactivated_in_rooms(snapshot), in_no_room(snapshot), expired_unused(snapshot))
    return tuple(replace(d, rows=()) if d.unavailable else d for d in made)


def to_csv(drift: DriftList) -> str:
    """The list as CSV, every cell formula-safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in drift.rows:
        writer.writerow(safe_cell(v) for v in (row.username, row.name, row.matrix_user_id,
                                                row.invitation, row.detail))
    return buffer.getvalue()
