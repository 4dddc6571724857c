"""A PostgreSQL server that stops or freezes: an error within seconds, recovery without restart.

The app talks to the real test server through a TCP proxy the test controls (REFUSE: a stopped
server; FREEZE: connections stay open, nothing answers, as when the server hangs).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from app.db import timeouts
from app.db.engine import session_scope
from app.utils.config import get_settings
from tests.support.tcp_proxy import Mode, TcpProxy

pytestmark = pytest.mark.postgres


@pytest.fixture
def proxied_db(pg_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TcpProxy]:
    url = make_url(pg_db)
    with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(False)
        monkeypatch.setenv("DATABASE_URL", proxied)
        get_settings.cache_clear()
        yield proxy


def ask() -> int:
    with session_scope() as db:
        return int(db.execute(text("SELECT 1")).scalar_one())


def test_a_frozen_server_gives_an_error_within_seconds_then_recovers(proxied_db: TcpProxy):
    assert ask() == 1  # a pooled connection exists
    proxied_db.mode = Mode.FREEZE
    started = time.monotonic()
    with pytest.raises(OperationalError):
        ask()
    took = time.monotonic() - started
    assert took < timeouts.ANSWER_WITHIN + timeouts.CONNECT_TIMEOUT + 2  # bounded, not hung
    proxied_db.mode = Mode.FORWARD
    assert ask() == 1  # the pool replaced the dead connection: no restart needed


def test_a_stopped_server_gives_an_error_at_once_then_recovers(proxied_db: TcpProxy):
    assert ask() == 1
    proxied_db.mode = Mode.REFUSE
    proxied_db.kill_connections()
    started = time.monotonic()
    with pytest.raises(OperationalError):
        ask()
    assert time.monotonic() - started < timeouts.CONNECT_TIMEOUT + 2
    proxied_db.mode = Mode.FORWARD
    assert ask() == 1


def test_statements_have_a_server_side_time_limit(pg_db: str):
    with pytest.raises(OperationalError, match="statement timeout"), session_scope() as db:
        db.execute(text(f"SELECT pg_sleep({timeouts.STATEMENT_TIMEOUT_MS / 1000 + 1})"))
