"""The admin's wait for one onboarding with 10 rooms, against a real Synapse.

Starts its own homeserver (relaxed rate limits) and the schema-checked Authentik fake served
over HTTP, as in production (settings from the environment). For several members it times
`onboarding.start()`: what the admin waits for after pressing "Onboard" (a journey on the
durable engine: Authentik account + password, Matrix account check, 10 room invites,
welcome-room graduation). The welcome DM runs on the background queue and is timed separately.
Target: 1.5 s or less for the admin's wait. (The same, measured in a real browser from the
click to the result on screen: `bench_browser.py`, with the other latency budgets.)

Run: `python benchmarks/bench_onboarding.py` (`make bench` runs it too).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.db import migrate  # noqa: E402 (after the path set-up)
from app.services import connections, engine, journeys, onboarding  # noqa: E402
from app.services.onboarding import OnboardingRequest  # noqa: E402
from app.utils.config import get_settings  # noqa: E402
from tests.support.authentik_fake import AuthentikFake  # noqa: E402
from tests.support.authentik_fake_http import serve_over_http  # noqa: E402
from tests.support.matrix_rooms import RequestCounter  # noqa: E402
from tests.support.synapse import start_synapse  # noqa: E402

ROOMS = 10
RUNS = 5
TARGET_SECONDS = 1.5


def check(condition: bool, what: str) -> None:
    if not condition:
        raise RuntimeError(f"benchmark run went wrong: {what}")


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-onboarding-") as tmp:
        server = start_synapse(Path(tmp) / "synapse", server_name="bench.local")
        fake = AuthentikFake()
        with serve_over_http(fake) as authentik_url:
            try:
                bot = server.bot
                welcome = server.create_room(bot, name="Welcome")
                rooms = [server.create_room(bot, name=f"Room {i}") for i in range(ROOMS)]
                os.environ.update(
                    DASHBOARD_ENV_FILE="",
                    DATABASE_URL=f"sqlite:///{tmp}/dashboard.db",
                    AUTHENTIK_URL=authentik_url,
                    AUTHENTIK_TOKEN=fake.token,
                    MATRIX_HOMESERVER_URL=server.url,
                    MATRIX_ACCESS_TOKEN=bot.access_token,
                    MATRIX_BOT_USER_ID=bot.user_id,
                    MATRIX_WELCOME_ROOM_ID=welcome,
                    WELCOME_DM_DELAY_SECONDS="1",
                )
                get_settings.cache_clear()
                migrate.upgrade()
                settings = get_settings()
                print(
                    f"Synapse {server.url} (started in {server.startup_seconds:.1f} s), "
                    f"Authentik fake {authentik_url}; MATRIX_CONCURRENCY="
                    f"{settings.matrix_concurrency}, {ROOMS} rooms per onboarding\n"
                )
                waits, dms, counts = [], [], []
                for run in range(RUNS + 1):  # run 0 warms connections and imports
                    member = server.register(f"newcomer{run}")
                    server.add_member(bot, welcome, member)
                    request = OnboardingRequest(
                        first_name="New",
                        last_name=f"Member {run}",
                        username=f"new.member{run}",
                        email=f"m{run}@example.org",
                        matrix_user_id=member.user_id,
                        room_ids=tuple(rooms),
                    )
                    with RequestCounter(connections.matrix()) as counter:
                        fake.reset_requests()
                        started = time.perf_counter()
                        result = onboarding.start(actor="bench", request=request,
                                                  submission_id=uuid.uuid4().hex)
                        waited = time.perf_counter() - started
                        matrix_requests = counter.count
                    authentik_requests = fake.count()
                    steps = {s.name: s.status for s in result.journey.steps}
                    check(all(steps[s] == "done" for s in onboarding.ADMIN_STEPS),
                          f"steps {steps}")
                    check(result.password is not None, "no password for the admin")
                    dm_started = time.perf_counter()
                    while journeys.get(result.journey.id).active:
                        time.sleep(0.05)
                    dm = time.perf_counter() - started
                    check(journeys.get(result.journey.id).status == "done", "welcome DM not done")
                    if run == 0:
                        continue
                    waits.append(waited)
                    dms.append(dm)
                    counts.append((authentik_requests, matrix_requests))
                    print(
                        f"  onboarding {run}: admin waited {waited * 1000:6.0f} ms "
                        f"({authentik_requests} Authentik + {matrix_requests} Matrix requests); "
                        f"welcome DM done {dm:4.1f} s after the click "
                        f"(background, {dm - (dm_started - started):.1f} s after the wait)"
                    )
                median = statistics.median(waits)
                print(
                    f"\nAdmin's wait, {RUNS} onboardings with {ROOMS} rooms: median "
                    f"{median * 1000:.0f} ms, min {min(waits) * 1000:.0f} ms, max "
                    f"{max(waits) * 1000:.0f} ms (target {TARGET_SECONDS:.1f} s: "
                    f"{'met' if median <= TARGET_SECONDS else 'NOT met'}). The welcome DM "
                    f"(hello, {settings.welcome_dm_delay_seconds:g} s pause, welcome) is not "
                    "part of the wait."
                )
                connections.close_all()
            finally:
                engine.shutdown()
                server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
