"""Pytest fixtures for the schema-checked Authentik fake (registered in tests/conftest.py).

- `authentik_schema`: the trimmed 2026.5.6 schema, parsed once per session.
- `authentik_fake`: a fresh AuthentikFake; fails the test at teardown if any request or
  answer broke the schema (also raised at once behind MockTransport).
- `authentik_client`: an AuthentikClient wired to the fake through MockTransport (timeout 2 s,
  2 retries, 10 ms backoff).
- `authentik_http_url`: the same fake served on http://127.0.0.1:<port>, for a subprocess.
- `authentik_env`: AUTHENTIK_URL / AUTHENTIK_PUBLIC_URL / AUTHENTIK_TOKEN pointing at that
  server, with `get_settings` re-read (for code that builds its client from settings).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.services import connections
from app.utils.authentik import AuthentikClient
from app.utils.config import get_settings
from tests.support.authentik_fake import FAKE_BASE_URL, AuthentikFake
from tests.support.authentik_fake_http import serve_over_http
from tests.support.authentik_schema import AuthentikSchema, load_schema


@pytest.fixture(scope="session")
def authentik_schema() -> AuthentikSchema:
    return load_schema()


@pytest.fixture
def authentik_fake(authentik_schema: AuthentikSchema) -> Iterator[AuthentikFake]:
    fake = AuthentikFake(schema=authentik_schema)
    yield fake
    fake.assert_no_violations()


@pytest.fixture
def authentik_client(authentik_fake: AuthentikFake) -> Iterator[AuthentikClient]:
    client = AuthentikClient(
        FAKE_BASE_URL,
        authentik_fake.token,
        transport=authentik_fake.transport,
        timeout=2,
        retries=2,
        backoff=0.01,
    )
    yield client
    client.close()


@pytest.fixture
def authentik_http_url(authentik_fake: AuthentikFake) -> Iterator[str]:
    with serve_over_http(authentik_fake) as base_url:
        yield base_url


@pytest.fixture
def authentik_env(
    monkeypatch: pytest.MonkeyPatch, authentik_fake: AuthentikFake, authentik_http_url: str
) -> Iterator[str]:
    monkeypatch.setenv("AUTHENTIK_URL", authentik_http_url)
    monkeypatch.setenv("AUTHENTIK_PUBLIC_URL", authentik_http_url)
    monkeypatch.setenv("AUTHENTIK_TOKEN", authentik_fake.token)
    get_settings.cache_clear()
    yield authentik_http_url
    get_settings.cache_clear()


AUTHENTIK_PUBLIC = "https://id.example.org"


@pytest.fixture
def authentik_installed(
    monkeypatch: pytest.MonkeyPatch,
    authentik_fake: AuthentikFake,
    authentik_client: AuthentikClient,
) -> Iterator[AuthentikFake]:
    """The fake behind the app's `connections.authentik()`, with settings pointing at it
    (invite links use AUTHENTIK_PUBLIC)."""
    monkeypatch.setenv("AUTHENTIK_URL", FAKE_BASE_URL)
    monkeypatch.setenv("AUTHENTIK_PUBLIC_URL", AUTHENTIK_PUBLIC)
    monkeypatch.setenv("AUTHENTIK_TOKEN", authentik_fake.token)
    get_settings.cache_clear()
    connections.override("authentik", authentik_client)
    yield authentik_fake
    connections.override("authentik", None)
