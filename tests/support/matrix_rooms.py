"""Fixtures for room services against the shared Synapse: a fresh bot per test, so a sync
sees only that test's rooms, installed as the app's Matrix client.

Import the fixtures into a test module (`from tests.support.matrix_rooms import ...`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from app.services import connections
from app.utils.matrix import MatrixClient
from tests.support.synapse import SynapseServer, TestUser, free_port
from tests.support.synapse_fixtures import client_for


@contextmanager
def installed(client: MatrixClient) -> Iterator[MatrixClient]:
    """Make `client` the app's Matrix client (connections.matrix()) for the block."""
    connections.override("matrix", client)
    try:
        yield client
    finally:
        connections.override("matrix", None)


@pytest.fixture
def room_bot(synapse: SynapseServer) -> TestUser:
    """A new server-admin bot with no rooms yet."""
    return synapse.register(admin=True)


@pytest.fixture
def bot_client(synapse: SynapseServer, room_bot: TestUser, db: str) -> Iterator[MatrixClient]:
    """The app's Matrix client acting as `room_bot`, on a migrated test database."""
    client = client_for(synapse, room_bot)
    with installed(client):
        yield client
    client.close()


@pytest.fixture
def dead_client(room_bot: TestUser) -> Iterator[MatrixClient]:
    """A client for `room_bot` pointed at a port nothing listens on (homeserver down)."""
    client = MatrixClient(f"http://127.0.0.1:{free_port()}", room_bot.access_token,
                          room_bot.user_id, timeout=2, max_throttle_wait=0)
    yield client
    client.close()


MakeRoom = Callable[..., str]


@pytest.fixture
def make_room(synapse: SynapseServer, room_bot: TestUser) -> MakeRoom:
    """create_room(owner=room_bot, ...) with the shared server's helper's arguments."""

    def make(owner: TestUser | None = None, **kwargs: object) -> str:
        room = synapse.create_room(owner or room_bot, **kwargs)  # type: ignore[arg-type]
        if owner is not None and owner is not room_bot:
            synapse.invite(owner, room, room_bot.user_id)
            synapse.join(room_bot, room)
        return room

    return make


class RequestCounter:
    """Counts every HTTP request a MatrixClient sends, by method and path shape.

    Wraps the nio client's `send`, which both nio's typed methods and the client's raw requests
    (admin API, account data) go through. Use as a context manager; `count` is the total.
    """

    def __init__(self, client: MatrixClient) -> None:
        self._nio = client._t.client  # test instrumentation: the nio client inside
        self.calls: list[tuple[str, str]] = []

    def __enter__(self) -> RequestCounter:
        original = self._nio.send

        async def counting(method: str, path: str, *args: object, **kwargs: object) -> object:
            self.calls.append((method, path.split("?", 1)[0]))
            return await original(method, path, *args, **kwargs)

        self._nio.send = counting
        return self

    def __exit__(self, *exc: object) -> None:
        del self._nio.send  # back to the class's method

    @property
    def count(self) -> int:
        return len(self.calls)

    def reset(self) -> None:
        self.calls.clear()
