"""Browser: Home's overview and the Drift report on a seeded community draw their charts (Vega
canvases or SVGs), and every request the pages make stays on the dashboard (127.0.0.1): no
favicon, icon font or chart library from anywhere else. With the browser preferring dark, the
dashboard is dark; the app menu lets the person choose another theme."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Request, expect

from app.services import connections
from app.utils.config import get_settings
from tests.e2e.conftest import goto, log_in, settle
from tests.support.authentik_fake import AuthentikFake
from tests.support.insight_seed import seed
from tests.support.synapse import SynapseServer

pytestmark = [pytest.mark.browser, pytest.mark.synapse]

CHARTS = "[data-testid=stVegaLiteChart] canvas, [data-testid=stVegaLiteChart] svg"


def _background(page: Page) -> str:
    return str(page.evaluate("""() => getComputedStyle(
        document.querySelector('[data-testid=stApp]')).backgroundColor"""))


def test_overview_and_drift_report_draw_charts_and_load_nothing_from_elsewhere(
    page: Page, start_served, accounts_ready, authentik_fake: AuthentikFake,
    authentik_http_url: str, *, synapse: SynapseServer, monkeypatch: pytest.MonkeyPatch,
) -> None:
    bot = synapse.register(admin=True)
    welcome = synapse.create_room(bot, name="Welcome")
    matrix = {"MATRIX_HOMESERVER_URL": synapse.url, "MATRIX_ACCESS_TOKEN": bot.access_token,
              "MATRIX_BOT_USER_ID": bot.user_id, "MATRIX_WELCOME_ROOM_ID": welcome}
    for name, value in matrix.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    seeded = seed(authentik_fake, synapse, bot, welcome)
    connections.close_all()  # the seed's room sync is done: this process needs no Matrix client
    server = start_served(AUTHENTIK_URL=authentik_http_url,
                          AUTHENTIK_TOKEN=authentik_fake.token, **matrix)
    requested: list[str] = []

    def record(request: Request) -> None:
        requested.append(request.url)

    page.on("request", record)
    page.emulate_media(color_scheme="dark")
    goto(page, server.url)
    log_in(page, "admin")

    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.locator(CHARTS)).to_have_count(5)
    expect(page.get_by_text("Onboarding funnel")).to_be_visible()
    assert _background(page) not in ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)")
    goto(page, f"{server.url}/drift")
    expect(page.get_by_role("heading", name="Deactivated Authentik accounts still in rooms (1)"))\
        .to_be_visible()
    expect(page.get_by_role("button", name="Export CSV")).to_have_count(5)
    expect(page.locator("[role=gridcell]", has_text=seeded.gone).first).to_be_attached()
    page.emulate_media(color_scheme="light")
    page.reload()
    settle(page)
    expect(page.get_by_role("heading", name="Drift report")).to_be_visible()
    assert _background(page) == "rgb(255, 255, 255)"

    icons = page.evaluate("""() => [...document.querySelectorAll('link[rel*=icon]')]
        .map(e => e.href)""")
    # The app menu lets the person choose: Dark, although the browser prefers light.
    page.locator("[data-testid=stMainMenu]").click()
    expect(page.get_by_role("menuitemradio", name="System")).to_be_checked()
    page.get_by_role("menuitemradio", name="Dark").click()
    page.wait_for_function("""() => getComputedStyle(document.querySelector(
        '[data-testid=stApp]')).backgroundColor !== 'rgb(255, 255, 255)'""")
    hosts = {urlsplit(url).hostname for url in requested if not url.startswith("data:")}
    assert icons and {urlsplit(u).hostname for u in icons} == {"127.0.0.1"}, icons
    assert requested and hosts == {"127.0.0.1"}, sorted(
        u for u in requested if urlsplit(u).hostname != "127.0.0.1")
