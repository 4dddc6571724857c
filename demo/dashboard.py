"""The dashboard of the demo: its settings, its data (a demo admin, the synced rooms and their
tags) and its server process, `python -m app serve`, wired to the demo's homeserver.

Its data lives in the demo's temporary directory (SQLite); Authentik is left unset, so the
Authentik pages say "not configured" and what to set, as they would on a fresh install.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import httpx

from app.auth.setup import SETUP_ANNOUNCED_ENV
from app.db import migrate
from app.db.engine import dispose_all
from app.services import connections, rooms
from app.services.accounts import create_account
from app.utils.config import PROJECT_ROOT, Settings, get_settings
from app.utils.enums import Role, SyncStatus
from demo.synapse import SynapseServer
from demo.world import ROOMS, World

ADMIN = "demo-admin"
ACTOR = "demo"
START_TIMEOUT = 120.0  # a cold start on a busy 2-core machine takes seconds, not minutes
STOP_TIMEOUT = 15.0


class DemoError(RuntimeError):
    """The demo could not be set up; the message says what to do."""


def configure(data: Path, server: SynapseServer, world: World) -> None:
    """This process's environment (inherited by the dashboard's): only the demo's settings,
    none from the shell or a `.env`, so a developer's real servers are never touched."""
    for name in Settings.model_fields:
        os.environ.pop(name.upper(), None)
    os.environ.pop(SETUP_ANNOUNCED_ENV, None)
    os.environ.update(
        DASHBOARD_ENV_FILE="",
        DATABASE_URL=f"sqlite:///{data / 'dashboard.db'}",
        REPLICA_ID="demo",
        LOG_LEVEL="WARNING",
        MATRIX_HOMESERVER_URL=server.url,
        MATRIX_ACCESS_TOKEN=world.bot.access_token,
        MATRIX_BOT_USER_ID=world.bot.user_id,
        MATRIX_WELCOME_ROOM_ID=world.welcome_room_id,
        WELCOME_DM_DELAY_SECONDS="1",
    )
    get_settings.cache_clear()


def prepare(world: World) -> str:
    """Migrate, create the demo admin with a random password (returned, never stored in
    clear), load the rooms. Run after `configure`."""
    migrate.upgrade()
    password = secrets.token_urlsafe(18)
    create_account(actor=ACTOR, username=ADMIN, password=password, role=Role.ADMIN,
                   display_name="Demo admin")
    load_rooms(world, actor=ACTOR)
    return password


def load_rooms(world: World, *, actor: str) -> None:
    """Read the bot's rooms into the database and tag them as `demo.world` describes."""
    try:
        result = rooms.sync_rooms(actor=actor)
        if result.status != SyncStatus.OK:
            raise DemoError(f"reading the demo rooms failed: {result.message}")
        for room in ROOMS:
            if room.categories or room.keywords:
                rooms.set_room_tags(actor=actor, room_id=world.room_ids[room.name],
                                    categories=room.categories, keywords=room.keywords)
    finally:
        connections.close_all()
        dispose_all()


def start(data: Path, *, address: str, port: int) -> subprocess.Popen[bytes]:
    """`python -m app serve`, its output on this terminal. In a session of its own: a Ctrl-C
    reaches only the demo, which stops it with SIGTERM, its quiet shutdown."""
    command = [sys.executable, "-m", "app", "serve", "--address", address, "--port", str(port),
               "--generated-dir", str(data / "generated")]
    return subprocess.Popen(command, cwd=PROJECT_ROOT,  # noqa: S603 (our own interpreter)
                            start_new_session=True)


def wait_healthy(process: subprocess.Popen[bytes], url: str) -> None:
    """Until `/_stcore/health` answers; DemoError if the server exits or never answers."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise DemoError(f"the dashboard exited at start-up (code {process.returncode}); "
                            "its output is above")
        try:
            if httpx.get(f"{url}/_stcore/health", timeout=1, trust_env=False).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise DemoError(f"the dashboard did not answer on {url} within {START_TIMEOUT:.0f} s")


def stop(process: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM (the server's graceful shutdown), then SIGKILL if it does not end in time."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(STOP_TIMEOUT)
