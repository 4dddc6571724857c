"""The Matrix client the dashboard uses: sync methods over one nio.AsyncClient on one loop thread.

Construct one per process (the app wraps it in st.cache_resource; the CLI and tests construct it
plainly). Every call is bounded: a dead or hanging homeserver gives MatrixUnreachable within the
timeout, throttling is waited out only up to `max_throttle_wait`, then reported. Single actions
raise typed errors (`errors`); bulk actions never raise for remote failures and return one
RoomOutcome per room, in the order given.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, TypeVar

import nio

from app.utils.errors import InputError, NotConfigured
from app.utils.matrix import actions, reads
from app.utils.matrix import ids as matrix_ids
from app.utils.matrix.actions import message_content
from app.utils.matrix.bulk import OutcomeT, run_bulk_sync
from app.utils.matrix.errors import (
    MatrixError,
    MatrixForbidden,
    MatrixUnreachable,
)
from app.utils.matrix.runner import GRACE_SECONDS, LoopThread
from app.utils.matrix.transport import Budget, Transport
from app.utils.matrix.values import (
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
    from app.utils.config import Settings

logger = logging.getLogger(__name__)

T = TypeVar("T")

MAX_POWER_LEVEL = 2**53 - 1  # canonical JSON integer range


class MatrixClient:
    """The bot's connection to its homeserver. Thread-safe; close() once at shutdown."""

    def __init__(
        self,
        homeserver: str,
        access_token: str,
        user_id: str,
        *,
        timeout: float = 15,
        concurrency: int = 5,
        max_throttle_wait: float = 10,
    ) -> None:
        url = homeserver.strip().rstrip("/")
        if not url.startswith(("https://", "http://")):
            raise InputError("MATRIX_HOMESERVER_URL", "must start with https:// (or http://)")
        if not access_token.strip():
            raise InputError("MATRIX_ACCESS_TOKEN", "is empty")
        if timeout <= 0 or concurrency < 1 or max_throttle_wait < 0:
            raise ValueError("timeout > 0, concurrency >= 1 and max_throttle_wait >= 0 required")
        self.homeserver = url
        self.user_id = matrix_ids.user_id(user_id, field="MATRIX_BOT_USER_ID")
        self.timeout = float(timeout)
        self.concurrency = int(concurrency)
        self.max_throttle_wait = float(max_throttle_wait)
        self._is_admin: bool | None = None
        self._power_seen: dict[str, tuple[float, PowerLevels]] = {}  # room -> (read at, levels)
        self._runner = LoopThread()
        self._t = self._runner.run(self._open(access_token.strip()), timeout=self.timeout,
                                   action="start the Matrix client")

    async def _open(self, access_token: str) -> Transport:
        """Made on the loop thread. nio must fail fast: by default it retries 429s and
        connection errors forever, which hangs the caller."""
        config = nio.AsyncClientConfig(
            max_limit_exceeded=0, max_timeouts=0, request_timeout=self.timeout
        )
        client = nio.AsyncClient(self.homeserver, self.user_id, config=config)
        client.user_id = self.user_id
        client.access_token = access_token  # set directly: restore_login would load a store
        return Transport(client, timeout=self.timeout)

    @classmethod
    def from_settings(cls, settings: Settings) -> MatrixClient:
        token = settings.matrix_access_token
        if (missing := settings.matrix_missing) or token is None:
            raise NotConfigured("Matrix", missing or ["MATRIX_ACCESS_TOKEN"])
        return cls(
            str(settings.matrix_homeserver_url),
            token.get_secret_value(),
            str(settings.matrix_bot_user_id),
            timeout=settings.matrix_timeout_seconds,
            concurrency=settings.matrix_concurrency,
            max_throttle_wait=settings.matrix_max_throttle_wait_seconds,
        )

    def close(self) -> None:
        """Close the HTTP session and stop the loop thread. Idempotent."""
        if not self._runner.closed:
            self._runner.close(self._t.client.close(), timeout=self.timeout)

    def __enter__(self) -> MatrixClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:  # never the token
        return f"MatrixClient({self.homeserver!r}, user_id={self.user_id!r})"

    # --- the bot and the server -------------------------------------------------------------

    def health(self) -> ServerHealth:
        """GET /_matrix/client/versions (no token); raises MatrixUnreachable when down."""
        return self._one("reach the homeserver", lambda b: reads.health(self._t, b))

    def whoami(self) -> Identity:
        return self._one("check the bot's access token", lambda b: reads.whoami(self._t, b))

    def check_token(self) -> Identity:
        """whoami, and the token must belong to the configured bot user."""
        identity = self.whoami()
        if identity.user_id != self.user_id:
            raise MatrixError("check the bot's access token",
                              f"it belongs to {identity.user_id}, not to {self.user_id}",
                              errcode="TOKEN_USER_MISMATCH")
        return identity

    def user_exists(self, user_id: str) -> bool:
        """Whether the homeserver knows `user_id` (Synapse accepts invites to unknown users)."""
        user = matrix_ids.user_id(user_id)
        return self._one(f"look up {user}", lambda b: reads.user_exists(self._t, b, user))

    def is_server_admin(self) -> bool:
        """Whether the bot is a Synapse server admin (cached once known)."""
        if self._is_admin is None:
            self._is_admin = self._one("check whether the bot is a server admin",
                                       lambda b: reads.is_server_admin(self._t, b))
        return self._is_admin

    def admin_joined_rooms(self, user_id: str) -> list[str]:
        """Every room `user_id` is joined to on this server (Synapse admin API)."""
        user = matrix_ids.user_id(user_id)
        action = f"list the rooms of {user}"
        if not self.is_server_admin():
            raise MatrixForbidden(action, "the bot is not a server admin")
        return self._one(action, lambda b: reads.admin_joined_rooms(self._t, b, user))

    # --- rooms ------------------------------------------------------------------------------

    def joined_rooms(self) -> list[str]:
        return self._one("list the bot's rooms", lambda b: reads.joined_rooms(self._t, b))

    def resolve_room(self, room: str) -> str:
        """A room ID for an ID or an alias (#name:server)."""
        ref = matrix_ids.room_ref(room)
        if matrix_ids.is_room_id(ref):
            return ref
        return self._one(f"resolve {ref}", lambda b: reads.resolve_alias(self._t, b, ref))

    def room_info(self, room: str) -> RoomInfo:
        room_id = self.resolve_room(room)

        async def run(budget: Budget) -> RoomInfo:
            direct = await reads.direct_rooms(self._t, budget)
            flat = frozenset(r for rooms in direct.values() for r in rooms)
            return await reads.room_info(self._t, budget, room_id, direct=flat)

        return self._one(f"read {room_id}", run)

    def rooms_info(
        self, rooms: Iterable[str], *,
        on_outcome: Callable[[RoomLookup[RoomInfo]], None] | None = None,
    ) -> list[RoomLookup[RoomInfo]]:
        """Room facts for the room sync, one lookup per room (m.direct is read once)."""
        room_ids = matrix_ids.room_ids(rooms)
        shared: dict[str, asyncio.Task[dict[str, list[str]]]] = {}

        async def item(room_id: str, budget: Budget) -> RoomLookup[RoomInfo]:
            if "direct" not in shared:
                shared["direct"] = asyncio.ensure_future(reads.direct_rooms(self._t, budget))
            direct = await asyncio.shield(shared["direct"])
            flat = frozenset(r for rs in direct.values() for r in rs)
            info = await reads.room_info(self._t, budget, room_id, direct=flat)
            return RoomLookup(room_id, Status.DONE, value=info)

        return self._bulk("read rooms", room_ids, item, RoomLookup, on_outcome)

    def joined_members(self, room_id: str) -> list[Member]:
        room = matrix_ids.room_id(room_id)
        return self._one(f"list members of {room}",
                         lambda b: reads.joined_members(self._t, b, room))

    def membership(self, *, room_id: str, user_id: str) -> Membership:
        room, user = matrix_ids.room_id(room_id), matrix_ids.user_id(user_id)
        return self._one(f"read the membership of {user} in {room}",
                         lambda b: reads.membership(self._t, b, room, user))

    def memberships(
        self, *, user_id: str, rooms: Iterable[str],
        on_outcome: Callable[[RoomLookup[Membership]], None] | None = None,
    ) -> list[RoomLookup[Membership]]:
        """Live membership of one user in many rooms (verify before removing)."""
        user, room_ids = matrix_ids.user_id(user_id), matrix_ids.room_ids(rooms)

        async def item(room_id: str, budget: Budget) -> RoomLookup[Membership]:
            value = await reads.membership(self._t, budget, room_id, user)
            return RoomLookup(room_id, Status.DONE, value=value)

        return self._bulk(f"read memberships of {user}", room_ids, item, RoomLookup, on_outcome)

    def power_levels(self, room_id: str, *, max_age: float = 0.0) -> PowerLevels:
        """The room's power levels, read live; with `max_age`, as read by this client within
        that many seconds (a removal right after its preview), if they were."""
        room = matrix_ids.room_id(room_id)
        seen = self._power_seen.get(room)
        if seen is not None and time.monotonic() - seen[0] < max_age:
            return seen[1]
        levels = self._one(f"read power levels of {room}",
                           lambda b: reads.power_levels(self._t, b, room))
        self._power_seen[room] = (time.monotonic(), levels)
        return levels

    def forget_power_levels(self, room_id: str) -> None:
        """The next power_levels(room_id) reads live whatever its max_age (after a refusal)."""
        self._power_seen.pop(room_id, None)

    # --- actions ----------------------------------------------------------------------------

    def invite(self, *, room_id: str, user_id: str) -> RoomOutcome:
        room, user = matrix_ids.room_id(room_id), matrix_ids.user_id(user_id)
        return self._one(f"invite {user} to {room}",
                         lambda b: actions.invite(self._t, b, room, user))

    def invite_many(
        self, *, user_id: str, rooms: Iterable[str],
        on_outcome: Callable[[RoomOutcome], None] | None = None,
    ) -> list[RoomOutcome]:
        user = matrix_ids.user_id(user_id)
        return self._bulk(f"invite {user}", matrix_ids.room_ids(rooms),
                          lambda room, b: actions.invite(self._t, b, room, user),
                          RoomOutcome, on_outcome)

    def kick(self, *, room_id: str, user_id: str, reason: str = "") -> RoomOutcome:
        room, user = matrix_ids.room_id(room_id), matrix_ids.user_id(user_id)
        return self._one(f"remove {user} from {room}",
                         lambda b: actions.kick(self._t, b, room, user, reason))

    def kick_many(
        self, *, user_id: str, rooms: Iterable[str], reason: str = "",
        on_outcome: Callable[[RoomOutcome], None] | None = None,
        known: Mapping[str, Membership] | None = None,
    ) -> list[RoomOutcome]:
        """Kick in each room; `known`: memberships the caller has just read live, per room
        (those rooms are not read again)."""
        user, seen = matrix_ids.user_id(user_id), known or {}
        return self._bulk(f"remove {user}", matrix_ids.room_ids(rooms),
                          lambda room, b: actions.kick(self._t, b, room, user, reason,
                                                       known=seen.get(room)),
                          RoomOutcome, on_outcome)

    def ban(self, *, room_id: str, user_id: str, reason: str = "") -> RoomOutcome:
        room, user = matrix_ids.room_id(room_id), matrix_ids.user_id(user_id)
        return self._one(f"ban {user} from {room}",
                         lambda b: actions.ban(self._t, b, room, user, reason))

    def ban_many(
        self, *, user_id: str, rooms: Iterable[str], reason: str = "",
        on_outcome: Callable[[RoomOutcome], None] | None = None,
        known: Mapping[str, Membership] | None = None,
    ) -> list[RoomOutcome]:
        """Ban in each room; `known` as for kick_many."""
        user, seen = matrix_ids.user_id(user_id), known or {}
        return self._bulk(f"ban {user}", matrix_ids.room_ids(rooms),
                          lambda room, b: actions.ban(self._t, b, room, user, reason,
                                                      known=seen.get(room)),
                          RoomOutcome, on_outcome)

    def unban_many(
        self, *, user_id: str, rooms: Iterable[str],
        on_outcome: Callable[[RoomOutcome], None] | None = None,
    ) -> list[RoomOutcome]:
        user = matrix_ids.user_id(user_id)
        return self._bulk(f"unban {user}", matrix_ids.room_ids(rooms),
                          lambda room, b: actions.unban(self._t, b, room, user),
                          RoomOutcome, on_outcome)

    def set_power_level(self, *, room_id: str, user_id: str, level: int) -> RoomOutcome:
        room, user, lvl = matrix_ids.room_id(room_id), matrix_ids.user_id(user_id), _level(level)
        self.forget_power_levels(room)
        return self._one(f"set the power level of {user} in {room}",
                         lambda b: actions.set_power_level(self._t, b, room, user, lvl))

    def set_power_level_many(
        self, *, user_id: str, rooms: Iterable[str], level: int,
        on_outcome: Callable[[RoomOutcome], None] | None = None,
    ) -> list[RoomOutcome]:
        user, lvl, room_ids = matrix_ids.user_id(user_id), _level(level), matrix_ids.room_ids(rooms)
        for room in room_ids:
            self.forget_power_levels(room)
        return self._bulk(f"set the power level of {user}", room_ids,
                          lambda room, b: actions.set_power_level(self._t, b, room, user, lvl),
                          RoomOutcome, on_outcome)

    # --- messages ---------------------------------------------------------------------------

    def send_message(
        self, room_id: str, body: str, *, html_body: str | None = None, notice: bool = False,
        mentions: Sequence[str] = (), txn_id: str | None = None,
    ) -> SentMessage:
        """Send m.text (or m.notice) with optional HTML (e.g. a mention_html pill). Any notice
        suffix is the caller's to append. Plaintext even in encrypted rooms (no e2e here).

        With `txn_id` (see `txn_id(...)`: derive it from journey, step and room), the same call
        repeated returns the first event and posts nothing new; a dropped connection is retried
        once with the same ID, which is safe. If no answer comes at all, MatrixConnectionLost
        says the message may be posted: the same call again settles it. Without `txn_id`, each
        call posts anew (its own retries share one fresh ID)."""
        room = matrix_ids.room_id(room_id)
        txn = matrix_ids.transaction_id(txn_id) if txn_id is not None else None
        content = message_content(body, html_body=html_body, notice=notice,
                                  mentions=matrix_ids.mentions(mentions))
        return self._one(f"send a message to {room}",
                         lambda b: actions.send(self._t, b, room, content, txn_id=txn))

    def send_many(
        self, rooms: Iterable[str], body: str, *, html_body: str | None = None,
        notice: bool = False, mentions: Sequence[str] = (),
        txn_ids: Mapping[str, str] | None = None,
        on_outcome: Callable[[RoomOutcome], None] | None = None,
    ) -> list[RoomOutcome]:
        """The same message to many rooms; a done outcome's reason holds the event ID.
        `txn_ids` (room ID -> transaction ID, one for every room, each its own) make a repeat
        post nothing new, as in send_message."""
        room_ids = matrix_ids.room_ids(rooms)
        txns = matrix_ids.transaction_ids(room_ids, txn_ids) if txn_ids is not None else {}
        content = message_content(body, html_body=html_body, notice=notice,
                                  mentions=matrix_ids.mentions(mentions))

        async def item(room_id: str, budget: Budget) -> RoomOutcome:
            sent = await actions.send(self._t, budget, room_id, content,
                                      txn_id=txns.get(room_id))
            return RoomOutcome(room_id, Status.DONE, sent.event_id)

        return self._bulk("send a message", room_ids, item, RoomOutcome, on_outcome)

    def find_dm(self, user_id: str) -> str | None:
        user = matrix_ids.user_id(user_id)
        return self._one(f"find the direct message room with {user}",
                         lambda b: actions.find_dm(self._t, b, user))

    def ensure_dm(self, user_id: str) -> DirectRoom:
        user = matrix_ids.user_id(user_id)
        return self._one(f"open a direct message with {user}",
                         lambda b: actions.ensure_dm(self._t, b, user))

    def send_dm(
        self, user_id: str, body: str, *, html_body: str | None = None, notice: bool = False,
        mentions: Sequence[str] = (), txn_id: str | None = None, account_checked: bool = False,
    ) -> SentMessage:
        """Reuse or create the DM with `user_id`, then send; `txn_id` as in send_message
        (derive it from journey, step and user: the DM room is found or made here).
        `account_checked`: the caller has looked the account up already (a journey's step)."""
        user = matrix_ids.user_id(user_id)
        txn = matrix_ids.transaction_id(txn_id) if txn_id is not None else None
        content = message_content(body, html_body=html_body, notice=notice,
                                  mentions=matrix_ids.mentions(mentions))

        async def run(budget: Budget) -> SentMessage:
            dm = await actions.ensure_dm(self._t, budget, user, account_checked=account_checked)
            return await actions.send(self._t, budget, dm.room_id, content, txn_id=txn)

        return self._one(f"send a direct message to {user}", run)

    # --- running on the loop ----------------------------------------------------------------

    @property
    def _op_limit(self) -> float:
        """One operation is a few requests, each bounded by `timeout`, plus throttle waits;
        an action whose answer was lost adds one re-read."""
        return 3 * self.timeout + self.max_throttle_wait

    def _one(self, action: str, make: Callable[[Budget], Awaitable[T]]) -> T:
        limit = self._op_limit

        async def run() -> T:
            try:
                return await asyncio.wait_for(make(Budget(self.max_throttle_wait)), limit)
            except TimeoutError as err:
                raise MatrixUnreachable(action, f"no result within {limit:.0f} s") from err
            except MatrixError as err:
                logger.info("matrix %s failed: %s %s", action, err.errcode, err.detail)
                raise

        return self._runner.run(run(), timeout=limit + GRACE_SECONDS, action=action)

    def _bulk(
        self,
        action: str,
        room_ids: list[str],
        item: Callable[[str, Budget], Awaitable[OutcomeT]],
        outcome: Callable[[str, Status, str], OutcomeT],
        on_outcome: Callable[[OutcomeT], None] | None,
    ) -> list[OutcomeT]:
        return run_bulk_sync(
            self._runner, action=action, room_ids=room_ids, item=item, outcome=outcome,
            concurrency=self.concurrency, max_throttle_wait=self.max_throttle_wait,
            item_limit=self._op_limit, on_outcome=on_outcome,
        )


def _level(level: int) -> int:
    if isinstance(level, bool) or not isinstance(level, int) or abs(level) > MAX_POWER_LEVEL:
        raise InputError("Power level", f"must be a whole number, got {level!r}")
    return level
