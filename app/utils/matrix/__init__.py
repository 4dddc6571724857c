"""Talking to Matrix: the bot's client, its errors, the plain values it returns, ID checks.

What services use is here; the modules behind it are `client` (sync methods over one
nio.AsyncClient), `runner` (its event-loop thread), `transport` (one request made safe),
`reads` and `actions` (the requests), `settle` (re-reading after a lost answer), `bulk`
(bounded fan-out with one outcome per room), `values`, `errors` and `ids` (identifier grammar,
imported as a module: `ids.user_id(...)`). `txn_id(...)` makes a message's transaction ID.
"""

from app.utils.matrix import ids
from app.utils.matrix.actions import mention_html, message_content, txn_id
from app.utils.matrix.bulk import NOT_ATTEMPTED, reason_of, status_of
from app.utils.matrix.client import MatrixClient
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
