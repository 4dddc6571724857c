"""The admin's waits, measured in a real browser against the real parts, with their budgets.

Starts its own Synapse (relaxed rate limits), the schema-checked Authentik fake over HTTP
seeded with 10,000 users, and the dashboard as operators start it (`python -m app serve`, a
subprocess on SQLite), then drives Debian's Chromium with Playwright and times what the admin
waits for, from the click (or the process start) to the settled result on screen:

    cold start to the login form   <= 4 s     login to Home                <= 1 s
    page switch                    <= 0.5 s   a form rerun                 <= 0.3 s
    onboarding, 10 rooms           <= 1.5 s   offboarding preview          <= 1 s
    users directory (10,000 users), one page view                         <= 0.5 s

"Settled" is a DOM condition, never a sleep: a script run that started after the click has
finished (`data-test-script-state` back to `notRunning`) and the expected element is there.
The wait ends at the page's last change once it is quiet: a second rerun counts in it.

Run: `python benchmarks/bench_browser.py` (`make bench` runs it too); `BENCH_ONLY=onboarding`
(a comma list of cold, logins, directory, onboarding, offboarding) measures a part of it.
Needs /usr/bin/chromium (or CHROMIUM_PATH). Figures vary with the machine's load: each budget
gets a median and range.
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Browser, Locator, Page, sync_playwright  # noqa: E402

from app.db import migrate  # noqa: E402 (after the path set-up)
from app.services import connections, rooms  # noqa: E402
from app.services.accounts import create_account  # noqa: E402
from app.utils.config import get_settings  # noqa: E402
from tests.e2e.conftest import CHROMIUM_ARGS, chromium_path  # noqa: E402
from tests.support.authentik_fake import AuthentikFake  # noqa: E402
from tests.support.authentik_fake_http import serve_over_http  # noqa: E402
from tests.support.served_app import ServedApp  # noqa: E402
from tests.support.streamlit_server import server_env  # noqa: E402
from tests.support.synapse import SynapseServer, TestUser, start_synapse  # noqa: E402

ROOMS = 10
USERS = 10_000
COLD_STARTS = int(os.environ.get("BENCH_COLD_STARTS", "3"))
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
PARTS = ("cold", "logins", "directory", "onboarding", "offboarding")
ONLY = [p for p in os.environ.get("BENCH_ONLY", ",".join(PARTS)).split(",") if p]
PASSWORD = "benchmark password, long enough"
CATEGORY = "Benchmark"
TIMEOUT_MS = 60_000
COUNT_TIMEOUT_MS = 300_000  # the overview's count of 10,000 accounts through the fake
QUIET_MS = 400
PAGE_NUMBER = re.compile(r"page (\d+) of")
SCREENSHOT = Path(tempfile.gettempdir()) / "bench-browser-failure.png"

# Times each transition of the app's script state and the last change to the page, in the
# page's clock (Date.now()).
OBSERVER = """
window.__doneAt = 0; window.__startedAt = 0; window.__changedAt = 0; window.__last = null;
new MutationObserver(() => {
  window.__changedAt = Date.now();
  const app = document.querySelector('[data-testid=stApp]');
  if (!app) return;
  const state = app.getAttribute('data-test-script-state');
  if (state === window.__last) return;
  window.__last = state;
  if (state === 'running') window.__startedAt = Date.now();
  if (state === 'notRunning') window.__doneAt = Date.now();
}).observe(document, {subtree: true, attributes: true, childList: true});
"""
# The app is connected and idle, and answered what happened at t0: a run started since then
# has finished, or (a run too quick for the page to show "running") the page changed since
# then and has been quiet for the quiet period.
FINISHED_SINCE = """([t0, quiet]) => {
  const app = document.querySelector('[data-testid=stApp]');
  const idle = app && app.getAttribute('data-test-connection-state') === 'CONNECTED'
    && app.getAttribute('data-test-script-state') === 'notRunning';
  const ran = window.__startedAt >= t0 && window.__doneAt >= window.__startedAt;
  const changed = window.__changedAt > t0 && Date.now() - window.__changedAt > quiet;
  return idle && (ran || changed);
}"""
IDLE_FOR = """(quiet) => {
  const app = document.querySelector('[data-testid=stApp]');
  return app && app.getAttribute('data-test-script-state') === 'notRunning'
    && Date.now() - Math.max(window.__doneAt, window.__startedAt, window.__changedAt) > quiet;
}"""


@dataclass
class Budget:
    name: str
    seconds: float
    measured: list[float] = field(default_factory=list)

    def line(self) -> str:
        if not self.measured:
            return f"  {self.name:<44} budget {self.seconds:4.2f} s  not measured"
        median = statistics.median(self.measured)
        verdict = "met" if median <= self.seconds else "NOT met"
        return (
            f"  {self.name:<44} budget {self.seconds:4.2f} s  median {median:5.2f} s "
            f"(range {min(self.measured):.2f}-{max(self.measured):.2f}, n={len(self.measured)})"
            f"  {verdict}"
        )


BUDGETS = {
    "cold": Budget("cold start to login form", 4.0),
    "first_login": Budget("first login to Home (fresh process)", 1.0),
    "login": Budget("login to Home (later logins)", 1.0),
    "switch": Budget("page switch", 0.5),
    "rerun": Budget("a form rerun (Onboard: tick a box)", 0.3),
    "onboard": Budget(f"onboarding, {ROOMS} rooms, click to result", 1.5),
    "offboard": Budget(f"offboarding preview ({ROOMS} rooms)", 1.0),
    "directory_open": Budget(f"users directory opened ({USERS:,} users)", 0.5),
    "directory_page": Budget(f"users directory next page ({USERS:,} users)", 0.5),
}


def settle(page: Page) -> None:
    """Idle for the quiet period (between measurements, not part of any)."""
    page.wait_for_function(IDLE_FOR, arg=QUIET_MS, timeout=TIMEOUT_MS)


def timed(page: Page, act: Callable[[], None], ready: Locator) -> float:
    """Seconds from `act` to the settled result: a run started after it has finished and
    `ready` is visible; a further run within the quiet period extends the wait."""
    settle(page)
    t0 = page.evaluate("Date.now()")
    act()
    page.wait_for_function(FINISHED_SINCE, arg=[t0, QUIET_MS], timeout=TIMEOUT_MS, polling=10)
    ready.wait_for(state="visible", timeout=TIMEOUT_MS)
    settle(page)
    # The last change the answer made: the run's end or the page's last update after it.
    done = page.evaluate("Math.max(window.__doneAt, window.__changedAt)")
    return float(done - t0) / 1000


def new_page(browser: Browser) -> Page:
    page = browser.new_context().new_page()
    page.add_init_script(OBSERVER)
    page.set_default_timeout(TIMEOUT_MS)
    return page


def log_in(page: Page) -> float:
    page.get_by_role("textbox", name="Username").fill("admin")
    page.get_by_role("textbox", name="Password", exact=True).fill(PASSWORD)
    return timed(
        page,
        lambda: page.get_by_role("button", name="Log in", exact=True).click(),
        page.get_by_text("Signed in as admin"),
    )


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    page.get_by_role("heading", name="Log in").wait_for()
    settle(page)


HEADINGS = {"Home": "Community Dashboard"}  # where a page's heading is not its title


def open_page(page: Page, title: str) -> float:
    return timed(
        page,
        lambda: page.get_by_role("link", name=title, exact=True).click(),
        page.get_by_role("heading", name=HEADINGS.get(title, title), exact=True),
    )


@dataclass
class World:
    synapse: SynapseServer
    fake: AuthentikFake
    env: dict[str, str]
    database_url: str
    tmp: Path
    welcome: str
    room_ids: list[str]
    leaving: TestUser  # in all the rooms: the offboarding preview's member
    started: list[ServedApp] = field(default_factory=list)

    def start_app(self) -> tuple[ServedApp, float]:
        n = len(self.started)
        app = ServedApp(
            env=server_env(self.database_url, **self.env),
            log_path=self.tmp / f"served-{n}.log",
            generated_dir=self.tmp / f"generated-{n}",
        )
        self.started.append(app)
        began = time.perf_counter()
        app.start(timeout=120)
        return app, began


def prepare(synapse: SynapseServer, fake: AuthentikFake, authentik_url: str, tmp: Path) -> World:
    bot = synapse.bot
    welcome = synapse.create_room(bot, name="Welcome")
    room_ids = [synapse.create_room(bot, name=f"Bench room {i}") for i in range(ROOMS)]
    leaving = synapse.register("leaving")
    for room in room_ids:
        synapse.add_member(bot, room, leaving)
    database_url = f"sqlite:///{tmp}/dashboard.db"
    env = {
        "AUTHENTIK_URL": authentik_url,
        "AUTHENTIK_TOKEN": fake.token,
        "MATRIX_HOMESERVER_URL": synapse.url,
        "MATRIX_ACCESS_TOKEN": bot.access_token,
        "MATRIX_BOT_USER_ID": bot.user_id,
        "MATRIX_WELCOME_ROOM_ID": welcome,
        "WELCOME_DM_DELAY_SECONDS": "1",
    }
    os.environ.update(DASHBOARD_ENV_FILE="", DATABASE_URL=database_url, **env)
    get_settings.cache_clear()
    migrate.upgrade()
    create_account(actor="bench", username="admin", password=PASSWORD, role="admin")
    rooms.sync_rooms(actor="bench")
    for room in room_ids:
        rooms.set_room_tags(actor="bench", room_id=room, categories=[CATEGORY], keywords=[])
    connections.close_all()
    return World(synapse, fake, env, database_url, tmp, welcome, room_ids, leaving)


def cold_starts(world: World, browser: Browser) -> ServedApp:
    """Process start to the login form, then the first login, on fresh processes."""
    for run in range(COLD_STARTS):
        if run:
            world.started[-1].stop()
        app, began = world.start_app()
        page = new_page(browser)
        page.goto(app.url)
        page.get_by_role("heading", name="Log in").wait_for(timeout=TIMEOUT_MS)
        BUDGETS["cold"].measured.append(time.perf_counter() - began)
        settle(page)
        BUDGETS["first_login"].measured.append(log_in(page))
        page.context.close()
    return world.started[-1]


SWITCHED_TO = ("Rooms", "Audit log", "Journeys", "Home")
SWITCHES: dict[str, list[float]] = {}  # page switches by the page opened


def logins_and_switches(page: Page) -> None:
    """A process in use: measured once the overview's first count (started by the first login,
    10,000 accounts read through the schema-checking fake, which shares the CPU) is done."""
    page.get_by_text("As of ", exact=False).first.wait_for(timeout=COUNT_TIMEOUT_MS)
    settle(page)
    for _ in range(RUNS):
        log_out(page)
        BUDGETS["login"].measured.append(log_in(page))
    for _ in range(RUNS):
        for title in SWITCHED_TO:
            seconds = open_page(page, title)
            BUDGETS["switch"].measured.append(seconds)
            SWITCHES.setdefault(title, []).append(seconds)


def directory(page: Page) -> None:
    for _ in range(RUNS):
        BUDGETS["directory_open"].measured.append(open_page(page, "Users directory"))
        pager = page.get_by_text(f"{USERS + 1} users match")  # and akadmin
        shown = int(PAGE_NUMBER.findall(pager.inner_text())[0])  # kept from the last visit
        BUDGETS["directory_page"].measured.append(timed(
            page,
            lambda: page.get_by_role("button", name="Next").click(),
            page.get_by_text(f"page {shown + 1} of"),
        ))
        open_page(page, "Home")


def onboarding(world: World, page: Page) -> None:
    open_page(page, "Onboard member")
    for run in range(RUNS + 1):  # run 0 warms the engine and the connections
        member = world.synapse.register()
        world.synapse.add_member(world.synapse.bot, world.welcome, member)
        page.get_by_role("textbox", name="First name").fill("Bench")
        page.get_by_role("textbox", name="Last name").fill(f"Member{run}")
        timed(page, lambda: page.get_by_role("textbox", name="Last name").press("Tab"),
              page.get_by_role("textbox", name="Username"))
        page.get_by_role("textbox", name="Email").fill(f"bench{run}@example.org")
        typed = page.get_by_role("textbox", name="Matrix user ID")
        typed.fill(member.user_id)
        timed(page, partial(typed.press, "Tab"), typed)
        if not page.get_by_text(f"{ROOMS} room(s) chosen.").is_visible():
            page.get_by_role("combobox", name="All rooms of these categories").click()
            page.get_by_role("option", name=CATEGORY).click()
            page.keyboard.press("Escape")
            page.get_by_text(f"{ROOMS} room(s) chosen.").wait_for()
        box = page.get_by_text("Keep them in the welcome room this time")
        BUDGETS["rerun"].measured.append(timed(page, box.click, box))
        timed(page, box.click, box)  # back off: the member graduates
        wait = timed(
            page,
            lambda: page.get_by_role("button", name="Onboard", exact=True).click(),
            page.get_by_role("button", name="Done: hide it"),
        )
        if not page.get_by_text(f"Member{run}").first.is_visible():
            raise RuntimeError("the onboarding result is not on screen")
        if run:
            BUDGETS["onboard"].measured.append(wait)
        timed(page, page.get_by_role("button", name="Done: hide it").click,
              page.get_by_role("button", name="Onboard", exact=True))


def offboarding_preview(world: World, page: Page) -> None:
    open_page(page, "Offboard member")
    page.get_by_role("textbox", name="Authentik username").fill("member00001")
    page.get_by_role("textbox", name="Matrix user ID").fill(world.leaving.user_id)
    page.get_by_role("textbox", name="Matrix user ID").press("Tab")
    for _ in range(RUNS):
        BUDGETS["offboard"].measured.append(timed(
            page,
            lambda: page.get_by_role("button", name="Preview").click(),
            page.get_by_role("button", name="Offboard now"),
        ))


def main() -> int:
    if unknown := set(ONLY) - set(PARTS):
        print(f"BENCH_ONLY: no part {', '.join(sorted(unknown))}; the parts: {', '.join(PARTS)}")
        return 2
    executable = chromium_path()
    if executable is None:
        print("no Chromium: install Debian's chromium or set CHROMIUM_PATH")
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-browser-") as name:
        tmp = Path(name)
        synapse = start_synapse(tmp / "synapse", server_name="bench.local")
        fake = AuthentikFake()
        fake.seed_users(USERS)
        for group in ("Members", "Volunteers", "Board"):
            fake.add_group(group)
        try:
            with serve_over_http(fake) as authentik_url, sync_playwright() as playwright:
                world = prepare(synapse, fake, authentik_url, tmp)
                browser = playwright.chromium.launch(executable_path=executable,
                                                     args=CHROMIUM_ARGS)
                page = new_page(browser)
                try:
                    app = cold_starts(world, browser) if "cold" in ONLY else world.start_app()[0]
                    page.goto(app.url)
                    page.get_by_role("heading", name="Log in").wait_for()
                    log_in(page)
                    for part, measure in (("logins", logins_and_switches),
                                          ("directory", directory),
                                          ("onboarding", partial(onboarding, world)),
                                          ("offboarding", partial(offboarding_preview, world))):
                        if part in ONLY:
                            measure(page)
                except Exception:
                    page.screenshot(path=str(SCREENSHOT), full_page=True)
                    print(f"benchmark stopped; the page at that moment: {SCREENSHOT}")
                    raise
                finally:
                    browser.close()
                    for started in world.started:
                        started.stop()
        finally:
            synapse.stop()
            report()
    return 0


def report() -> None:
    print(f"\nBrowser latency budgets (Chromium, `python -m app serve` on SQLite, real Synapse, "
          f"Authentik fake with {USERS:,} users; {os.cpu_count()} CPUs):")
    for budget in BUDGETS.values():
        print(budget.line())
        if budget is BUDGETS["switch"]:
            for title, seconds in SWITCHES.items():
                print(f"    to {title:<16} median {statistics.median(seconds):5.2f} s")


if __name__ == "__main__":
    sys.exit(main())
