"""What the overview and the drift report cost: one snapshot read, then the figures.

    python benchmarks/bench_insight.py [--users 5000] [--rooms 200] [--repeat 3]

Seeds the Authentik fake (in-process, behind httpx.MockTransport: its time stands in for
Authentik's server) with `--users` accounts, and the database with a room directory of
`--rooms` rooms (a member in 3 rooms each, half of them linked to a username by a journey),
an invitation per 4 users and a moderation action per 10. Prints the Authentik requests of one
snapshot (pages of 100, Authentik's cap), the snapshot's time split into the dashboard and the
fake, and the time of every figure, the funnel and the five drift lists computed from it.
A script printing figures, not a timed test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python benchmarks/bench_insight.py` from anywhere
    sys.path.insert(0, str(ROOT))

from app.db import migrate  # noqa: E402
from app.db.engine import session_scope  # noqa: E402
from app.db.models import AuditEvent, Journey, Room, RoomMember  # noqa: E402
from app.services import connections, insight  # noqa: E402
from app.services.insight import drift, figures, funnel  # noqa: E402
from app.utils.authentik import AuthentikClient  # noqa: E402
from app.utils.config import get_settings  # noqa: E402
from app.utils.enums import AuditAction, AuditOutcome, JourneyKind  # noqa: E402
from benchmarks.bench_authentik import Probe, report  # noqa: E402
from tests.support.authentik_fake import FAKE_BASE_URL, AuthentikFake  # noqa: E402


def seed_database(usernames: list[str], rooms: int) -> None:
    now = datetime.now(UTC)
    rows: list[object] = [Room(room_id=f"!room{r}:example.org", name=f"Room {r}")
                          for r in range(rooms)]
    for n, username in enumerate(usernames):
        matrix = f"@{username}:example.org"
        rows += [RoomMember(room_id=f"!room{(n + k * 7) % rooms}:example.org", user_id=matrix)
                 for k in range(3)]
        if n % 2:
            rows.append(Journey(kind=JourneyKind.ONBOARDING, actor="admin",
                                authentik_username=username, matrix_user_id=matrix, params={},
                                created_at=now - timedelta(days=n % 180)))
        if n % 4 == 0:
            rows.append(AuditEvent(
                occurred_at=now - timedelta(days=n % 180), actor="admin",
                action=AuditAction.INVITE_LINK_CREATE, target=f"invite-{n}", member="",
                outcome=AuditOutcome.OK, details={"expires": now.isoformat()}))
        if n % 10 == 0:
            rows.append(AuditEvent(occurred_at=now - timedelta(days=n % 180), actor="admin",
                                   action=AuditAction.ROOMS_KICK, outcome=AuditOutcome.OK,
                                   details={}))
    with session_scope() as db:
        db.add_all(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=5_000)
    parser.add_argument("--rooms", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        fake = AuthentikFake()
        os.environ.update(DATABASE_URL=url, DASHBOARD_ENV_FILE="", AUTHENTIK_URL=FAKE_BASE_URL,
                          AUTHENTIK_TOKEN=fake.token)
        get_settings.cache_clear()
        migrate.upgrade(url)
        seeded = fake.seed_users(args.users)
        for n, user in enumerate(seeded):
            if n % 4 == 0 and n % 8:
                user.attributes["invitation"] = {"by": "admin", "name": f"invite-{n}"}
        seed_database([u.username for u in seeded], args.rooms)
        client = AuthentikClient(FAKE_BASE_URL, fake.token, transport=fake.transport, timeout=60)
        connections.override("authentik", client)
        probe = Probe(fake)
        report(probe, f"Snapshot: {len(fake.users)} accounts, {args.rooms} rooms",
               lambda: insight.gather(accounts=True), args.repeat)
        snap = insight.gather(accounts=True)
        computed = {
            "accounts per week (all time)": lambda: figures.accounts_per_week(snap, 0),
            "invitations per week": lambda: figures.invitations_per_week(snap, 0),
            "onboardings per week": lambda: figures.onboardings_per_week(snap, 0),
            "moderation per week": lambda: figures.moderation_per_week(snap, 0),
            "rooms by size": lambda: figures.rooms_by_size(snap),
            "funnel": lambda: funnel.funnel(snap, 0),
            "five drift lists": lambda: drift.report(snap),
        }
        print("\nFrom the snapshot (median ms):")
        for name, compute in computed.items():
            times = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                compute()
                times.append(time.perf_counter() - started)
            print(f"  {statistics.median(times) * 1000:8.1f}  {name}")
        fake.assert_no_violations()
        connections.override("authentik", None)
        client.close()


if __name__ == "__main__":
    main()
