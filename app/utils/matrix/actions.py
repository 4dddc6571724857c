"""Matrix actions in one room: invite, kick, ban, power levels, messages, direct messages.

Each checks live state first so the outcome says what really happened ("already" when there was
nothing to do; an invite reads it only after a refusal), and the bot never acts on itself. A
change whose answer was lost is settled by re-reading (`settle`): done, failed or unknown, never
reported failed by guess.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import nio

from app.utils.matrix import reads
from app.utils.matrix.errors import (
    MatrixConnectionLost,
    MatrixError,
    MatrixForbidden,
    MatrixNotFound,
)
from app.utils.matrix.settle import settle
from app.utils.matrix.transport import Budget, Transport, path
from app.utils.matrix.values import (
    DirectRoom,
    Membership,
    PowerLevels,
    RoomOutcome,
    SentMessage,
    Status,
    creators_of,
)

logger = logging.getLogger(__name__)

HTML_FORMAT = "org.matrix.custom.html"
TXN_PREFIX = "cd."


def _self_refusal(t: Transport, room_id: str, user_id: str, verb: str) -> RoomOutcome | None:
    if user_id == t.user_id:
        logger.warning("matrix %s refused: %s is the bot itself (room %s)", verb, user_id, room_id)
        return RoomOutcome(room_id, Status.SKIPPED, f"the bot does not {verb} itself")
    return None


def _done(verb: str, room_id: str, user_id: str, reason: str = "") -> RoomOutcome:
    logger.info("matrix %s %s in %s: done", verb, user_id, room_id)
    return RoomOutcome(room_id, Status.DONE, reason)


async def _change_membership(
    t: Transport, budget: Budget, room_id: str, user_id: str, *, verb: str, action: str,
    request: Callable[[], Awaitable[Any]], wanted: frozenset[Membership], reason: str,
) -> RoomOutcome:
    """Send a membership change (not idempotent: never repeated); if its answer is lost, the
    member's membership is read again to settle whether it holds (`wanted`)."""
    try:
        await t.call(action, request, budget, idempotent=False)
    except MatrixConnectionLost as lost:
        return await settle(
            lost, budget, room_id,
            observe=lambda b: reads.membership(t, b, room_id, user_id),
            holds=lambda now: now in wanted, shown=lambda now: f"membership now: {now}",
        )
    return _done(verb, room_id, user_id, reason)


async def invite(t: Transport, budget: Budget, room_id: str, user_id: str) -> RoomOutcome:
    """Invite without reading first (one request per room): the homeserver refuses an invite
    for someone already in the room or banned, and only then is the membership read, to say
    which it was."""
    try:
        return await _change_membership(
            t, budget, room_id, user_id, verb="invite", action=f"invite {user_id} to {room_id}",
            request=lambda: t.client.room_invite(room_id, user_id),
            wanted=frozenset({Membership.INVITE, Membership.JOIN}), reason="",
        )
    except MatrixForbidden:
        current = await reads.membership(t, budget, room_id, user_id)
        if current is Membership.JOIN:
            return RoomOutcome(room_id, Status.ALREADY, "already a member")
        if current is Membership.INVITE:
            return RoomOutcome(room_id, Status.ALREADY, "already invited")
        if current is Membership.BAN:
            return RoomOutcome(room_id, Status.FORBIDDEN, "banned from this room; unban first")
        raise  # the bot lacks the power: the homeserver's own words


async def _current(
    t: Transport, budget: Budget, room_id: str, user_id: str, known: Membership | None
) -> Membership:
    """The membership read just before (by the caller, live), or read now."""
    return known if known is not None else await reads.membership(t, budget, room_id, user_id)


async def kick(
    t: Transport, budget: Budget, room_id: str, user_id: str, reason: str, *,
    known: Membership | None = None,
) -> RoomOutcome:
    if refused := _self_refusal(t, room_id, user_id, "kick"):
        return refused
    current = await _current(t, budget, room_id, user_id, known)
    if current not in (Membership.JOIN, Membership.INVITE, Membership.KNOCK):
        return RoomOutcome(room_id, Status.ALREADY, f"not in the room (membership: {current})")
    return await _change_membership(
        t, budget, room_id, user_id, verb="kick", action=f"remove {user_id} from {room_id}",
        request=lambda: t.client.room_kick(room_id, user_id, reason or None),
        wanted=frozenset({Membership.LEAVE}), reason=f"was {current}",
    )


async def ban(
    t: Transport, budget: Budget, room_id: str, user_id: str, reason: str, *,
    known: Membership | None = None,
) -> RoomOutcome:
    if refused := _self_refusal(t, room_id, user_id, "ban"):
        return refused
    current = await _current(t, budget, room_id, user_id, known)
    if current is Membership.BAN:
        return RoomOutcome(room_id, Status.ALREADY, "already banned")
    return await _change_membership(
        t, budget, room_id, user_id, verb="ban", action=f"ban {user_id} from {room_id}",
        request=lambda: t.client.room_ban(room_id, user_id, reason or None),
        wanted=frozenset({Membership.BAN}), reason=f"was {current}",
    )


async def unban(t: Transport, budget: Budget, room_id: str, user_id: str) -> RoomOutcome:
    """Lift a ban (a timed sanction ending); "already" when they are not banned."""
    current = await reads.membership(t, budget, room_id, user_id)
    if current is not Membership.BAN:
        return RoomOutcome(room_id, Status.ALREADY, f"not banned (membership: {current})")
    return await _change_membership(
        t, budget, room_id, user_id, verb="unban", action=f"unban {user_id} in {room_id}",
        request=lambda: t.client.room_unban(room_id, user_id),
        wanted=frozenset({Membership.LEAVE, Membership.NONE}), reason="",
    )


async def set_power_level(
    t: Transport, budget: Budget, room_id: str, user_id: str, level: int
) -> RoomOutcome:
    """Read m.room.power_levels, change one user's level, write it back (serialised per room).
    The write is idempotent (retried once on a dropped connection); if no answer comes even
    then, the levels are read again to settle it."""
    if refused := _self_refusal(t, room_id, user_id, "change the power level of"):
        return refused
    async with t.lock(f"power_levels:{room_id}"):
        content = await reads.state_event(t, budget, room_id, "m.room.power_levels")
        if content is None:
            return RoomOutcome(room_id, Status.FAILED, "the room has no power levels event")
        create = await reads.create_event(t, budget, room_id)
        levels = PowerLevels.from_content(content, creators_of(create))
        if user_id in levels.creators:
            return RoomOutcome(room_id, Status.SKIPPED, "room creator: power level cannot change")
        if levels.level_of(user_id) == level:
            return RoomOutcome(room_id, Status.ALREADY, f"already at power level {level}")
        users = dict(content.get("users") or {})
        if level == levels.users_default:
            users.pop(user_id, None)
        else:
            users[user_id] = level
        content["users"] = users
        try:
            await t.call(f"set the power level of {user_id} in {room_id} to {level}",
                         lambda: t.client.room_put_state(room_id, "m.room.power_levels", content),
                         budget, idempotent=True)
        except MatrixConnectionLost as lost:
            return await settle(
                lost, budget, room_id,
                observe=lambda b: reads.power_levels(t, b, room_id),
                holds=lambda now: now.level_of(user_id) == level,
                shown=lambda now: f"power level now: {now.level_of(user_id)}",
            )
    return _done(f"power level {level} for", room_id, user_id)


def message_content(
    body: str, *, html_body: str | None = None, notice: bool = False,
    mentions: Sequence[str] = (),
) -> dict[str, Any]:
    """An m.room.message content; `m.mentions` is always set so clients do not guess pings."""
    content: dict[str, Any] = {"msgtype": "m.notice" if notice else "m.text", "body": body}
    if html_body:
        content["format"] = HTML_FORMAT
        content["formatted_body"] = html_body
    content["m.mentions"] = {"user_ids": list(dict.fromkeys(mentions))} if mentions else {}
    return content


def mention_html(user_id: str, name: str | None = None) -> str:
    """A mention pill: clients render it as the user's name and ping them (with m.mentions)."""
    href = html.escape(f"https://matrix.to/#/{user_id}", quote=True)
    return f'<a href="{href}">{html.escape(name or user_id)}</a>'


def txn_id(*parts: str) -> str:
    """A transaction ID for a message that must be posted once: derive from journey, step and
    room (or recipient), and the same parts give the same ID in any process, so a re-run step
    gets the first event back instead of posting again. Short, URL-safe, deterministic.

    Synapse de-duplicates per access token (per device) for about a day: a new bot token, or a
    repeat days later, posts anew.
    """
    if not parts:
        raise ValueError("txn_id needs at least one part")
    joined = json.dumps(list(parts), ensure_ascii=False).encode()  # ("a,b",) != ("a", "b")
    return TXN_PREFIX + hashlib.sha256(joined).hexdigest()[:32]


async def send(
    t: Transport, budget: Budget, room_id: str, content: dict[str, Any], *,
    txn_id: str | None = None,
) -> SentMessage:
    """PUT /rooms/{room}/send/m.room.message/{txnId}. With `txn_id`, a repeat (this call's own
    retry after a dropped connection, or a later call) returns the same event and posts nothing
    new. Without, a fresh ID serves every attempt of this call only."""
    tx_id = txn_id or str(uuid.uuid4())
    resp = await t.call(
        f"send a message to {room_id}",
        lambda: t.client.room_send(room_id, "m.room.message", content, tx_id=tx_id),
        budget, idempotent=True,
    )
    logger.info("matrix message sent to %s: %s", room_id, resp.event_id)
    return SentMessage(room_id=room_id, event_id=str(resp.event_id))


async def find_dm(t: Transport, budget: Budget, user_id: str) -> str | None:
    """The newest room in the bot's m.direct for `user_id` that both still share."""
    direct = await reads.direct_rooms(t, budget)
    for room_id in reversed(direct.get(user_id, [])):
        try:
            bot_in = await reads.membership(t, budget, room_id, t.user_id)
            if bot_in is not Membership.JOIN:
                continue
            theirs = await reads.membership(t, budget, room_id, user_id)
        except (MatrixForbidden, MatrixNotFound):
            continue  # the bot left or the room is gone: not a usable DM
        if theirs in (Membership.JOIN, Membership.INVITE):
            return room_id
    return None


async def ensure_dm(
    t: Transport, budget: Budget, user_id: str, *, account_checked: bool = False
) -> DirectRoom:
    """Reuse the DM with `user_id` or create one and record it in m.direct (nio does not).
    `account_checked`: the caller has already looked the account up (not looked up again)."""
    if user_id == t.user_id:
        raise MatrixError("open a direct message", "the bot cannot message itself")
    async with t.lock("m.direct"):  # m.direct is read-modify-write: one writer at a time
        if existing := await find_dm(t, budget, user_id):
            return DirectRoom(room_id=existing, created=False)
        action = f"create a direct message room with {user_id}"
        if not account_checked and not await reads.user_exists(t, budget, user_id):
            # Synapse would invite a ghost
            raise MatrixNotFound(action, "no such user on the homeserver")
        resp = await t.call(
            action,
            lambda: t.client.room_create(
                is_direct=True, invite=[user_id], preset=nio.RoomPreset.trusted_private_chat
            ),
            budget, idempotent=False,
        )
        room_id = str(resp.room_id)
        logger.info("matrix DM room %s created for %s", room_id, user_id)
        direct = await reads.direct_rooms(t, budget)
        rooms = [r for r in direct.get(user_id, []) if r != room_id]
        direct[user_id] = [*rooms, room_id]
        await t.raw(f"record the direct message room {room_id} in m.direct", "PUT",
                    path("user", t.user_id, "account_data", "m.direct"), budget,
                    body=direct, idempotent=True)
    return DirectRoom(room_id=room_id, created=True)
