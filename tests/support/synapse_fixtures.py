"""Pytest fixtures for a real Synapse: one shared relaxed server per session, more on demand.

Without matrix-synapse installed the tests using these fixtures are skipped with the reason
shown, unless REQUIRE_SYNAPSE=1 makes that a failure (CI sets it).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.utils.matrix import MatrixClient
from tests.support.synapse import (
    RateLimits,
    SynapseServer,
    TestUser,
    start_synapse,
    synapse_installed,
)
from tests.support.tcp_proxy import TcpProxy

StartSynapse = Callable[..., SynapseServer]

# Short enough that a hang fails a test quickly, long enough for a loaded 2-core machine.
CLIENT_TIMEOUT = 10.0
CLIENT_THROTTLE_WAIT = 5.0


def require_synapse() -> None:
    if synapse_installed():
        return
    reason = "matrix-synapse is not installed: pip install -r requirements-dev.txt"
    if os.environ.get("REQUIRE_SYNAPSE") == "1":
        pytest.fail(f"{reason} (REQUIRE_SYNAPSE=1)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def synapse_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StartSynapse]:
    """start(server_name=..., rate_limits="relaxed"|"default") -> a new SynapseServer, owned by
    the caller (kill it freely); every server started is stopped at session end."""
    require_synapse()
    started: list[SynapseServer] = []

    def start(*, server_name: str = "test.local", rate_limits: RateLimits = "relaxed",
              ) -> SynapseServer:
        directory: Path = tmp_path_factory.mktemp(f"synapse-{server_name}")
        server = start_synapse(directory, server_name=server_name, rate_limits=rate_limits)
        started.append(server)
        return server

    yield start
    for server in started:  # SIGTERM all first, then wait: shutdowns overlap
        server.terminate()
    for server in started:
        server.wait_stopped()
        server.close()


@pytest.fixture(scope="session")
def synapse(synapse_factory: StartSynapse) -> SynapseServer:
    """The shared homeserver (relaxed rate limits); `synapse.bot` is its admin bot user."""
    return synapse_factory(server_name="test.local")


@pytest.fixture(scope="session")
def synapse_default_limits(synapse_factory: StartSynapse) -> SynapseServer:
    """A second shared homeserver with Synapse's DEFAULT rate limits (throttling tests)."""
    return synapse_factory(server_name="limited.local", rate_limits="default")


@pytest.fixture(scope="session")
def matrix_bot(synapse: SynapseServer) -> TestUser:
    return synapse.bot


@pytest.fixture
def make_matrix_user(synapse: SynapseServer) -> Callable[..., TestUser]:
    """register(localpart=None, *, admin=False) on the shared server; unique names by default."""
    return synapse.register


def client_for(
    server: SynapseServer, user: TestUser | None = None, *, timeout: float = CLIENT_TIMEOUT,
    concurrency: int = 5, max_throttle_wait: float = CLIENT_THROTTLE_WAIT,
    via: TcpProxy | None = None,
) -> MatrixClient:
    """A MatrixClient acting as `user` (default: the server's admin bot), connecting through
    `via` when given; caller closes it."""
    who = user or server.bot
    url = f"http://{via.address}" if via is not None else server.url
    return MatrixClient(url, who.access_token, who.user_id, timeout=timeout,
                        concurrency=concurrency, max_throttle_wait=max_throttle_wait)


@pytest.fixture
def matrix_client(synapse: SynapseServer) -> Iterator[MatrixClient]:
    """The app's MatrixClient as the admin bot on the shared server, closed after the test."""
    client = client_for(synapse)
    yield client
    client.close()


@pytest.fixture
def synapse_proxy(synapse: SynapseServer) -> Iterator[TcpProxy]:
    """A TCP proxy in front of the shared server that the test controls (tests/support)."""
    with TcpProxy("127.0.0.1", synapse.port) as proxy:
        yield proxy


@pytest.fixture
def proxied_client(synapse: SynapseServer, synapse_proxy: TcpProxy) -> Iterator[MatrixClient]:
    """The admin bot's MatrixClient connecting through `synapse_proxy`, closed after the test."""
    client = client_for(synapse, via=synapse_proxy)
    yield client
    client.close()
