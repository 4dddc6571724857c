"""Take the README's screenshots: the real app against a throwaway Synapse and the Authentik fake.

Run: `python docs/make_screenshots.py` (needs the dev requirements and Debian's chromium).
Writes docs/screenshots/*.png.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright

from app.db import migrate
from app.services.accounts import create_account
from app.utils.config import get_settings
from demo import world as demo_world
from demo.dashboard import load_rooms
from tests.e2e.conftest import CHROMIUM_ARGS, SCRIPT_STATE_OBSERVER, chromium_path, settle
from tests.support.authentik_fake import AuthentikFake
from tests.support.authentik_fake_http import serve_over_http
from tests.support.streamlit_server import StreamlitServer, server_env
from tests.support.synapse import SynapseServer, start_synapse

OUT = ROOT / "docs" / "screenshots"
PASSWORD = "a long enough password"


def shot(page: Page, url: str, name: str, *, before: Callable[[], None] | None = None) -> None:
    page.goto(url)
    settle(page)
    if before:
        before()
        settle(page, quiet_ms=800)
    page.screenshot(path=OUT / f"{name}.png", full_page=before is not None)
    print(f"wrote docs/screenshots/{name}.png")


def build_world(server: SynapseServer, fake: AuthentikFake, authentik_url: str, tmp: str) -> dict:
    """The demo's rooms and members (`make demo`), users and a dashboard admin; returns the
    app's environment."""
    fake.seed_users(240)
    for name in ("members", "volunteers", "dashboard-moderators"):
        fake.add_group(name)
    world = demo_world.build(server)
    env = {
        "AUTHENTIK_URL": authentik_url,
        "AUTHENTIK_TOKEN": fake.token,
        "MATRIX_HOMESERVER_URL": server.url,
        "MATRIX_ACCESS_TOKEN": world.bot.access_token,
        "MATRIX_BOT_USER_ID": world.bot.user_id,
        "MATRIX_WELCOME_ROOM_ID": world.welcome_room_id,
    }
    os.environ.update(DASHBOARD_ENV_FILE="", DATABASE_URL=f"sqlite:///{tmp}/dashboard.db", **env)
    get_settings.cache_clear()
    migrate.upgrade()
    create_account(
        actor="docs", username="admin", password=PASSWORD, role="admin", display_name="Alex Admin"
    )
    load_rooms(world, actor="admin")
    return {**env, "SPAMMER": world.members["spammer"].user_id}


def take(app_url: str, spammer: str) -> None:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.add_init_script(SCRIPT_STATE_OBSERVER)
        shot(page, app_url, "login")
        page.get_by_role("textbox", name="Username").fill("admin")
        page.get_by_role("textbox", name="Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Log in", exact=True).click()
        settle(page)
        page.wait_for_function("document.cookie.includes('cd_session=')")
        shot(page, app_url, "home")

        def onboarding() -> None:
            page.get_by_role("textbox", name="First name").fill("Ada")
            page.get_by_role("textbox", name="Last name").fill("Lovelace")
            page.get_by_role("textbox", name="Interests").fill("hiking, plants")
            page.get_by_role("textbox", name="Interests").press("Tab")

        def offboarding() -> None:
            page.get_by_role("textbox", name="Matrix user ID").fill(spammer)
            page.get_by_role("button", name="Preview").click()

        shot(page, f"{app_url}/onboard", "onboard", before=onboarding)
        shot(page, f"{app_url}/offboard", "offboard", before=offboarding)
        for name in ("users", "rooms", "audit"):
            shot(page, f"{app_url}/{name}", name)
        browser.close()


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="screenshots-") as tmp:
        server = start_synapse(Path(tmp) / "synapse", server_name="example.org")
        fake = AuthentikFake()
        with serve_over_http(fake) as authentik_url:
            try:
                env = build_world(server, fake, authentik_url, tmp)
                spammer = env.pop("SPAMMER")
                app = StreamlitServer(
                    env=server_env(os.environ["DATABASE_URL"], **env),
                    log_path=Path(tmp) / "app.log",
                ).start()
                try:
                    take(app.url, spammer)
                finally:
                    app.stop()
            finally:
                server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
