"""A database that stops answering mid-session: a clear message on the page within seconds
(never Streamlit's exception box), and the page works again without a restart."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import make_url

from app.db import timeouts
from app.main import DATABASE_DOWN
from app.services.accounts import create_account
from app.utils.config import get_settings
from tests.support.tcp_proxy import Mode, TcpProxy
from tests.ui.conftest import PASSWORD, counted, log_in, new_app

pytestmark = pytest.mark.postgres


@pytest.fixture
def proxied(pg_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TcpProxy]:
    url = make_url(pg_db)
    create_account(actor="test", username="admin", password=PASSWORD, role="admin")
    with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        monkeypatch.setenv("DATABASE_URL",
                           url.set(port=proxy.port).render_as_string(hide_password=False))
        get_settings.cache_clear()
        yield proxy


@pytest.mark.parametrize("fault", [Mode.FREEZE, Mode.REFUSE])
def test_a_page_says_the_database_is_down_then_recovers(proxied: TcpProxy, fault: Mode) -> None:
    at = log_in(new_app().run(), "admin")
    assert not at.exception and at.session_state["account"].username == "admin"
    proxied.mode = fault
    proxied.kill_connections()
    started = time.monotonic()
    at.run(timeout=2 * timeouts.ANSWER_WITHIN + 10)
    assert time.monotonic() - started < 15  # a message within 15 s, not a hang
    assert not at.exception
    assert [e.value for e in at.error] == [DATABASE_DOWN]
    proxied.mode = Mode.FORWARD
    counted(at)  # the overview's count may have failed with the database: counted again
    assert not at.exception and not at.error
    assert at.session_state["account"].username == "admin"  # the same session, no restart
