"""What the overview, the funnel and the drift report are computed from, read once: Authentik's
accounts and open invitations, the room directory (the last room sync), and the dashboard's own
records (invitations it made and revoked, onboardings, Matrix IDs linked to usernames,
moderation actions). Each source that cannot be read is named in `problems`; the rest stands.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import cached_property

from sqlalchemy import select

from app.db.engine import session_scope
from app.db.models import AuditEvent, Journey, Room, RoomMember
from app.services import connections
from app.services.users.intended_groups import carried
from app.utils.authentik import MAX_PAGE_SIZE, Invitation, User
from app.utils.config import get_settings
from app.utils.enums import AuditAction, AuditOutcome, JourneyKind
from app.utils.errors import DashboardError

PEOPLE = ("internal", "external")  # Authentik user types that are people, not service accounts

# What the audit log calls moderation: removals, bans, kicks and timed sanctions.
MODERATION: tuple[AuditAction, ...] = (
    AuditAction.ROOMS_KICK,
    AuditAction.ROOMS_BAN,
    AuditAction.REMOVAL_ROOM_REMOVAL,
    AuditAction.OFFBOARDING_START,
    AuditAction.SANCTION_IMPOSE,
    AuditAction.SANCTION_LIFT,
    AuditAction.SANCTION_EXTEND,
    AuditAction.SANCTION_EXPIRE,
)


@dataclass(frozen=True)
class InviteMade:
    """An invitation the dashboard made (its audit row), and what became of it."""

    name: str
    by: str
    email: str
    created_at: datetime
    expires: datetime | None
    ref: str  # invite_ref: how the audit log names it
    revoked: bool = False


@dataclass(frozen=True)
class Onboarding:
    created_at: datetime
    status: str
    authentik_username: str
    matrix_user_id: str


@dataclass(frozen=True)
class RoomSize:
    room_id: str
    name: str
    joined: int


@dataclass(frozen=True)
class Snapshot:
    taken_at: datetime
    users: tuple[User, ...] = ()  # people's Authentik accounts (no service accounts)
    open_invitations: tuple[Invitation, ...] = ()  # still in Authentik: unused (or reusable)
    invites_made: tuple[InviteMade, ...] = ()
    onboardings: tuple[Onboarding, ...] = ()
    links: Mapping[str, str] = field(default_factory=dict)  # username -> Matrix ID
    rooms: tuple[RoomSize, ...] = ()  # the community's rooms (the directory: not DMs)
    members: Mapping[str, frozenset[str]] = field(default_factory=dict)  # room -> joined IDs
    moderation: tuple[tuple[datetime, str], ...] = ()  # (when, action)
    welcome_room: str = ""
    bot: str = ""
    rooms_synced_at: datetime | None = None
    problems: tuple[str, ...] = ()  # sources that could not be read, and why
    accounts_read: bool = False  # Authentik's part was asked for and read
    accounts_since: datetime | None = None  # only accounts that joined since (None: all)

    def user_by_invitation(self) -> dict[tuple[str, str], User]:
        """Accounts by the (inviter, invitation name) their invitation carried."""
        found: dict[tuple[str, str], User] = {}
        for user in self.users:
            came = carried(user.attributes)
            if came.name:
                found.setdefault((came.by, came.name), user)
        return found

    @cached_property
    def room_names(self) -> dict[str, str]:
        return {r.room_id: r.name for r in self.rooms}

    @cached_property
    def _rooms_by_member(self) -> dict[str, frozenset[str]]:
        found: dict[str, set[str]] = {}
        for room, ids in self.members.items():
            for member in ids:
                found.setdefault(member, set()).add(room)
        return {member: frozenset(rooms) for member, rooms in found.items()}

    def rooms_of(self, matrix_user_id: str) -> frozenset[str]:
        """The community rooms the directory saw them joined in."""
        return self._rooms_by_member.get(matrix_user_id, frozenset())

    def members_in_rooms(self) -> dict[str, frozenset[str]]:
        """Everyone the directory saw joined, and where."""
        return dict(self._rooms_by_member)


def within(snapshot: Snapshot, room_ids: Iterable[str]) -> Snapshot:
    """The snapshot with only these rooms (a scoped moderator's), members included."""
    keep = set(room_ids)
    return replace(snapshot, rooms=tuple(r for r in snapshot.rooms if r.room_id in keep),
                   members={r: ids for r, ids in snapshot.members.items() if r in keep})


def gather(*, accounts: bool, joined_since: datetime | None = None) -> Snapshot:
    """Read every source once. `accounts=False` (moderators): rooms and moderation only, no
    request to Authentik and none of the dashboard's records about accounts. `joined_since`:
    only the accounts that joined since then (Authentik filters them), enough for the figures
    and the funnel of a period starting then; the drift report needs them all."""
    settings = get_settings()
    rooms, members, synced = _rooms()
    problems = () if synced else (
        "Rooms: never synced (Rooms page, 'Sync now'): the room figures are empty",)
    snapshot = Snapshot(
        taken_at=datetime.now(UTC), rooms=rooms, members=members, moderation=_moderation(),
        welcome_room=settings.matrix_welcome_room_id or "",
        bot=settings.matrix_bot_user_id or "", rooms_synced_at=synced, problems=problems,
    )
    if not accounts:
        return snapshot
    snapshot = replace(snapshot, invites_made=_invites_made(), onboardings=_onboardings(),
                       links=links())
    try:
        client = connections.authentik()
        # Authentik's filter is "after": a second earlier keeps one who joined at the start.
        after = None if joined_since is None else joined_since - timedelta(seconds=1)
        users = tuple(u for u in client.iter_users(page_size=MAX_PAGE_SIZE, include_groups=False,
                                                   date_joined__gt=after)
                      if u.type in PEOPLE)
        invitations = tuple(client.iter_invitations(page_size=MAX_PAGE_SIZE))
    except DashboardError as err:
        return replace(snapshot, problems=(*problems, f"Authentik: {err}"))
    return replace(snapshot, users=users, open_invitations=invitations, accounts_read=True,
                   accounts_since=joined_since)


def links() -> dict[str, str]:
    """The Matrix ID each Authentik username is linked to: by a journey that named both (an
    onboarding, an offboarding), the newest winning."""
    with session_scope() as db:
        rows = db.execute(
            select(Journey.authentik_username, Journey.matrix_user_id)
            .where(Journey.authentik_username != "", Journey.matrix_user_id != "")
            .order_by(Journey.created_at, Journey.id)
        ).all()
    return {username: matrix for username, matrix in rows}


def _rooms() -> tuple[tuple[RoomSize, ...], dict[str, frozenset[str]], datetime | None]:
    community = (Room.still_joined.is_(True), Room.is_direct.is_(False))
    with session_scope() as db:
        listed = db.scalars(select(Room).where(*community)).all()
        sizes = tuple(RoomSize(r.room_id, r.name or r.canonical_alias or r.room_id,
                               r.joined_members) for r in listed)
        joined: dict[str, set[str]] = {r.room_id: set() for r in sizes}
        for room, user in db.execute(
            select(RoomMember.room_id, RoomMember.user_id)
            .join(Room, Room.room_id == RoomMember.room_id)
            .where(*community, RoomMember.membership == "join")
        ):
            joined[room].add(user)
        synced = max((r.synced_at for r in listed), default=None)
    return sizes, {room: frozenset(ids) for room, ids in joined.items()}, synced


def _moderation() -> tuple[tuple[datetime, str], ...]:
    with session_scope() as db:
        rows = db.execute(
            select(AuditEvent.occurred_at, AuditEvent.action)
            .where(AuditEvent.action.in_([str(a) for a in MODERATION]),
                   AuditEvent.outcome != AuditOutcome.DENIED)
        ).all()
    return tuple((when, action) for when, action in rows)


def _invites_made() -> tuple[InviteMade, ...]:
    with session_scope() as db:
        created = db.scalars(select(AuditEvent).where(
            AuditEvent.action == AuditAction.INVITE_LINK_CREATE,
            AuditEvent.outcome == AuditOutcome.OK,
        ).order_by(AuditEvent.occurred_at, AuditEvent.id)).all()
        revoked = {
            str((details or {}).get("invite_ref") or "")
            for details in db.scalars(select(AuditEvent.details).where(
                AuditEvent.action == AuditAction.INVITE_LINK_REVOKE,
                AuditEvent.outcome == AuditOutcome.OK,
            ))
        }
        return tuple(_invite(event, revoked) for event in created)


def _invite(event: AuditEvent, revoked: set[str]) -> InviteMade:
    details = event.details or {}
    expires = details.get("expires")
    ref = str(details.get("invite_ref") or "")
    return InviteMade(
        name=event.target, by=event.actor, email=event.member, created_at=event.occurred_at,
        expires=datetime.fromisoformat(expires) if isinstance(expires, str) else None,
        ref=ref, revoked=bool(ref) and ref in revoked,
    )


def _onboardings() -> tuple[Onboarding, ...]:
    with session_scope() as db:
        rows = db.execute(
            select(Journey.created_at, Journey.status, Journey.authentik_username,
                   Journey.matrix_user_id)
            .where(Journey.kind == JourneyKind.ONBOARDING)
        ).all()
    return tuple(Onboarding(*row) for row in rows)
