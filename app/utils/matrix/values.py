"""Plain values the Matrix client returns: outcomes, room facts, power levels. No nio objects."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Generic, TypeVar

T = TypeVar("T")

# Room v12 creators have infinite power; shown as this level (above any settable level, 2**53-1).
CREATOR_LEVEL = 2**53


class Status(StrEnum):
    """What happened to one item of an operation."""

    DONE = "done"  # the homeserver accepted the change
    ALREADY = "already"  # nothing to do: already invited / member / banned / at that level
    FORBIDDEN = "forbidden"  # the bot lacks power or membership there
    THROTTLED = "throttled"  # rate-limited for longer than we may wait
    UNREACHABLE = "unreachable"  # no answer (or not attempted because the server is down)
    FAILED = "failed"  # any other refusal; the reason says which
    SKIPPED = "skipped"  # refused by us before sending (e.g. the bot acting on itself)
    # Sent, but the answer was lost and a re-read could not settle whether it was applied: not
    # ok, worth another try (a retry reads the live state first, so it cannot act twice).
    UNKNOWN = "unknown"


OK_STATUSES = frozenset({Status.DONE, Status.ALREADY})


@dataclass(frozen=True)
class RoomOutcome:
    """The result of one action in one room."""

    room_id: str
    status: Status
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.status in OK_STATUSES


@dataclass(frozen=True)
class RoomLookup(Generic[T]):
    """The result of reading something about one room; `value` is None unless status is DONE."""

    room_id: str
    status: Status
    reason: str = ""
    value: T | None = None

    @property
    def ok(self) -> bool:
        return self.status is Status.DONE


class Membership(StrEnum):
    JOIN = "join"
    INVITE = "invite"
    LEAVE = "leave"
    BAN = "ban"
    KNOCK = "knock"
    NONE = "none"  # no member event at all: never invited or joined


@dataclass(frozen=True)
class Identity:
    user_id: str
    device_id: str | None


@dataclass(frozen=True)
class ServerHealth:
    versions: tuple[str, ...]
    latency_ms: float


@dataclass(frozen=True)
class Member:
    user_id: str
    display_name: str | None


@dataclass(frozen=True)
class SentMessage:
    room_id: str
    event_id: str


@dataclass(frozen=True)
class DirectRoom:
    room_id: str
    created: bool  # False when an existing DM from m.direct was reused


@dataclass(frozen=True)
class PowerLevels:
    """The parts of m.room.power_levels the dashboard needs, with the spec's defaults filled in."""

    users: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    users_default: int = 0
    events_default: int = 0
    state_default: int = 50
    invite: int = 0
    kick: int = 50
    ban: int = 50
    redact: int = 50
    creators: frozenset[str] = frozenset()  # room v12+: privileged creators, not in `users`

    def level_of(self, user_id: str) -> int:
        if user_id in self.creators:
            return CREATOR_LEVEL
        return self.users.get(user_id, self.users_default)

    @classmethod
    def from_content(
        cls, content: Mapping[str, Any] | None, creators: frozenset[str] = frozenset()
    ) -> PowerLevels:
        if content is None:  # no power_levels event: spec defaults for that case
            return cls(state_default=0, creators=creators)
        users = {str(k): _int(v, 0) for k, v in (content.get("users") or {}).items()}
        return cls(
            users=MappingProxyType(users),
            users_default=_int(content.get("users_default"), 0),
            events_default=_int(content.get("events_default"), 0),
            state_default=_int(content.get("state_default"), 50),
            invite=_int(content.get("invite"), 0),
            kick=_int(content.get("kick"), 50),
            ban=_int(content.get("ban"), 50),
            redact=_int(content.get("redact"), 50),
            creators=creators,
        )


@dataclass(frozen=True)
class RoomInfo:
    """What the room sync stores about a room, read from its current state."""

    room_id: str
    name: str | None
    topic: str | None
    canonical_alias: str | None
    joined_members: int
    invited_members: int
    encrypted: bool
    is_direct: bool
    room_version: str
    power: PowerLevels
    bot_level: int


def _int(value: object, default: int) -> int:
    """Power levels may arrive as strings in old rooms; anything unusable means the default."""
    if not isinstance(value, int | float | str):  # JSON null, a list or an object
        return default
    try:
        return int(value)
    except ValueError:
        return default


def creators_of(create_event: Mapping[str, Any] | None) -> frozenset[str]:
    """Room v12 (and later) makes the creator(s) all-powerful; older versions do not."""
    if not create_event:
        return frozenset()
    content = create_event.get("content") or {}
    version = str(content.get("room_version") or "1")
    if not (version.isdigit() and int(version) >= 12):
        return frozenset()
    extra = content.get("additional_creators") or []
    return frozenset([str(create_event.get("sender", "")), *map(str, extra)]) - {""}


def room_info_from_state(
    room_id: str, events: list[dict[str, Any]], *, bot_user_id: str, direct_rooms: frozenset[str]
) -> RoomInfo:
    """Build RoomInfo from the full current state (GET /rooms/{id}/state)."""
    state = {(e.get("type"), e.get("state_key")): e for e in events}

    def content(event_type: str, key: str = "") -> dict[str, Any] | None:
        event = state.get((event_type, key))
        return event.get("content") if event else None

    members = [e for e in events if e.get("type") == "m.room.member"]
    membership = [(e.get("content") or {}).get("membership") for e in members]
    joined, invited = membership.count("join"), membership.count("invite")
    flagged_direct = any((e.get("content") or {}).get("is_direct") for e in members)
    create = state.get(("m.room.create", ""))
    power = PowerLevels.from_content(content("m.room.power_levels"), creators_of(create))
    return RoomInfo(
        room_id=room_id,
        name=(content("m.room.name") or {}).get("name") or None,
        topic=(content("m.room.topic") or {}).get("topic") or None,
        canonical_alias=(content("m.room.canonical_alias") or {}).get("alias") or None,
        joined_members=joined,
        invited_members=invited,
        encrypted=bool(content("m.room.encryption")),
        is_direct=room_id in direct_rooms or (flagged_direct and joined + invited == 2),
        room_version=str(((create or {}).get("content") or {}).get("room_version") or "1"),
        power=power,
        bot_level=power.level_of(bot_user_id),
    )
