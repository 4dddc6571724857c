"""Client-side time limits for PostgreSQL: a database that stops answering must not hang a page.

A server-side `statement_timeout` does nothing when the server itself is frozen (or a network
path silently drops packets): the kernel still acknowledges TCP, so libpq waits forever. psycopg2
lets a process drive every connection through a wait callback (the hook gevent uses); this one
waits with select() and gives up after ANSWER_WITHIN seconds, closing the connection so the pool
drops it. The same callback bounds connecting.
"""

from __future__ import annotations

import select
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
import psycopg2.extensions

# Longer than any query the dashboard makes (the statement_timeout below fires first on a live
# server), short enough that a page hears of a frozen server within 15 s even when the pool's
# pre-ping and the reconnect both wait it out.
ANSWER_WITHIN = 6.0
STATEMENT_TIMEOUT_MS = 4500
CONNECT_TIMEOUT = 5

_installed = threading.Lock()
_done = False
_local = threading.local()  # .unbounded: this thread may wait as long as the server needs


class DatabaseNotAnswering(psycopg2.OperationalError):
    """The server accepted the connection but did not answer in time (closed by us)."""


@contextmanager
def unbounded() -> Iterator[None]:
    """Lift the client-side limit in this thread (migrations: long DDL, waiting for a lock)."""
    before = getattr(_local, "unbounded", False)
    _local.unbounded = True
    try:
        yield
    finally:
        _local.unbounded = before


def _wait(conn: psycopg2.extensions.connection) -> None:
    limit = float("inf") if getattr(_local, "unbounded", False) else ANSWER_WITHIN
    deadline = time.monotonic() + limit
    while True:
        state = conn.poll()
        if state == psycopg2.extensions.POLL_OK:
            return
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            # psycopg2 marks a connection whose wait callback failed as broken (closed=2), so
            # the pool throws it away; closing it here would deadlock on its own lock.
            raise DatabaseNotAnswering(
                f"server closed the connection unexpectedly: no answer within {ANSWER_WITHIN:g} s"
            )
        fd = conn.fileno()
        wait = min(remaining, 60.0)
        if state == psycopg2.extensions.POLL_READ:
            select.select([fd], [], [], wait)
        elif state == psycopg2.extensions.POLL_WRITE:
            select.select([], [fd], [], wait)
        else:  # pragma: no cover (psycopg2 has no other states)
            raise psycopg2.OperationalError(f"unexpected poll state {state}")


def install() -> None:
    """Bound every psycopg2 connection of this process (idempotent)."""
    global _done  # noqa: PLW0603 (a process-wide hook, installed once)
    with _installed:
        if not _done:
            psycopg2.extensions.set_wait_callback(_wait)
            _done = True


def connect_args() -> dict[str, object]:
    """libpq options for the app's engine: bounded connect and statements."""
    return {
        "connect_timeout": CONNECT_TIMEOUT,
        "application_name": "community-dashboard",
        "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
    }
