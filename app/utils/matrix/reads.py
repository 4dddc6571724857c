"""Read-only Matrix requests: who the bot is, its rooms, room state, memberships, admin lookups."""

from __future__ import annotations

import time
from typing import Any

from app.utils.matrix.errors import MatrixError, MatrixForbidden, MatrixNotFound
from app.utils.matrix.transport import Budget, Transport, path
from app.utils.matrix.values import (
    Identity,
    Member,
    Membership,
    PowerLevels,
    RoomInfo,
    ServerHealth,
    creators_of,
    room_info_from_state,
)

SYNAPSE_ADMIN_V1 = "/_synapse/admin/v1"


async def health(t: Transport, budget: Budget) -> ServerHealth:
    started = time.perf_counter()
    data = await t.raw("reach the homeserver", "GET", "/_matrix/client/versions", budget,
                       auth=False, idempotent=True)
    latency_ms = (time.perf_counter() - started) * 1000
    return ServerHealth(versions=tuple(map(str, data.get("versions", []))), latency_ms=latency_ms)


async def whoami(t: Transport, budget: Budget) -> Identity:
    resp = await t.call("check the bot's access token", t.client.whoami, budget, idempotent=True)
    return Identity(user_id=resp.user_id, device_id=resp.device_id)


async def user_exists(t: Transport, budget: Budget, user_id: str) -> bool:
    """False only when the homeserver says the user is unknown (a profile lookup gives 404);
    a server that hides profiles (403) is taken at its word that the ID may exist."""
    try:
        await t.raw(f"look up {user_id}", "GET", path("profile", user_id), budget, idempotent=True)
    except MatrixNotFound:
        return False
    except MatrixForbidden:
        return True
    return True


async def joined_rooms(t: Transport, budget: Budget) -> list[str]:
    resp = await t.call("list the bot's rooms", t.client.joined_rooms, budget, idempotent=True)
    return list(resp.rooms)


async def resolve_alias(t: Transport, budget: Budget, alias: str) -> str:
    resp = await t.call(f"resolve {alias}", lambda: t.client.room_resolve_alias(alias), budget,
                        idempotent=True)
    return str(resp.room_id)


async def room_state(t: Transport, budget: Budget, room_id: str) -> list[dict[str, Any]]:
    resp = await t.call(f"read the state of {room_id}", lambda: t.client.room_get_state(room_id),
                        budget, idempotent=True)
    return list(resp.events)


async def state_event(
    t: Transport, budget: Budget, room_id: str, event_type: str, state_key: str = ""
) -> dict[str, Any] | None:
    """The content of one state event, or None when the room has no such event."""
    try:
        resp = await t.call(
            f"read {event_type} in {room_id}",
            lambda: t.client.room_get_state_event(room_id, event_type, state_key),
            budget,
            idempotent=True,
        )
    except MatrixNotFound:
        return None
    return dict(resp.content)


async def direct_rooms(t: Transport, budget: Budget) -> dict[str, list[str]]:
    """The bot's m.direct account data: user ID -> DM room IDs (empty when never set)."""
    try:
        data = await t.raw("read the bot's direct-message list", "GET",
                           path("user", t.user_id, "account_data", "m.direct"), budget,
                           idempotent=True)
    except MatrixNotFound:
        return {}
    return {str(user): [str(r) for r in rooms] for user, rooms in data.items()
            if isinstance(rooms, list)}


async def room_info(
    t: Transport, budget: Budget, room_id: str, *, direct: frozenset[str]
) -> RoomInfo:
    events = await room_state(t, budget, room_id)
    return room_info_from_state(room_id, events, bot_user_id=t.user_id, direct_rooms=direct)


async def joined_members(t: Transport, budget: Budget, room_id: str) -> list[Member]:
    resp = await t.call(f"list the members of {room_id}",
                        lambda: t.client.joined_members(room_id), budget, idempotent=True)
    return [Member(user_id=m.user_id, display_name=m.display_name) for m in resp.members]


async def membership(t: Transport, budget: Budget, room_id: str, user_id: str) -> Membership:
    """Live membership from the room's state (never a cache)."""
    content = await state_event(t, budget, room_id, "m.room.member", user_id)
    if content is None:
        return Membership.NONE
    try:
        return Membership(str(content.get("membership")))
    except ValueError:
        return Membership.NONE


async def power_levels(t: Transport, budget: Budget, room_id: str) -> PowerLevels:
    content = await state_event(t, budget, room_id, "m.room.power_levels")
    return PowerLevels.from_content(content, creators_of(await create_event(t, budget, room_id)))


async def create_event(t: Transport, budget: Budget, room_id: str) -> dict[str, Any] | None:
    """The whole m.room.create event: room v12 creators are its sender, not in its content.
    Read once per room and process: it never changes."""
    if (kept := t.create_events.get(room_id)) is not None:
        return kept
    found = await _read_create_event(t, budget, room_id)
    if found is not None:
        t.create_events[room_id] = found
    return found


async def _read_create_event(
    t: Transport, budget: Budget, room_id: str
) -> dict[str, Any] | None:
    try:
        data = await t.raw(f"read m.room.create in {room_id}", "GET",
                           path("rooms", room_id, "state", "m.room.create", "") + "?format=event",
                           budget, idempotent=True)
    except MatrixNotFound:
        return None
    if isinstance(data, dict) and "sender" in data:
        return data
    # A homeserver without `format=event` answered with the content only: use the full state.
    for event in await room_state(t, budget, room_id):
        if event.get("type") == "m.room.create":
            return dict(event)
    return None


async def is_server_admin(t: Transport, budget: Budget) -> bool:
    """Ask Synapse's admin API; a refusal or an unknown endpoint means "not an admin"."""
    try:
        data = await t.raw("check whether the bot is a server admin", "GET",
                           path("users", t.user_id, "admin", base=SYNAPSE_ADMIN_V1), budget,
                           idempotent=True)
    except (MatrixForbidden, MatrixNotFound):
        return False
    except MatrixError as err:
        if err.errcode == "M_UNRECOGNIZED":  # not Synapse
            return False
        raise
    return bool(data.get("admin"))


async def admin_joined_rooms(t: Transport, budget: Budget, user_id: str) -> list[str]:
    data = await t.raw(f"list the rooms of {user_id} (server admin API)", "GET",
                       path("users", user_id, "joined_rooms", base=SYNAPSE_ADMIN_V1), budget,
                       idempotent=True)
    return [str(r) for r in data.get("joined_rooms", [])]

