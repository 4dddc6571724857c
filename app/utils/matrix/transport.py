"""One Matrix request, made safe: a timeout, nio error objects turned into typed errors,
throttling waited out only within a budget, and a lost answer (the request went out) told apart
from a refused connection (nothing did). Runs on the client's loop thread only."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import quote

import aiohttp
import nio

from app.utils.matrix.errors import (
    MatrixConnectionLost,
    MatrixError,
    MatrixRefused,
    MatrixThrottled,
    MatrixUnreachable,
    error_from_body,
    matrix_error,
)

logger = logging.getLogger(__name__)

R = TypeVar("R", bound=nio.Response)
T = TypeVar("T")

CLIENT_V3 = "/_matrix/client/v3"
# A dropped keep-alive connection is common and harmless to retry for idempotent requests.
CONNECTION_RETRY_DELAY = 0.2


class Budget:
    """Limits shared by one operation or one bulk run.

    Throttling is waited out only until `max_throttle_wait` seconds after the budget was made, so
    a bulk run never waits longer than that in total. Once a request finds the homeserver
    unreachable, the rest of the run fails fast instead of timing out item by item (a change
    whose answer was lost counts only when its re-read fails too: `settle`).
    """

    def __init__(self, max_throttle_wait: float) -> None:
        self._throttle_deadline = time.monotonic() + max_throttle_wait
        self.unreachable: MatrixUnreachable | None = None

    def may_wait(self, seconds: float) -> bool:
        return time.monotonic() + seconds <= self._throttle_deadline


def path(*parts: str, base: str = CLIENT_V3) -> str:
    """A URL path with every part percent-encoded (IDs contain '!', '#', ':' and '@')."""
    return base + "".join("/" + quote(part, safe="") for part in parts)


class Transport:
    """Sends requests through one nio.AsyncClient, which it owns."""

    def __init__(self, client: nio.AsyncClient, *, timeout: float) -> None:
        self.client = client
        self.timeout = timeout
        self._locks: dict[str, asyncio.Lock] = {}
        # Each room's m.room.create event, once read: it never changes (room v12 creators).
        self.create_events: dict[str, dict[str, Any]] = {}

    @property
    def user_id(self) -> str:
        user_id: str = self.client.user_id  # set by MatrixClient._open, never None
        return user_id

    def lock(self, key: str) -> asyncio.Lock:
        """A lock serialising read-modify-write updates (power levels of a room, m.direct)."""
        return self._locks.setdefault(key, asyncio.Lock())

    async def call(
        self,
        action: str,
        request: Callable[[], Awaitable[R]],
        budget: Budget,
        *,
        idempotent: bool,
    ) -> R:
        """Run a nio method; return its response or raise a typed MatrixError."""

        async def once() -> R:
            return checked(action, await request())

        return await self._retrying(action, once, budget, idempotent=idempotent)

    async def raw(
        self,
        action: str,
        method: str,
        url_path: str,
        budget: Budget,
        *,
        body: dict[str, Any] | None = None,
        auth: bool = True,
        idempotent: bool,
    ) -> Any:
        """A request nio has no method for (admin API, account data); returns parsed JSON."""
        headers = {"Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = f"Bearer {self.client.access_token}"
        data = json.dumps(body) if body is not None else None

        async def once() -> Any:
            response = await self.client.send(method, url_path, data, headers)
            try:
                text = await response.text()
            finally:
                response.release()
            try:
                parsed = json.loads(text) if text else {}
            except ValueError:
                parsed = None
            if response.status >= 400:
                raise error_from_body(action, response.status, parsed, response.headers)
            if parsed is None:
                raise MatrixError(action, f"the answer was not JSON (HTTP {response.status})")
            return parsed

        return await self._retrying(action, once, budget, idempotent=idempotent)

    async def _retrying(
        self,
        action: str,
        once: Callable[[], Awaitable[T]],
        budget: Budget,
        *,
        idempotent: bool,
    ) -> T:
        connection_retries = 1 if idempotent else 0
        while True:
            if budget.unreachable is not None:
                raise MatrixUnreachable(action, "not attempted: the homeserver stopped answering")
            try:
                return await asyncio.wait_for(once(), self.timeout)
            except MatrixThrottled as err:
                if not budget.may_wait(err.retry_after):
                    logger.warning("matrix %s: throttled, retry after %.1f s exceeds the budget",
                                   action, err.retry_after)
                    raise
                logger.info("matrix %s: throttled, waiting %.1f s", action, err.retry_after)
                await asyncio.sleep(err.retry_after)
            except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as err:
                # No connection was made: nothing was sent, so the request had no effect.
                if connection_retries > 0:
                    connection_retries -= 1
                    await asyncio.sleep(CONNECTION_RETRY_DELAY)
                    continue
                raise self._unreachable(action, err, budget) from err
            except TimeoutError as err:  # includes aiohttp's ServerTimeoutError
                raise self._lost(action, f"no answer within {self.timeout:.0f} s", budget,
                                 idempotent=idempotent, timed_out=True) from err
            except (aiohttp.ClientError, OSError) as err:
                if connection_retries > 0:
                    connection_retries -= 1
                    await asyncio.sleep(CONNECTION_RETRY_DELAY)
                    continue
                raise self._lost(action, f"the connection dropped after sending ({_text(err)})",
                                 budget, idempotent=idempotent) from err

    @staticmethod
    def _unreachable(action: str, err: BaseException, budget: Budget) -> MatrixUnreachable:
        """No connection: refused (or no such host) says so; a connect timeout is "no answer"."""
        if isinstance(err, aiohttp.ConnectionTimeoutError):
            error = MatrixUnreachable(action, f"no connection within the timeout ({_text(err)})")
        else:
            error = MatrixRefused(action, f"no connection ({_text(err)})")
        budget.unreachable = budget.unreachable or error
        logger.warning("matrix %s: homeserver unreachable (%s)", action, error.detail)
        return error

    @staticmethod
    def _lost(
        action: str, detail: str, budget: Budget, *, idempotent: bool, timed_out: bool = False
    ) -> MatrixConnectionLost:
        """The request went out and no answer came back. An idempotent request has had its
        retry, so the homeserver counts as unreachable for the rest of the run; a
        non-idempotent one is settled by its caller (`settle`), which decides that."""
        error = MatrixConnectionLost(action, detail, timed_out=timed_out)
        if idempotent:
            budget.unreachable = budget.unreachable or error
        logger.warning("matrix %s: answer lost (%s)", action, detail)
        return error


def checked(action: str, response: R) -> R:
    """nio returns error objects instead of raising, and treats some failed answers (a 502 with
    no JSON body, a 403 on a state event) as successes: check both the type and the status."""
    transport = getattr(response, "transport_response", None)
    http_status = getattr(transport, "status", None)
    if isinstance(response, nio.ErrorResponse):
        raise matrix_error(
            action,
            errcode=response.status_code,
            message=response.message,
            http_status=http_status,
            retry_after_ms=response.retry_after_ms,
        )
    if http_status is not None and http_status >= 400:
        content = getattr(response, "content", None)
        headers = getattr(transport, "headers", None)
        raise error_from_body(action, http_status, content, headers)
    return response


def _text(err: BaseException) -> str:
    return str(err) or type(err).__name__

