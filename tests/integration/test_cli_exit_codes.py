"""`python -m app ...` from a shell: 0 all done, 1 done in part, 2 nothing done (refused or
misconfigured), never a traceback, and nothing but the command's own lines at a normal exit.
Each command runs in its own process, as an operator (or cron) runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from app.services import accounts
from app.services.rooms import sync_lock
from app.utils.config import get_settings
from app.utils.enums import Role
from tests.support.matrix_rooms import make_room, room_bot
from tests.support.synapse import SynapseServer, TestUser, free_port
from tests.support.tcp_proxy import TcpProxy

__all__ = ["make_room", "room_bot"]  # fixtures used below

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"


def run_cli(*args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    """The command in a new process, with this test's settings (and `env` on top)."""
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=ROOT,
                          env={**os.environ, **env}, input=stdin, capture_output=True,
                          text=True, timeout=120, check=False)


def clean_exit(done: subprocess.CompletedProcess[str]) -> None:
    for bad in ("Traceback", "Unclosed", "Exception ignored"):
        assert bad not in done.stderr, done.stderr


def empty_sqlite_file() -> str:
    """The test's SQLite database as an empty file (as `touch` or a mounted volume leaves it)."""
    path = Path(make_url(get_settings().database_url).database or "")
    path.touch()
    assert path.stat().st_size == 0
    return str(path)


def admins() -> list[str]:
    return [a.username for a in accounts.list_accounts() if a.role == Role.ADMIN]


def test_create_admin_on_an_empty_sqlite_file_migrates_first() -> None:
    empty_sqlite_file()
    done = run_cli("create-admin", "--username", "alice", "--password-stdin", stdin=PASSWORD)
    clean_exit(done)
    assert done.returncode == 0, done.stderr
    assert "Database migrated to revision" in done.stdout
    assert "Created admin account 'alice'." in done.stdout
    assert admins() == ["alice"]


@pytest.mark.postgres
def test_create_admin_on_an_empty_postgres_database_migrates_first(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    get_settings.cache_clear()
    done = run_cli("create-admin", "--username", "alice", "--password-stdin", stdin=PASSWORD)
    clean_exit(done)
    assert done.returncode == 0, done.stderr
    assert "Database migrated to revision" in done.stdout
    assert admins() == ["alice"]


def test_create_admin_refuses_a_short_password_with_2() -> None:
    empty_sqlite_file()
    done = run_cli("create-admin", "--username", "alice", "--password-stdin", stdin="short")
    clean_exit(done)
    assert done.returncode == 2
    assert "error: Password: use at least 12 characters" in done.stderr.splitlines()


def test_setup_token_migrates_first_and_is_refused_with_2_once_an_admin_exists() -> None:
    empty_sqlite_file()
    first = run_cli("setup-token")
    clean_exit(first)
    assert first.returncode == 0, first.stderr
    assert "First-run setup token" in first.stdout
    assert run_cli("create-admin", "--username", "alice", "--password-stdin",
                   stdin=PASSWORD).returncode == 0
    again = run_cli("setup-token")
    clean_exit(again)
    assert again.returncode == 2
    assert "an admin account exists already" in again.stderr


@pytest.mark.parametrize("args", [("sync-rooms",), ("unlock", "--username", "bob"),
                                  ("reconcile-groups",)])
def test_commands_for_a_running_deployment_refuse_an_unmigrated_database_with_2(
    args: tuple[str, ...],
) -> None:
    empty_sqlite_file()
    done = run_cli(*args)
    clean_exit(done)
    assert done.returncode == 2
    assert "run `python -m app migrate` first" in done.stderr


def test_an_unreachable_database_is_named_without_its_password_and_exits_2() -> None:
    url = f"postgresql://dash:s3cret-pw@127.0.0.1:{free_port()}/dash"
    done = run_cli("unlock", "--username", "bob", DATABASE_URL=url)
    clean_exit(done)
    assert done.returncode == 2
    assert "cannot be used" in done.stderr and "check DATABASE_URL" in done.stderr
    assert "s3cret-pw" not in done.stderr + done.stdout


def test_a_usage_error_exits_2() -> None:
    done = run_cli("create-admin")  # --username is required
    assert done.returncode == 2
    assert "--username" in done.stderr


def test_sync_rooms_without_matrix_settings_exits_2_naming_them(db: str) -> None:
    done = run_cli("sync-rooms")
    clean_exit(done)
    assert done.returncode == 2
    assert "MATRIX_HOMESERVER_URL" in done.stderr


def matrix_env(synapse: SynapseServer, bot: TestUser, url: str = "") -> dict[str, str]:
    return {"MATRIX_HOMESERVER_URL": url or synapse.url, "MATRIX_ACCESS_TOKEN": bot.access_token,
            "MATRIX_BOT_USER_ID": bot.user_id}


@pytest.mark.synapse
def test_sync_rooms_exits_0_without_warnings_and_2_while_another_sync_holds_the_lock(
    db: str, synapse: SynapseServer, room_bot: TestUser, make_room
) -> None:
    make_room(name="From cron")
    env = matrix_env(synapse, room_bot)

    done = run_cli("sync-rooms", **env)

    clean_exit(done)
    assert done.returncode == 0, done.stderr
    assert "Synced 1 of 1 rooms." in done.stdout

    held = sync_lock.try_acquire(actor="page")
    assert held is not None
    try:
        refused = run_cli("sync-rooms", **env)
    finally:
        held.release()
    clean_exit(refused)
    assert refused.returncode == 2
    assert "A room sync is already running" in refused.stderr
    assert "(started by page)" in refused.stderr


@pytest.mark.synapse
def test_sync_rooms_exits_2_when_the_homeserver_is_down(db: str, room_bot: TestUser) -> None:
    done = run_cli("sync-rooms", MATRIX_HOMESERVER_URL=f"http://127.0.0.1:{free_port()}",
                   MATRIX_ACCESS_TOKEN=room_bot.access_token, MATRIX_BOT_USER_ID=room_bot.user_id,
                   MATRIX_TIMEOUT_SECONDS="3")
    clean_exit(done)
    assert done.returncode == 2
    said = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(said) == 1, done.stderr
    # One cause, one thing to do: a refused connection is not "no answer in time".
    assert "no connection" in said[0] and "Check that the homeserver is running" in said[0]
    assert "in time" not in said[0]


@pytest.mark.synapse
def test_sync_rooms_exits_1_when_a_room_cannot_be_read(
    db: str, synapse: SynapseServer, room_bot: TestUser, make_room
) -> None:
    make_room(name="Readable")
    broken = make_room(name="Unreadable")
    host, port = synapse.url.removeprefix("http://").split(":")
    with TcpProxy(host, int(port)) as proxy:
        proxy.cut_requests_to(broken.removeprefix("!").split(":")[0])  # its reads only
        done = run_cli("sync-rooms", MATRIX_CONCURRENCY="1", MATRIX_TIMEOUT_SECONDS="5",
                       **matrix_env(synapse, room_bot, f"http://{proxy.address}"))
    clean_exit(done)
    assert done.returncode == 1, done.stderr
    assert "of 2 rooms" in done.stdout and "could not be read" in done.stdout
