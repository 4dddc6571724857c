"""Talking to Matrix: the bot's client, its errors, the plain values it returns, ID checks.

What services use is here; the modules behind it are `client` (sync methods over one
nio.AsyncClient), `runner` (its event-loop thread), `transport` (one request made safe),
`reads` and `actions` (the requests), `settle` (re-reading after a lost answer), `bulk`
(bounded fan-out with one outcome per room), `values`, `errors` and `ids` (identifier grammar,
imported as a module: `ids.user_id(...)`). `txn_id(...)` makes a message's transaction ID.

The client and the requests (matrix-nio, aiohttp: about a second to import) load at their
first use, so that checking an ID (the settings do) does not pay for them at process start.
"""

from importlib import import_module
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

_LAZY = {
    "mention_html": "actions",
    "message_content": "actions",
    "txn_id": "actions",
    "NOT_ATTEMPTED": "bulk",
    "reason_of": "bulk",
    "status_of": "bulk",
    "MatrixClient": "client",
}


def __getattr__(name: str) -> object:
    """The names that need matrix-nio, imported at their first use."""
    if name in _LAZY:
        value = getattr(import_module(f"app.utils.matrix.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
