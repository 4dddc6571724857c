"""The durable engine's own cost: how long a journey and each of its steps take when the steps
do nothing, so what is left is the engine and the journey records (SQLite; PostgreSQL too when
TEST_POSTGRES_URL is set).

Run: `python benchmarks/bench_engine.py` (`make bench` runs it too).
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

import psycopg2  # noqa: E402 (after the path set-up)
from psycopg2 import sql  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app.db import migrate  # noqa: E402
from app.db.engine import dispose_all  # noqa: E402
from app.services import engine, journey_runner, journeys  # noqa: E402
from app.services.journey_runner import Plan, Step, done  # noqa: E402
from app.utils.config import get_settings  # noqa: E402
from app.utils.enums import JourneyKind  # noqa: E402

RUNS = 20
KIND = JourneyKind.REMOVAL  # a real kind, its plan replaced by no-op steps
NAME = "room_removal"


def _journey_seconds(steps: int) -> float:
    """Median time from start to the journey's end, for a plan of `steps` no-op engine steps
    (one lane; the kind's one recorded step, entered `steps` times: the first runs it, the
    others find it finished, as a resumed run does)."""
    lane = tuple(Step(NAME, "No-op", lambda j: done()) for _ in range(steps))
    journey_runner.PLANS[KIND] = Plan(kind=KIND, steps=(NAME,), titles={}, lanes=(lane,))
    times = []
    for _ in range(RUNS + 2):
        started = time.perf_counter()
        begun = journey_runner.start(kind=KIND, submission_id=uuid.uuid4().hex,
                                     actor="bench", dedupe_key=None, params={})
        while journeys.get(begun.journey.id).active:
            time.sleep(0.002)
        times.append(time.perf_counter() - started)
    return statistics.median(times[2:])  # the first runs warm imports and connections


def _measure(label: str, url: str) -> None:
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    migrate.upgrade()
    engine.launch()
    one, five = _journey_seconds(1), _journey_seconds(5)
    print(f"{label}: a journey of 1 step {one * 1000:.0f} ms, of 5 steps {five * 1000:.0f} ms "
          f"(median of {RUNS}); per extra step {(five - one) / 4 * 1000:.1f} ms")
    engine.shutdown()
    dispose_all()


def main() -> int:
    os.environ["DASHBOARD_ENV_FILE"] = ""
    with tempfile.TemporaryDirectory(prefix="bench-engine-") as tmp:
        _measure("SQLite", f"sqlite:///{tmp}/dashboard.db")
    server = os.environ.get("TEST_POSTGRES_URL")
    if not server:
        print("PostgreSQL: skipped (set TEST_POSTGRES_URL)")
        return 0
    name = f"bench_engine_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(server)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        url = make_url(server).set(drivername="postgresql+psycopg2", database=name)
        _measure("PostgreSQL", url.render_as_string(hide_password=False))
    finally:
        with admin.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
