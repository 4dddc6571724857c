"""Matrix identifier grammar: user IDs, room IDs and room aliases, checked before any request."""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.utils.errors import InputError
from app.utils.plain_text import clean

# Server name: a DNS name, IPv4 or [IPv6] literal, optional port (spec: appendix "Server Name").
_SERVER = r"(?:\[[0-9A-Fa-f:.]{2,45}\]|[0-9A-Za-z.-]{1,255})(?::[0-9]{1,5})?"
# Localparts: the spec allows [a-z0-9._=/+-]; historical IDs may hold other printable ASCII.
_USER_ID = re.compile(rf"^@[\x21-\x39\x3b-\x7e]+:{_SERVER}$")
# Room version 12 room IDs are "!" + an opaque hash with no ":server" part; older ones have one.
_ROOM_ID = re.compile(rf"^![\x21-\x39\x3b-\x7e]+(?::{_SERVER})?$")
_ROOM_ALIAS = re.compile(rf"^#[^:\s]+:{_SERVER}$")
_MAX_ID_LENGTH = 255


def is_user_id(value: str) -> bool:
    return len(value) <= _MAX_ID_LENGTH and bool(_USER_ID.match(value))


def is_room_id(value: str) -> bool:
    return len(value) <= _MAX_ID_LENGTH and bool(_ROOM_ID.match(value))


def is_room_alias(value: str) -> bool:
    return len(value) <= _MAX_ID_LENGTH and bool(_ROOM_ALIAS.match(value))


def user_id(value: str, *, field: str = "Matrix user ID") -> str:
    """Return the stripped user ID, or raise InputError naming `field`."""
    cleaned = clean(value)
    if not is_user_id(cleaned):
        raise InputError(field, f"'{cleaned}' is not a Matrix user ID; expected @name:server")
    return cleaned


def room_id(value: str, *, field: str = "Room ID") -> str:
    """Return the stripped room ID, or raise InputError naming `field`."""
    cleaned = clean(value)
    if not is_room_id(cleaned):
        raise InputError(field, f"'{cleaned}' is not a Matrix room ID; expected !id or !id:server")
    return cleaned


def room_list(room_ids: Sequence[str], *, field: str = "Rooms") -> list[str]:
    """Validated, de-duplicated room IDs in order; at least one."""
    if isinstance(room_ids, str):
        raise TypeError("room_ids must be a list of room IDs, not one string")
    rooms = list(dict.fromkeys(room_id(r, field=field) for r in room_ids))
    if not rooms:
        raise InputError(field, "choose at least one room")
    return rooms


def room_ref(value: str, *, field: str = "Room") -> str:
    """A room ID or alias, stripped, or InputError naming `field`."""
    cleaned = clean(value)
    if not (is_room_id(cleaned) or is_room_alias(cleaned)):
        raise InputError(
            field, f"'{cleaned}' is neither a room ID (!id[:server]) nor an alias (#name:server)"
        )
    return cleaned


def server_name(user: str) -> str:
    """The server part of a valid user ID."""
    return user.split(":", 1)[1]
