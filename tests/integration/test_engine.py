"""The durable engine on this app's databases: one workflow ID runs once across processes, and
work interrupted by kill -9 resumes by itself when its replica starts again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from app.db.engine import session_scope
from app.services import engine
from tests.support.engine_worker import PROBE_TABLE
from tests.support.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]


def _recorded() -> list[tuple[str, int]]:
    with session_scope() as db:
        return [(r[0], r[1]) for r in db.execute(text("SELECT item, pid FROM engine_probe"))]


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []

    def start(*args: str, replica: str = "r1", step_seconds: float = 0) -> subprocess.Popen[str]:
        env = {**os.environ, "REPLICA_ID": replica, "PROBE_STEP_SECONDS": str(step_seconds),
               "DASHBOARD_ENV_FILE": ""}
        log = (tmp_path / f"worker-{len(started)}.log").open("w")
        proc = subprocess.Popen([sys.executable, "-m", "tests.support.engine_worker", *args],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                text=True)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


def _databases() -> list[str]:
    return ["sqlite", "postgres"]


@pytest.fixture(params=_databases())
def any_db(request: pytest.FixtureRequest) -> str:
    url = request.getfixturevalue("db" if request.param == "sqlite" else "pg_db")
    with session_scope() as db:
        db.execute(text(PROBE_TABLE))
    return url


def test_one_workflow_id_runs_once_across_two_processes(any_db: str, worker) -> None:
    runs = [worker("start", "probe-same", "a,b,c", replica=f"r{i}", step_seconds=0.2)
            for i in range(2)]
    for run in runs:
        assert run.wait(60) == 0
    items = [item for item, _ in _recorded()]
    assert sorted(items) == ["a", "b", "c"]  # each step once, whichever process won


def test_kill_9_mid_workflow_then_the_replica_resumes_it_by_itself(any_db: str, worker) -> None:
    first = worker("start", "probe-killed", "a,b,c,d", step_seconds=1.0)
    wait_for(lambda: len(_recorded()) >= 2, what="two steps recorded")
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    done_before = {item for item, _ in _recorded()}
    worker("resume")  # same replica ID: its pending work is recovered at launch
    wait_for(lambda: {item for item, _ in _recorded()} == {"a", "b", "c", "d"}, timeout=60,
             what="the workflow finished by the new process")
    counts = Counter(item for item, _ in _recorded())
    # Finished steps ran once; only the step in flight at the kill ran again, from its start.
    assert sorted(counts.values()) in ([1, 1, 1, 1], [1, 1, 1, 2])
    assert set(done_before) <= set(counts)


def test_engine_state_sits_beside_the_app_database(db: str) -> None:
    from app.utils.config import get_settings  # noqa: PLC0415 (after the fixture set it)

    url = engine.system_database_url(get_settings())
    assert url.endswith("dashboard-engine.db")
