"""The durable engine every journey and piece of background work runs on: DBOS Transact.

Why an engine: a journey started by a click must happen exactly once whatever the admin, the
process or the machine does next (double clicks, two tabs on two replicas, kill -9, restart).
DBOS keeps each workflow's progress in the database: one workflow ID is one execution across
threads and processes, an interrupted workflow resumes at the step it was in when its replica
starts again, delayed enqueues are durable timers, and queues bound concurrency.

How it is used here (the rest of the app never imports dbos directly for lifecycle):
- One engine per process, launched once: by the server's lifespan (`python -m app serve`), by
  the first page run (bare `streamlit run`, AppTest), by the CLI, by tests. `launch()` is
  idempotent and thread-safe.
- Its tables live beside the app's: the `dbos` schema of the app's PostgreSQL database, or a
  sibling SQLite file (`dashboard.db` -> `dashboard-engine.db`; one writer per file, so the
  engine's bookkeeping never waits on the app's writes).
- Each replica has a stable identity (DASHBOARD_REPLICA_ID, the DBOS executor ID): a replica's
  interrupted work is resumed when a process with its ID starts again. Two live replicas must
  never share one (they would both resume the same work).
- The application version is pinned (WORKFLOW_VERSION), not DBOS's hash of the code: an upgrade
  that keeps every workflow's steps in the same order resumes in-flight work; one that changes
  them bumps the version and is drained first (README, "Upgrades").
- Steps must be idempotent: an interrupted step runs again from its start, and code outside
  steps runs again on recovery. Workflows live in modules imported here, never in page scripts.
"""

from __future__ import annotations

import importlib
import logging
import threading
from pathlib import Path

from dbos import DBOS, DBOSConfig
from sqlalchemy.engine import make_url

from app.utils.config import Settings, get_settings

logger = logging.getLogger(__name__)

# Bump when a workflow's steps change order or meaning; see README "Upgrades".
WORKFLOW_VERSION = "1"
APP_NAME = "community-dashboard"
BACKGROUND_QUEUE = "background"  # welcome messages, timers, follow-ups: a few at a time
# Every module that defines workflows or journey plans: imported before launch so the engine
# knows them all (a recovered workflow needs its code).
WORKFLOW_MODULES: tuple[str, ...] = (
    "app.services.journey_runner",
    "app.services.onboarding",
    "app.services.offboarding",
    "app.services.room_journeys",
    "app.services.sanctions",
    "app.services.intended_groups_job",
    "app.services.approvals",
    "app.services.undo",
    "app.services.emails.sending",
    "app.services.users.bulk_actions",  # registers how an approved bulk action runs
)

_lock = threading.Lock()
_launched_url: str | None = None


def system_database_url(settings: Settings) -> str:
    """Where the engine keeps its state: beside the app's own tables."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "dashboard.db")
        return str(url.set(database=str(path.with_name(f"{path.stem}-engine{path.suffix}"))))
    # DBOS talks psycopg 3; its own driver name is set by DBOS itself.
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _config(settings: Settings, url: str) -> DBOSConfig:
    return {
        "name": APP_NAME,
        "system_database_url": url,
        "application_version": WORKFLOW_VERSION,
        "executor_id": settings.replica_id,
        "log_level": "WARNING",
        "run_migrations": True,
        "notification_listener_polling_interval_sec": 0.1,
        "sys_db_pool_size": 10,
    }


def launch(settings: Settings | None = None) -> None:
    """Start the engine in this process (once); resumes this replica's interrupted work."""
    global _launched_url  # noqa: PLW0603 (one engine per process)
    settings = settings or get_settings()
    url = system_database_url(settings)
    with _lock:
        if _launched_url == url:
            return
        if _launched_url is not None:  # settings changed (tests): start afresh
            DBOS.destroy(destroy_registry=False)
        for module in WORKFLOW_MODULES:
            importlib.import_module(module)
        if url.startswith("sqlite"):
            Path(make_url(url).database or ".").parent.mkdir(parents=True, exist_ok=True)
        DBOS(config=_config(settings, url))
        DBOS.launch()
        DBOS.register_queue(
            BACKGROUND_QUEUE, worker_concurrency=4, polling_interval_sec=0.25,
            on_conflict="always_update",
        )
        _launched_url = url
        logger.info("engine started (replica %s, version %s)", settings.replica_id,
                    WORKFLOW_VERSION)
    # Journeys recorded but never handed to the engine (a process died between the two).
    runner = importlib.import_module("app.services.journey_runner")
    runner.resume_queued()


def shutdown() -> None:
    """Stop the engine (server shutdown, tests); running work resumes at the next launch."""
    global _launched_url  # noqa: PLW0603
    with _lock:
        if _launched_url is not None:
            DBOS.destroy(destroy_registry=False)
            _launched_url = None


def running() -> bool:
    return _launched_url is not None
