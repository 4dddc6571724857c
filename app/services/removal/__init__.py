"""Remove a member from the rooms they are really in: a live preview, then a kick or ban with
a reason and an optional message, one result per room, and a retry for the rooms that failed.

Where someone is comes from the homeserver, never from the cache alone (a warm cache once made
a dashboard "remove" people from rooms they had left and miss the ones they were in):
- the bot is a server admin: Synapse's admin API lists the user's rooms, intersected with the
  bot's; the cost follows the rooms the user is in, not all the bot's rooms;
- otherwise: the user's membership, read live in each of the bot's rooms;
- only when those lookups fail: the last sync's cache, labelled as such.

`preview` finds the rooms and the bot's power there; `remove` acts.
"""

from app.services.removal.preview import (
    PRESENT,
    Action,
    RemovalPreview,
    RoomPreview,
    Source,
    power_verdict,
    preview_removal,
    room_names,
    target_user,
)
from app.services.removal.remove import (
    ACTIONS,
    MESSAGE_KEYS,
    MESSAGE_SENT,
    MESSAGE_SENT_BEFORE,
    RemovalOutcome,
    clean_reason,
    failed_rooms,
    merge_outcomes,
    removal_message,
    remove_from_rooms,
    retry_failed,
)

__all__ = [
    "ACTIONS",
    "MESSAGE_KEYS",
    "MESSAGE_SENT",
    "MESSAGE_SENT_BEFORE",
    "PRESENT",
    "Action",
    "RemovalOutcome",
    "RemovalPreview",
    "RoomPreview",
    "Source",
    "clean_reason",
    "failed_rooms",
    "merge_outcomes",
    "power_verdict",
    "preview_removal",
    "removal_message",
    "remove_from_rooms",
    "retry_failed",
    "room_names",
    "target_user",
]
