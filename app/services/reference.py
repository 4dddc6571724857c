"""Reference data read once per process for a short time: Authentik's groups and enrollment
flow, which pickers and checks need on almost every rerun but which change rarely.

A value is kept REFERENCE_TTL seconds, then read again (a change made in Authentik's own admin
shows within that time). Any change the dashboard itself sends through the client (a write:
POST, PUT, PATCH, DELETE) drops what was kept at once, as does a new client (new settings).
`Stamp` lets a page keep other reads (a page of the users directory, the invitation list)
across its reruns on the same terms.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar, cast

from app.services import connections
from app.utils.authentik import AuthentikClient
from app.utils.authentik.models import Flow, Group

T = TypeVar("T")
REFERENCE_TTL = 60.0  # seconds

_lock = threading.Lock()
_kept: dict[object, tuple[Stamp, object]] = {}


@dataclass(frozen=True)
class Stamp:
    """When and against which client state a value was read."""

    client: weakref.ref[AuthentikClient]  # a new client (new settings) makes it stale
    writes: int
    read_at: float

    @classmethod
    def now(cls, client: AuthentikClient | None = None) -> Stamp:
        client = client or connections.authentik()
        return cls(weakref.ref(client), client.writes, time.monotonic())

    def fresh(self, client: AuthentikClient | None = None) -> bool:
        """Read less than REFERENCE_TTL ago, and nothing changed through this process's client
        since."""
        client = client or connections.authentik()
        return (
            self.client() is client
            and client.writes == self.writes
            and time.monotonic() - self.read_at < REFERENCE_TTL
        )


def cached(key: object, load: Callable[[AuthentikClient], T]) -> T:
    """The value kept under `key` while fresh, else `load(client)` (then kept)."""
    client = connections.authentik()
    with _lock:
        kept = _kept.get(key)
    if kept is not None and kept[0].fresh(client):
        return cast(T, kept[1])
    stamp = Stamp.now(client)  # taken before the read: a change during it makes it stale
    value = load(client)
    with _lock:
        _kept[key] = (stamp, value)
    return value


def groups() -> list[Group]:
    """Every Authentik group (all pages)."""
    return cached("groups", lambda client: list(client.iter_groups(page_size=500)))


def enrollment_flow(configured_slug: str | None) -> Flow:
    """The flow invite links use (see AuthentikClient.enrollment_flow)."""
    return cached(("enrollment flow", configured_slug),
                  lambda client: client.enrollment_flow(configured_slug))
