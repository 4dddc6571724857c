"""Authentik requests and server-side time of the Users directory, through the fake.

    python benchmarks/bench_authentik.py [--users 10000] [--repeat 5]

Prints, for a directory page view (what the Users page asks for on each run: the group list
and one page of users), a search, the last page, and a CSV export of every user: the number of
Authentik requests (per endpoint), and the time split into the dashboard's own work (client,
parsing, CSV, audit row) and the fake's (filtering, paging, serializing, of which checking
requests and answers against Authentik's OpenAPI schema). The fake runs in-process behind
httpx.MockTransport: its time stands in for Authentik's server, it does not measure it.
A script printing figures, not a timed test.
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python benchmarks/bench_authentik.py` from anywhere
    sys.path.insert(0, str(ROOT))

from app.db import migrate  # noqa: E402
from app.services import connections, users  # noqa: E402
from app.services.users import UserQuery  # noqa: E402
from app.utils.authentik import AuthentikClient  # noqa: E402
from app.utils.config import get_settings  # noqa: E402
from tests.support.authentik_fake import FAKE_BASE_URL, AuthentikFake  # noqa: E402


class Stopwatch:
    """Accumulates the time spent inside wrapped callables."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def wrap(self, func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started

        return timed


class Probe:
    """Times the fake as a whole and its schema checks (instance attributes shadow methods)."""

    def __init__(self, fake: AuthentikFake) -> None:
        self.fake = fake
        self.server = Stopwatch()
        self.schema = Stopwatch()
        fake.answer = self.server.wrap(fake.answer)  # type: ignore[method-assign]
        schema = fake.schema
        schema.check_request = self.schema.wrap(schema.check_request)  # type: ignore[method-assign]
        schema.check_response = self.schema.wrap(schema.check_response)  # type: ignore[method-assign]

    def run(self, action: Callable[[], object]) -> dict[str, float]:
        self.fake.reset_requests()
        self.server.seconds = self.schema.seconds = 0.0
        started = time.perf_counter()
        action()
        total = time.perf_counter() - started
        return {
            "total": total,
            "fake": self.server.seconds,
            "schema": self.schema.seconds,
            "dashboard": total - self.server.seconds,
        }


def report(probe: Probe, name: str, action: Callable[[], object], repeat: int) -> None:
    runs = [probe.run(action) for _ in range(repeat)]
    median = {key: statistics.median(r[key] for r in runs) * 1000 for key in runs[0]}
    counts = probe.fake.counts()
    requests = sum(counts.values())
    print(f"\n{name}  (median of {repeat})")
    print(f"  Authentik requests: {requests}")
    for (method, path), n in sorted(counts.items()):
        print(f"    {n:4d}  {method} {path}")
    print(
        f"  time: {median['total']:8.1f} ms total = {median['dashboard']:7.1f} ms dashboard"
        f" + {median['fake']:7.1f} ms fake Authentik"
        f" (of which schema checks {median['schema']:6.1f} ms)"
    )


def peak_memory(action: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        fake = AuthentikFake()
        os.environ.update(
            DATABASE_URL=url,
            DASHBOARD_ENV_FILE="",
            AUTHENTIK_URL=FAKE_BASE_URL,
            AUTHENTIK_PUBLIC_URL="https://id.example.org",
            AUTHENTIK_TOKEN=fake.token,
        )
        get_settings.cache_clear()
        migrate.upgrade(url)
        started = time.perf_counter()
        seeded = fake.seed_users(args.users)
        for n in range(10):
            group = fake.add_group(f"group-{n}")
            for user in seeded[n::10][:200]:
                fake.set_member(group.pk, user.pk, True)
        print(f"seeded {len(fake.users)} users, 11 groups in {time.perf_counter() - started:.1f} s")
        client = AuthentikClient(FAKE_BASE_URL, fake.token, transport=fake.transport, timeout=60)
        connections.override("authentik", client)
        probe = Probe(fake)
        everyone = UserQuery()

        def page_view() -> None:
            users.groups()
            users.page(query=everyone, page=1, page_size=50)

        def export() -> None:
            done = users.export_csv(actor="bench", query=everyone)
            if done.rows != len(fake.users):
                raise SystemExit(f"export wrote {done.rows} of {len(fake.users)} users")

        report(probe, "Users page view: groups + page 1 (50 users)", page_view, args.repeat)
        report(probe, "  of which the group list", users.groups, args.repeat)
        report(
            probe,
            "Search 'member0123' (server-side)",
            lambda: users.page(query=UserQuery(search="member0123")),
            args.repeat,
        )
        last = -(-len(fake.users) // 50)
        report(
            probe,
            f"Last page ({last}) of 50",
            lambda: users.page(query=everyone, page=last, page_size=50),
            args.repeat,
        )
        report(
            probe, f"CSV export of all {len(fake.users)} users", export, max(1, args.repeat // 2)
        )
        print(f"\nCSV export peak Python memory (tracemalloc): {peak_memory(export):.1f} MiB")
        fake.assert_no_violations()
        connections.override("authentik", None)
        client.close()


if __name__ == "__main__":
    main()
