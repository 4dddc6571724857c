"""AppTest: every message says what to do next. Home names the address a redirecting
AUTHENTIK_URL points to and one cause for a refused homeserver; Moderators says why its
power-level section is not shown; disabled buttons say why."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from streamlit.testing.v1 import AppTest

from app.services import connections
from app.utils.config import get_settings
from app.utils.state import SessionKey
from tests.support.synapse import free_port
from tests.ui.conftest import log_in, new_app, plain

MOVED_TO = "https://auth.example.test"


class _Moved(BaseHTTPRequestHandler):
    """What a web server in front of Authentik answers on plain http: go to https."""

    def do_GET(self) -> None:
        self.send_response(301)
        self.send_header("Location", f"{MOVED_TO}{self.path}")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:  # quiet test output
        pass


@pytest.fixture
def redirecting_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Moved)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    """The pages build the process's clients from these tests' settings: close them after."""
    yield
    connections.close_all()


def use(monkeypatch: pytest.MonkeyPatch, **env: str) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()


def test_home_names_the_address_a_redirecting_authentik_url_points_to(
    admin_account, redirecting_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    use(monkeypatch, AUTHENTIK_URL=redirecting_server, AUTHENTIK_TOKEN="some-token")
    at = log_in(new_app().run(), "admin")
    assert not at.exception
    captions = " ".join(plain(c.value) for c in at.caption)
    assert "answered 301 Moved Permanently" in captions
    assert f"to {MOVED_TO}/api/v3/root/config/" in captions
    assert f"set AUTHENTIK_URL to {MOVED_TO}, then restart the dashboard." in captions


def test_home_gives_one_cause_for_a_homeserver_that_refuses_connections(
    admin_account, monkeypatch: pytest.MonkeyPatch
) -> None:
    use(monkeypatch, MATRIX_HOMESERVER_URL=f"http://127.0.0.1:{free_port()}",
        MATRIX_ACCESS_TOKEN="some-token", MATRIX_BOT_USER_ID="@bot:example.test",
        MATRIX_TIMEOUT_SECONDS="3")
    at = log_in(new_app().run(), "admin")
    matrix = next(plain(c.value) for c in at.caption if "homeserver" in plain(c.value).lower())
    assert "no connection" in matrix
    assert "Check that the homeserver is running and that MATRIX_HOMESERVER_URL" in matrix
    assert "in time" not in matrix and "did not answer" not in matrix


def test_home_says_to_restart_after_setting_an_integration(admin_account) -> None:
    at = log_in(new_app().run(), "admin")
    captions = [plain(c.value) for c in at.caption]
    assert "set AUTHENTIK_URL, AUTHENTIK_TOKEN, then restart the dashboard" in captions


def moderators(at: AppTest) -> AppTest:
    return at.switch_page("app/pages/moderators.py").run()


def test_moderators_says_why_power_levels_are_not_shown_without_matrix(admin_account) -> None:
    at = moderators(log_in(new_app().run(), "admin"))
    assert not at.exception and not at.error
    said = plain(at.info[0].value)
    assert "Matrix is not configured: set MATRIX_HOMESERVER_URL" in said
    assert "then restart the dashboard" in said
    assert "power levels in rooms cannot be set here" in said
    assert "Power level" not in [n.label for n in at.number_input]


def test_moderators_says_to_link_a_matrix_id_before_power_levels(
    admin_account, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Configured: building the client sends no request, so no homeserver is needed here.
    use(monkeypatch, MATRIX_HOMESERVER_URL=f"http://127.0.0.1:{free_port()}",
        MATRIX_ACCESS_TOKEN="some-token", MATRIX_BOT_USER_ID="@bot:example.test")
    at = moderators(log_in(new_app().run(), "admin"))
    assert not at.exception and not at.info
    captions = " ".join(plain(c.value) for c in at.caption)
    assert "Power levels in rooms: save admin's Matrix user ID above first." in captions
    made = next(b for b in at.button if b.label == "Make admin")
    assert made.disabled and made.help == "Disabled: admin is admin already."
    assert not next(b for b in at.button if b.label == "Make moderator").disabled


def test_disabled_send_and_invite_buttons_say_why(
    admin_account, monkeypatch: pytest.MonkeyPatch
) -> None:
    use(monkeypatch, MATRIX_HOMESERVER_URL=f"http://127.0.0.1:{free_port()}",
        MATRIX_ACCESS_TOKEN="some-token", MATRIX_BOT_USER_ID="@bot:example.test")
    at = log_in(new_app().run(), "admin")
    at.switch_page("app/pages/room_invites.py").run()
    invite = at.button(key=SessionKey.INVITE_ROOMS_SUBMIT)
    assert invite.disabled and invite.help == "Disabled: choose at least one room above."
    at.switch_page("app/pages/messaging.py").run()
    send = at.button(key=SessionKey.MESSAGING_SEND)
    assert send.disabled and send.help == "Disabled: choose at least one room above."
