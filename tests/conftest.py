"""Fixture plugins shared by the whole suite; each lives in tests/support/ beside its helpers."""

import pytest

from app.services import connections

pytest_plugins = [
    "tests.support.auth_fixtures",
    "tests.support.authentik_fixtures",
    "tests.support.db_fixtures",
    "tests.support.journey_env",
    "tests.support.synapse_fixtures",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last. pytest-playwright's sync API keeps an event loop running in the
    main thread for the rest of the session, where `asyncio.run` and the durable engine's
    synchronous calls refuse to run; everything else goes first, in its usual order."""
    items.sort(key=lambda item: "/tests/e2e/" in str(item.path))


@pytest.fixture(scope="session", autouse=True)
def _close_shared_clients():
    """The process's shared Authentik and Matrix clients, closed when the suite ends (else
    aiohttp reports an unclosed session from its finaliser, after logging has shut down)."""
    yield
    connections.close_all()
