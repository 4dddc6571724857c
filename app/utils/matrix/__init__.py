"""Talking to Matrix: the bot's client, its errors, the plain values it returns, ID checks.

What services use is here; the modules behind it are `client` (sync methods over one
nio.AsyncClient), `runner` (its event-loop thread), `transport` (one request made safe),
`reads` and `actions` (the requests), `settle` (re-reading after a lost answer), `bulk`
(bounded fan-out with one outcome per room), `values`, `errors` and `ids` (identifier grammar,
imported as a module: `ids.user_id(...)`). `txn_id(...)` makes a message's transaction ID.

The modules that talk to the homeserver load matrix-nio (about 0.4 s and aiohttp): they are
imported on first use of one of their names (PEP 562), so a process that only reads settings
or checks an ID (the CLI, the server's start-up, the login page) never pays for them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from app.utils.matrix import ids
from app.utils.matrix.errors import (
    MatrixConnectionLost,
    MatrixError,
    MatrixForbidden,
    MatrixNotFound,
    MatrixRefused,
    MatrixThrottled,
    MatrixUnknownToken,
    MatrixUnreachable,
)
from app.utils.matrix.values import (
    CREATOR_LEVEL,
    DirectRoom,
    Identity,
    Member,
    Membership,
    PowerLevels,
    RoomInfo,
    RoomLookup,
    RoomOutcome,
    SentMessage,
    ServerHealth,
    Status,
)

if TYPE_CHECKING:
    from app.utils.matrix.actions import mention_html, message_content, txn_id
    from app.utils.matrix.bulk import NOT_ATTEMPTED, reason_of, status_of
    from app.utils.matrix.client import MatrixClient

# The names whose modules load matrix-nio, and where each lives.
_ON_FIRST_USE = {
    "mention_html": "actions", "message_content": "actions", "txn_id": "actions",
    "NOT_ATTEMPTED": "bulk", "reason_of": "bulk", "status_of": "bulk",
    "MatrixClient": "client",
}


def __getattr__(name: str) -> object:
    if name not in _ON_FIRST_USE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_ON_FIRST_USE[name]}"), name)
    globals()[name] = value  # found directly from now on
    return value


__all__ = [
    "CREATOR_LEVEL",
    "NOT_ATTEMPTED",
    "DirectRoom",
    "Identity",
    "MatrixClient",
    "MatrixConnectionLost",
    "MatrixError",
    "MatrixForbidden",
    "MatrixNotFound",
    "MatrixRefused",
    "MatrixThrottled",
    "MatrixUnknownToken",
    "MatrixUnreachable",
    "Member",
    "Membership",
    "PowerLevels",
    "RoomInfo",
    "RoomLookup",
    "RoomOutcome",
    "SentMessage",
    "ServerHealth",
    "Status",
    "ids",
    "mention_html",
    "message_content",
    "reason_of",
    "status_of",
    "txn_id",
]
