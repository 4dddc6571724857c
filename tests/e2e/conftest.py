"""Browser tests: Debian's Chromium driven by Playwright against `python -m app serve` or a
bare `streamlit run`."""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from app.db import migrate
from app.services.accounts import create_account
from app.utils.config import get_settings
from tests.support.oidc_provider import OidcProvider
from tests.support.served_app import ServedApp
from tests.support.streamlit_server import StreamlitServer, free_port, server_env

PASSWORD = "a long enough password"
# How long a browser test waits for a condition before it fails: a bound, never a pause (a
# passing wait ends as soon as its condition holds). CI shares two cores with the servers it
# starts; a run beside five other test runs (load average 15) saw 5-20 s waits run out.
PATIENCE_MS = 90_000
expect.set_options(timeout=PATIENCE_MS)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Counts script-state changes so a test can wait for a rerun to finish (see testing notes).
SCRIPT_STATE_OBSERVER = """
window.__runs = 0;
new MutationObserver(() => {
  const app = document.querySelector('[data-testid=stApp]');
  if (!app) return;
  const state = app.getAttribute('data-test-script-state');
  if (state !== window.__lastState) { window.__lastState = state; window.__runs += 1;
    window.__changedAt = Date.now(); }
}).observe(document, {subtree: true, attributes: true, childList: true});
"""


def chromium_path() -> str | None:
    return (
        os.environ.get("CHROMIUM_PATH")
        or shutil.which("chromium")
        or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    path = chromium_path()
    if path is None:
        if os.environ.get("REQUIRE_BROWSER", "") not in ("", "0", "false"):
            pytest.fail(
                "REQUIRE_BROWSER is set but no Chromium was found (apt-get install chromium)"
            )
        pytest.skip("no Chromium found: install Debian's chromium or set CHROMIUM_PATH")
    return {**browser_type_launch_args, "executable_path": path, "args": CHROMIUM_ARGS}


def prepare(page: Page) -> Page:
    """A tab as every browser test wants it: its reruns observed, the shared patience."""
    page.add_init_script(SCRIPT_STATE_OBSERVER)
    page.set_default_timeout(PATIENCE_MS)
    return page


@pytest.fixture
def page(page: Page) -> Page:
    return prepare(page)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """A failed browser test reports what its page said then: CI keeps logs, not screenshots."""
    outcome = yield
    report = outcome.get_result()
    page = getattr(item, "funcargs", {}).get("page")
    if report.when != "call" or not report.failed or page is None:
        return
    try:
        text = page.locator("body").inner_text(timeout=5_000)
    except Exception as err:  # the page may be gone with what failed
        text = f"(the page could not be read: {err})"
    report.sections.append(("page text at failure", text[-6_000:]))


def settle(page: Page, quiet_ms: int = 400, timeout_ms: int = PATIENCE_MS) -> None:
    """Wait until the app is connected, not running, and has been quiet for `quiet_ms`."""
    page.wait_for_function(
        """(quiet) => {
          const app = document.querySelector('[data-testid=stApp]');
          return app && app.getAttribute('data-test-connection-state') === 'CONNECTED'
            && app.getAttribute('data-test-script-state') === 'notRunning'
            && Date.now() - (window.__changedAt || 0) > quiet;
        }""",
        arg=quiet_ms,
        timeout=timeout_ms,
    )


ROW_MARKER_X = 20  # st.dataframe's selection checkbox column at the table's left edge
HEADER_AND_HALF_ROW = 35 + 17  # the header row, then the middle of the first row


def find_and_select(page: Page, username: str) -> None:
    """In the users directory: search for `username`, wait until the table shows that one
    match (a click on the table before the search's rerun lands would select a row of the old
    table, and the rerun drops it), then tick its row and wait for the selection bar."""
    search = page.get_by_role("textbox", name="Search")
    search.fill(username)
    search.press("Enter")
    expect(page.get_by_text(re.compile(r"^1 users match"))).to_be_visible(timeout=PATIENCE_MS)
    expect(page.locator("[role=gridcell]", has_text=username).first).to_be_attached(
        timeout=PATIENCE_MS)
    settle(page)
    grid = page.locator("[data-testid=stDataFrame]").first
    box = grid.bounding_box()
    assert box is not None
    # st.dataframe draws on a canvas: click the first row's selection box where it is drawn.
    page.mouse.click(box["x"] + ROW_MARKER_X, box["y"] + HEADER_AND_HALF_ROW)
    expect(page.get_by_text(re.compile(rf"^1 selected: {re.escape(username)}"))).to_be_visible(
        timeout=PATIENCE_MS)
    settle(page)


def goto(page: Page, url: str) -> None:
    page.goto(url)
    settle(page)


def browser_cookie(page: Page, name: str = "cd_session") -> dict | None:
    """A cookie as the browser holds it (HttpOnly ones included), or None."""
    return next((c for c in page.context.cookies() if c["name"] == name), None)


def wait_for_cookie(
    page: Page, present: bool = True, timeout_s: float = PATIENCE_MS / 1000
) -> dict | None:
    """Poll the browser's cookie jar until the login cookie is there (or gone)."""
    deadline = time.monotonic() + timeout_s
    while True:
        cookie = browser_cookie(page)
        if (cookie is not None) == present:
            return cookie
        if time.monotonic() > deadline:
            raise AssertionError(f"cd_session still {'missing' if present else 'there'}")
        page.wait_for_timeout(50)


def session_cookie(page: Page) -> str:
    """The login cookie, once the browser has it: it is set a moment after the run that logged
    in (by our route, or under bare `streamlit run` by the cookie component), and a reload
    before that is a fresh, logged-out page."""
    return wait_for_cookie(page)["value"]  # type: ignore[index]


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in", exact=True).click()
    settle(page)
    session_cookie(page)


def expect_login_page(page: Page) -> None:
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)


@pytest.fixture
def e2e_db(isolated_settings) -> str:
    """A migrated SQLite file shared by the test process and the server process."""
    url = get_settings().database_url
    migrate.upgrade(url)
    return url


@pytest.fixture
def start_server(e2e_db, tmp_path) -> Iterator[Callable[..., StreamlitServer]]:
    servers: list[StreamlitServer] = []

    def start(**extra_env: str) -> StreamlitServer:
        log = tmp_path / f"streamlit-{len(servers)}.log"
        server = StreamlitServer(env=server_env(e2e_db, **extra_env), log_path=log)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def start_served(e2e_db, tmp_path) -> Iterator[Callable[..., ServedApp]]:
    """`start()` runs `python -m app serve`: the st.App with our cookie routes (no SSO)."""
    servers: list[ServedApp] = []

    def start(**extra_env: str) -> ServedApp:
        n = len(servers)
        server = ServedApp(
            env=server_env(e2e_db, **extra_env),
            log_path=tmp_path / f"served-{n}.log",
            generated_dir=tmp_path / f"generated-{n}",
        )
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def accounts_ready(e2e_db) -> None:
    create_account(actor="test", username="admin", password=PASSWORD, role="admin")
    create_account(actor="test", username="mod", password=PASSWORD, role="moderator")


# -- SSO: the test OpenID Connect provider and servers started like `python -m app serve` ---
SSO_CLIENT_ID = "community-dashboard"
SSO_CLIENT_SECRET = "client secret of the test provider"
SSO_COOKIE_SECRET = "cookie secret of the browser tests, long enough"


@pytest.fixture
def oidc_provider() -> Iterator[OidcProvider]:
    with OidcProvider() as provider:
        yield provider


@pytest.fixture
def start_sso_server(e2e_db, tmp_path, oidc_provider) -> Iterator[Callable[..., ServedApp]]:
    """`start()` runs `python -m app serve` with OIDC_* pointing at the test provider, which
    gets the server's callback registered as its redirect URI."""
    servers: list[ServedApp] = []

    def start(**extra_env: str) -> ServedApp:
        port = free_port()
        callback = f"http://127.0.0.1:{port}/oauth2callback"
        oidc_provider.add_client(SSO_CLIENT_ID, SSO_CLIENT_SECRET, [callback])
        env = server_env(
            e2e_db,
            OIDC_CLIENT_ID=SSO_CLIENT_ID,
            OIDC_CLIENT_SECRET=SSO_CLIENT_SECRET,
            OIDC_SERVER_METADATA_URL=oidc_provider.metadata_url,
            OIDC_REDIRECT_URI=callback,
            OIDC_COOKIE_SECRET=SSO_COOKIE_SECRET,
            NO_PROXY="127.0.0.1,localhost",
            **extra_env,
        )
        n = len(servers)
        server = ServedApp(
            env=env,
            log_path=tmp_path / f"served-{n}.log",
            port=port,
            generated_dir=tmp_path / f"generated-{n}",
        )
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()
