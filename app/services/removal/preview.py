"""Where a member really is among the bot's rooms, and whether the bot may remove them there.

Live first (see `remove`): the Synapse admin API when the bot is a server admin (cost: the
rooms the user is in), else the user's membership read in each of the bot's rooms; the last
sync's cache only when those lookups fail, and then labelled as such. Only the rooms in the
actor's scope are read; the others are counted and left alone (see `rooms.scopes`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from app.db.models import utcnow
from app.services import connections
from app.services.progress import ProgressCallback, fan_out, guarded, relay
from app.services.rooms import scopes
from app.services.rooms.catalog import cached_rooms_of, rooms_by_id
from app.utils.errors import InputError
from app.utils.matrix import (
    CREATOR_LEVEL,
    MatrixClient,
    MatrixError,
    MatrixUnknownToken,
    MatrixUnreachable,
    Membership,
    PowerLevels,
    RoomOutcome,
    reason_of,
)
from app.utils.matrix import ids as matrix_ids

logger = logging.getLogger(__name__)

Source = Literal["admin-api", "live-membership", "cache"]
Action = Literal["kick", "ban"]
PRESENT = frozenset({Membership.JOIN, Membership.INVITE, Membership.KNOCK})
USER_FIELD = "Matrix user ID"


@dataclass(frozen=True)
class RoomPreview:
    """One room the user is in (joined, invited or knocking), and whether the bot's power
    allows removing them there."""

    room_id: str
    name: str
    membership: str
    user_level: int | None
    bot_level: int | None
    can_kick: bool
    can_ban: bool
    reason: str = ""  # why the bot may not act, or what could not be checked

    def what_happens(self, action: Action) -> str:
        """What the removal does in this room, said for people."""
        allowed = self.can_kick if action == "kick" else self.can_ban
        if not allowed:
            return f"nothing: {self.reason or 'the bot may not'}"
        if action == "ban":
            return "banned (cannot rejoin or accept an invite)"
        if self.membership == Membership.INVITE:
            return "invite rescinded"
        if self.membership == Membership.KNOCK:
            return "request to join refused"
        return "kicked"


@dataclass(frozen=True)
class RemovalPreview:
    user_id: str
    display_name: str
    rooms: tuple[RoomPreview, ...]
    source: Source
    note: str  # how the rooms were found; for "cache", why live lookups failed
    checked_at: datetime  # when the membership was read (for "cache": the oldest sync used)
    unchecked: tuple[RoomOutcome, ...] = ()  # bot rooms whose membership could not be read
    other_rooms: int = 0  # admin API: rooms the user is in that the bot is not in
    # The bot's other rooms, where they are not (left, never joined): a ban can still land
    # there, pre-emptively, so they cannot come in later.
    elsewhere: tuple[str, ...] = ()
    banned: tuple[str, ...] = ()  # the bot's rooms where they are banned already
    # A scoped moderator's preview: the categories of their scope, and how many of the bot's
    # rooms are outside it (not read, never acted in: the removal refuses them).
    scope: tuple[str, ...] = ()
    outside_scope: int = 0

    def room_ids(self, action: Action) -> list[str]:
        """The rooms where the bot's power allows `action`."""
        return [r.room_id for r in self.rooms if (r.can_kick if action == "kick" else r.can_ban)]



def power_verdict(
    power: PowerLevels, *, bot_user_id: str, user_id: str
) -> tuple[int, int, bool, bool, str]:
    """(bot level, user level, may kick, may ban, why not): the bot needs the kick/ban level
    and a level strictly above the user's; room v12 creators are above everyone."""
    bot, user = power.level_of(bot_user_id), power.level_of(user_id)
    if user_id in power.creators:
        return bot, user, False, False, "they created the room (room creators cannot be removed)"
    above = bot > user
    problems = []
    if not above:
        problems.append(f"their power level {_shown(user)} is not below the bot's {_shown(bot)}")
    if bot < power.kick:
        problems.append(f"kicking needs power {power.kick}, the bot has {_shown(bot)}")
    if bot < power.ban:
        problems.append(f"banning needs power {power.ban}, the bot has {_shown(bot)}")
    return bot, user, above and bot >= power.kick, above and bot >= power.ban, "; ".join(problems)


def _shown(level: int) -> str:
    return "creator" if level >= CREATOR_LEVEL else str(level)


def target_user(user_id: str, client: MatrixClient) -> str:
    """The validated user ID; the bot itself is refused before any request."""
    user = matrix_ids.user_id(user_id, field=USER_FIELD)
    if user == client.user_id:
        raise InputError(USER_FIELD, f"{user} is the dashboard's own bot; it never removes itself")
    return user


def preview_removal(
    user_id: str, *, actor: str, on_progress: ProgressCallback | None = None
) -> RemovalPreview:
    """The rooms (shared with the bot, in `actor`'s scope) that `user_id` is in now, with the
    bot's power there.

    Raises InputError for a bad ID or the bot itself, NotConfigured, and MatrixUnknownToken (a
    cache would not help: no removal can work with a refused token)."""
    on_progress = guarded(on_progress)
    client = connections.matrix()
    user = target_user(user_id, client)
    scope = scopes.scope_of(actor)
    try:
        found = _live(client, user, scope, on_progress)
    except MatrixUnknownToken:
        raise
    except MatrixError as err:
        logger.warning("live room lookup for %s failed (%s); using the cache", user, err.detail)
        found = _from_cache(client, user, scope, err)
    return replace(found, scope=scope.categories) if scope.limited else found


def _live(
    client: MatrixClient, user: str, scope: scopes.Scope, on_progress: ProgressCallback | None
) -> RemovalPreview:
    everywhere = client.joined_rooms()
    ours, outside = scopes.split(scope, everywhere)
    joined: dict[str, Membership] = {}
    other = 0
    source_used: Source = "live-membership"
    if client.is_server_admin():
        try:
            theirs = client.admin_joined_rooms(user)
        except (MatrixUnreachable, MatrixUnknownToken):
            raise
        except MatrixError as err:  # e.g. no longer an admin: read memberships room by room
            logger.info("admin API lookup failed (%s); checking room by room", err.detail)
        else:
            joined = {room: Membership.JOIN for room in theirs if room in set(ours)}
            other, source_used = len(set(theirs) - set(everywhere)), "admin-api"
    # Invites and knocks are not "joined": read them live in the bot's other rooms (the
    # admin API lists joined rooms only, and a pending invite must not survive a removal).
    rest = [room for room in ours if room not in joined]
    lookups = client.memberships(user_id=user, rooms=rest,
                                 on_outcome=relay(on_progress, "Checking rooms", len(rest)))
    failed = tuple(RoomOutcome(lk.room_id, lk.status, lk.reason) for lk in lookups if not lk.ok)
    if rest and not joined and len(failed) == len(rest):
        raise MatrixUnreachable(f"check the rooms of {user}", failed[0].reason)
    present: dict[str, Membership | None] = {
        **joined, **{lk.room_id: lk.value for lk in lookups if lk.ok and lk.value in PRESENT}}
    elsewhere = tuple(lk.room_id for lk in lookups
                      if lk.ok and lk.value not in PRESENT and lk.value is not Membership.BAN)
    banned = tuple(lk.room_id for lk in lookups if lk.ok and lk.value is Membership.BAN)
    if source_used == "admin-api":
        note = (f"Found live: the server admin API lists {len(joined)} joined room(s) shared "
                f"with the bot; the other {len(rest)} were read for invites and knocks.")
    else:
        note = (f"Found live by reading {user}'s membership in each of the bot's {len(ours)} "
                "room(s) (the bot is not a server admin).")
    if failed:
        note += f" {len(failed)} room(s) could not be checked."
    return _with_power(client, user, present, source=source_used, note=note,
                       on_progress=on_progress, other_rooms=other, unchecked=failed,
                       elsewhere=elsewhere, banned=banned, outside_scope=len(outside))


def _with_power(
    client: MatrixClient, user: str, present: Mapping[str, Membership | None], *, source: Source,
    note: str, on_progress: ProgressCallback | None, other_rooms: int = 0,
    unchecked: tuple[RoomOutcome, ...] = (), elsewhere: tuple[str, ...] = (),
    banned: tuple[str, ...] = (), outside_scope: int = 0,
) -> RemovalPreview:
    checked_at = utcnow()
    names = room_names(client, list(present))
    powers = fan_out(client, client.power_levels, list(present), phase="Checking power levels",
                     on_progress=on_progress)
    rooms = []
    for room_id, membership in present.items():
        name = names.get(room_id, room_id)
        result = powers[room_id]
        if isinstance(result, MatrixError):
            rooms.append(RoomPreview(room_id, name, str(membership), None, None, False, False,
                                     f"could not read power levels: {reason_of(result)}"))
            continue
        bot, level, kick, ban, why = power_verdict(result, bot_user_id=client.user_id,
                                                   user_id=user)
        rooms.append(RoomPreview(room_id, name, str(membership), level, bot, kick, ban, why))
    rooms.sort(key=lambda r: (r.name.lower(), r.room_id))
    return RemovalPreview(user, _display_name(user), tuple(rooms), source, note, checked_at,
                          unchecked, other_rooms, elsewhere, banned,
                          outside_scope=outside_scope)


def room_names(client: MatrixClient, room_ids: list[str]) -> dict[str, str]:
    """Room names from the room catalog; rooms it does not know yet are read live."""
    names = {room_id: view.label for room_id, view in rooms_by_id(room_ids).items()}
    unknown = [room_id for room_id in room_ids if room_id not in names]
    for lookup in client.rooms_info(unknown) if unknown else ():
        if lookup.ok and lookup.value is not None:
            info = lookup.value
            names[lookup.room_id] = info.name or info.canonical_alias or lookup.room_id
    return names


def _from_cache(
    client: MatrixClient, user: str, scope: scopes.Scope, err: MatrixError
) -> RemovalPreview:
    everywhere = cached_rooms_of(user)
    inside, outside = scopes.split(scope, (m.room_id for m in everywhere))
    cached = [m for m in everywhere if m.room_id in set(inside)]
    known = rooms_by_id(m.room_id for m in cached)
    rooms = []
    for member in cached:
        room = known[member.room_id]
        power = PowerLevels(users={client.user_id: room.bot_level, user: member.power_level},
                            kick=room.kick_level, ban=room.ban_level)
        bot, level, kick, ban, why = power_verdict(power, bot_user_id=client.user_id,
                                                   user_id=user)
        rooms.append(RoomPreview(room.room_id, room.label, member.membership, level, bot, kick,
                                 ban, why))
    rooms.sort(key=lambda r: (r.name.lower(), r.room_id))
    oldest = min((m.synced_at for m in cached), default=None)
    when = f"as of the room sync of {oldest:%Y-%m-%d %H:%M} UTC" if oldest else "(never synced)"
    note = (f"Live lookup failed ({err.detail}). FROM THE CACHE {when}: it may be out of date. "
            "The removal re-checks every room live.")
    return RemovalPreview(user, _display_name(user), tuple(rooms), "cache", note,
                          oldest or utcnow(), outside_scope=len(outside))


def _display_name(user: str) -> str:
    return next((m.display_name for m in cached_rooms_of(user) if m.display_name), "")
