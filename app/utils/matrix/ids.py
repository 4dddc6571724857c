"""Matrix identifier grammar: user IDs, room IDs, room aliases and transaction IDs, checked
before any request."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

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
# A path segment that needs no escaping (what `txn_id` makes fits it).
_TXN_ID = re.compile(r"^[0-9A-Za-z._~-]{1,255}$")


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


def room_ids(rooms: Iterable[str]) -> list[str]:
    """Validated, de-duplicated room IDs in the given order (maybe none); a bad one fails all."""
    if isinstance(rooms, str):
        raise TypeError("rooms must be a list of room IDs, not one string")
    return list(dict.fromkeys(room_id(room) for room in rooms))


def mentions(users: Sequence[str]) -> list[str]:
    """Validated user IDs to mention in a message."""
    if isinstance(users, str):
        raise TypeError("mentions must be a list of user IDs, not one string")
    return [user_id(user, field="Mention") for user in users]


def room_ref(value: str, *, field: str = "Room") -> str:
    """A room ID or alias, stripped, or InputError naming `field`."""
    cleaned = clean(value)
    if not (is_room_id(cleaned) or is_room_alias(cleaned)):
        raise InputError(
            field, f"'{cleaned}' is neither a room ID (!id[:server]) nor an alias (#name:server)"
        )
    return cleaned


def transaction_id(value: str, *, field: str = "Transaction ID") -> str:
    """The transaction ID as given (letters, digits, . _ ~ -; at most 255), or InputError."""
    if not isinstance(value, str) or not _TXN_ID.match(value):
        raise InputError(field, f"{value!r} is not a transaction ID; use txn_id(...) to make one")
    return value


def transaction_ids(rooms: Sequence[str], txn_ids: Mapping[str, str]) -> dict[str, str]:
    """Each room's transaction ID from `txn_ids` (room ID -> ID; other rooms are ignored).
    Every room needs its own: the spec makes an ID unique per access token, not per room."""
    missing = [room for room in rooms if room not in txn_ids]
    if missing:
        raise InputError("Transaction IDs", f"none given for {', '.join(missing)}")
    chosen = {room: transaction_id(txn_ids[room]) for room in rooms}
    if len(set(chosen.values())) < len(chosen):
        raise InputError("Transaction IDs", "each room needs its own transaction ID")
    return chosen


def server_name(user: str) -> str:
    """The server part of a valid user ID."""
    return user.split(":", 1)[1]
