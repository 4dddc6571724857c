"""The process's Authentik and Matrix clients, built from settings on first use.

One Matrix client per process owns one background event loop (see app.utils.matrix); the
same holds for the app (Streamlit sessions share the process), the CLI and the tests. A client
is rebuilt when the settings it came from change (tests switch servers between cases).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar, cast

from app.utils import matrix as matrix_utils
from app.utils.authentik import AuthentikClient
from app.utils.config import Settings, get_settings
from app.utils.errors import DashboardError

if TYPE_CHECKING:
    from app.utils.matrix import MatrixClient

# The Matrix client's class is looked up when the first client is built: its module loads
# matrix-nio, which a process that never talks to Matrix (the login page) need not import.
C = TypeVar("C", AuthentikClient, "MatrixClient")

_lock = threading.Lock()
# By name ("authentik", "matrix"): the client and the settings it was built from. Each slot
# only ever holds what `_shared` built (or a test put) for that name, hence the casts below.
_clients: dict[str, tuple[tuple[object, ...], AuthentikClient | MatrixClient]] = {}
_overrides: dict[str, object] = {}


def _authentik_key(s: Settings) -> tuple[object, ...]:
    token = s.authentik_token.get_secret_value() if s.authentik_token else None
    return (str(s.authentik_url), token, s.authentik_timeout_seconds, s.authentik_ca_bundle)


def _matrix_key(s: Settings) -> tuple[object, ...]:
    token = s.matrix_access_token.get_secret_value() if s.matrix_access_token else None
    return (
        str(s.matrix_homeserver_url), token, s.matrix_bot_user_id, s.matrix_timeout_seconds,
        s.matrix_concurrency, s.matrix_max_throttle_wait_seconds,
    )


def _shared(
    name: str, key_of: Callable[[Settings], tuple[object, ...]], build: Callable[[Settings], C]
) -> C:
    if name in _overrides:
        return cast(C, _overrides[name])
    settings = get_settings()
    key = key_of(settings)
    with _lock:
        cached = _clients.get(name)
        if cached is not None and cached[0] == key:
            return cast(C, cached[1])
        client = build(settings)  # raises NotConfigured naming the missing variables
        _clients[name] = (key, client)
    if cached is not None:
        cached[1].close()
    return client


def authentik() -> AuthentikClient:
    """The Authentik client for the current settings (NotConfigured if unset)."""
    return _shared("authentik", _authentik_key, AuthentikClient.from_settings)


def matrix() -> MatrixClient:
    """The process's Matrix bot client (NotConfigured if unset)."""
    return _shared("matrix", _matrix_key, matrix_utils.MatrixClient.from_settings)


def override(name: str, client: object | None) -> None:
    """Use `client` for `name` ("authentik" or "matrix") instead of building one; None undoes.

    For tests that talk to an in-process fake through a custom transport.
    """
    if client is None:
        _overrides.pop(name, None)
    else:
        _overrides[name] = client


def close_all() -> None:
    with _lock:
        clients = [client for _, client in _clients.values()]
        _clients.clear()
    for client in clients:
        client.close()


def authentik_status() -> str:
    health = authentik().health()
    if not health.ok:
        raise DashboardError(health.message)
    return health.message


def matrix_status() -> str:
    client = matrix()
    versions = client.health()
    identity = client.check_token()
    admin = "server admin" if client.is_server_admin() else "not a server admin"
    return (
        f"homeserver answers in {versions.latency_ms:.0f} ms; bot {identity.user_id} "
        f"logged in ({admin})"
    )
