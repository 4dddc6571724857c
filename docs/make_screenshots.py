"""Take the README's screenshots: the real app against a throwaway Synapse and the Authentik fake.

Run: `python docs/make_screenshots.py` (needs the dev requirements and Debian's chromium).
Writes docs/screenshots/*.png. The community has half a year of history (accounts, invitations,
onboardings, moderation) so that the overview and the drift report have something to show.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright

from app.db import migrate
from app.db.engine import session_scope
from app.db.models import AuditEvent, Journey
from app.services import case_file, connections, engine, sanctions
from app.services.accounts import create_account
from app.services.users import bulk_actions
from app.utils.config import get_settings
from app.utils.enums import AuditAction, AuditOutcome, JourneyKind, JourneyStatus
from demo import world as demo_world
from demo.dashboard import load_rooms
from tests.e2e.conftest import CHROMIUM_ARGS, SCRIPT_STATE_OBSERVER, chromium_path, settle
from tests.support.authentik_fake import AuthentikFake
from tests.support.authentik_fake_http import serve_over_http
from tests.support.streamlit_server import StreamlitServer, server_env
from tests.support.synapse import SynapseServer, TestUser, start_synapse

OUT = ROOT / "docs" / "screenshots"
PASSWORD = "a long enough password"
CHARTS = "[data-testid=stVegaLiteChart] canvas, [data-testid=stVegaLiteChart] svg"


def shot(page: Page, url: str, name: str, *, before: Callable[[], None] | None = None) -> None:
    page.goto(url)
    settle(page)
    if before:
        before()
        settle(page, quiet_ms=800)
    page.screenshot(path=OUT / f"{name}.png", full_page=before is not None)
    print(f"wrote docs/screenshots/{name}.png")


WEEK = timedelta(weeks=1)
MODERATION = (AuditAction.ROOMS_KICK, AuditAction.ROOMS_BAN, AuditAction.SANCTION_IMPOSE,
              AuditAction.REMOVAL_ROOM_REMOVAL)


def _event(when: datetime, action: str, actor: str, target: str = "",
           details: dict | None = None) -> AuditEvent:
    return AuditEvent(occurred_at=when, actor=actor, action=action, target=target, member="",
                      outcome=AuditOutcome.OK, details=details or {})


def history(fake: AuthentikFake, server: SynapseServer, welcome: str, ids: dict[str, str],
            spammer: TestUser) -> None:
    """Half a year: accounts joining faster lately (every 11th since deactivated), invitations
    by two admins (most used, some expired, a few revoked), onboardings that linked Matrix
    accounts to rooms, and a few moderation actions a week."""
    now = datetime.now(UTC)
    members = [u for u in fake.users.values() if u.username.startswith("member")]
    for i, user in enumerate(members):
        user.date_joined = now - WEEK * int(25 * (1 - (i / len(members)) ** 0.5))
        user.is_active = i % 11 != 5
    rows: list[object] = []
    recent = [u for u in members if u.date_joined > now - 12 * WEEK][::2]
    for n, user in enumerate(recent[:60]):
        by, name = ("admin", "sam")[n % 2], f"invite-{n:02d}"
        made = user.date_joined - timedelta(days=2)
        rows.append(_event(made, AuditAction.INVITE_LINK_CREATE, by, name,
                           {"expires": (made + WEEK).isoformat(), "invite_ref": f"ref-{n}"}))
        if n % 6:  # five in six are used
            user.attributes["invitation"] = {"by": by, "name": name}
    for n in range(14):  # never used: expired, or revoked
        made, name = now - WEEK * (n % 10) - timedelta(days=3), f"unused-{n:02d}"
        rows.append(_event(made, AuditAction.INVITE_LINK_CREATE, "sam", name,
                           {"expires": (made + timedelta(days=1)).isoformat(),
                            "invite_ref": f"ref-unused-{n}"}))
        if n % 4 == 0:
            rows.append(_event(made, AuditAction.INVITE_LINK_REVOKE, "sam", name,
                               {"invite_ref": f"ref-unused-{n}"}))
    fake.add_invitation("summer-picnic", expires=now - timedelta(days=3),
                        fixed_data={"attributes.invitation.by": "sam"})
    used = [u for u in recent[:60] if "invitation" in u.attributes]
    for n, user in enumerate(used[:24]):
        matrix = server.register(f"{user.username}")
        if n % 5:
            server.add_member(server.bot, list(ids.values())[n % len(ids)], matrix)
        if n % 3 == 0:
            server.add_member(server.bot, welcome, matrix)
        status = JourneyStatus.FAILED if n % 7 == 3 else JourneyStatus.DONE
        rows.append(Journey(kind=JourneyKind.ONBOARDING, actor="admin", status=status,
                            created_at=user.date_joined, authentik_username=user.username,
                            matrix_user_id=matrix.user_id, params={}))
    gone = fake.add_user("mallory", name="Mallory", is_active=False)
    rows.append(Journey(kind=JourneyKind.ONBOARDING, actor="admin", status=JourneyStatus.DONE,
                        created_at=now - 20 * WEEK, authentik_username=gone.username,
                        matrix_user_id=spammer.user_id, params={}))
    for week in range(26):
        for k in range(week % 4):
            rows.append(_event(now - WEEK * week - timedelta(hours=k), MODERATION[k], "admin"))
    with session_scope() as db:
        db.add_all(rows)


def section_shot(page: Page, url: str, name: str, *, heading: str,
                 before: Callable[[], None]) -> None:
    """From `heading` to the end of the page: Streamlit scrolls inside its own container, so
    a full-page screenshot stops at the window; a window tall enough holds it all."""
    size = page.viewport_size
    page.set_viewport_size({"width": 1280, "height": 3600})
    page.goto(url)
    settle(page)
    before()
    settle(page, quiet_ms=800)
    top = page.get_by_role("heading", name=heading, exact=True).bounding_box()
    body = page.locator("[data-testid=stMainBlockContainer]").bounding_box()
    if top is None or body is None:
        raise RuntimeError(f"no heading {heading!r} on {url}")
    bottom = page.evaluate("""() => Math.max(...[...document.querySelectorAll(
        '[data-testid=stMainBlockContainer] [data-testid=stElementContainer]')]
        .map(e => e.getBoundingClientRect().bottom))""")
    page.screenshot(path=OUT / f"{name}.png", clip={
        "x": body["x"] - 24, "y": top["y"] - 16, "width": body["width"] + 48,
        "height": bottom - top["y"] + 40})
    if size:
        page.set_viewport_size(size)
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
        "TWO_PERSON_RULE": "bulk",
    }
    os.environ.update(DASHBOARD_ENV_FILE="", DATABASE_URL=f"sqlite:///{tmp}/dashboard.db", **env)
    get_settings.cache_clear()
    migrate.upgrade()
    create_account(
        actor="docs", username="admin", password=PASSWORD, role="admin", display_name="Alex Admin"
    )
    create_account(actor="docs", username="sam", password=PASSWORD, role="admin",
                   display_name="Sam Second")
    spammer = world.members["spammer"]
    rooms = {n: r for n, r in world.room_ids.items() if r != world.welcome_room_id}
    history(fake, server, world.welcome_room_id, rooms, spammer)
    load_rooms(world, actor="admin")
    moderation_records(rooms, spammer)
    connections.close_all()
    return {**env, "SPAMMER": spammer.user_id}


def moderation_records(ids: dict[str, str], spammer: TestUser) -> None:
    """A timed mute (the engine holds its timer; the app's engine takes it over), a case note,
    and a bulk deactivation waiting for a second admin (TWO_PERSON_RULE=bulk)."""
    engine.launch()
    sanctions.impose(actor="admin", user_id=spammer.user_id, room_ids=[ids["Python"]],
                     kind="mute", duration=timedelta(days=3),
                     reason="Flooding the room with links")
    case_file.add_note(actor="admin", subject=spammer.user_id,
                       body="Second warning in a week; muted in Python for three days.")
    engine.shutdown()
    users = [bulk_actions.Selected(u.pk, u.username)
             for u in connections.authentik().iter_users(search="member00")][:12]
    bulk_actions.request_bulk(actor="sam", action="deactivate", users=users,
                              submission_id="docs-screenshot-bulk")


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
        for name in ("users", "rooms", "audit", "sanctions", "approvals"):
            shot(page, f"{app_url}/{name}", name)
        member = urlencode({"member": "mallory", "matrix": spammer})
        section_shot(page, f"{app_url}/case-file?{member}", "case-file", heading="Case files",
                     before=lambda: None)

        def charts() -> None:
            page.wait_for_function(f"document.querySelectorAll('{CHARTS}').length >= 5")

        def funnel_step() -> None:
            charts()
            grid = page.locator("[data-testid=stDataFrame]").first.bounding_box()
            if grid is None:
                raise RuntimeError("the funnel's table is not on the page")
            page.mouse.click(grid["x"] + 18, grid["y"] + 35 * 4 + 17)  # "Matrix ID linked"
            page.get_by_text("Stuck at").wait_for()

        section_shot(page, app_url, "overview", heading="Overview", before=funnel_step)
        section_shot(page, f"{app_url}/drift", "drift", heading="Drift report",
                     before=lambda: None)
        page.emulate_media(color_scheme="dark")  # the browser prefers dark: so does the page
        section_shot(page, app_url, "overview-dark", heading="Overview", before=charts)
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
