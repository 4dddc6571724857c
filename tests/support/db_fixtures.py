"""Database fixtures: an isolated, migrated SQLite per test, and fresh PostgreSQL databases."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg2
import pytest
from psycopg2 import sql
from sqlalchemy.engine import make_url

from app.auth.setup import SETUP_ANNOUNCED_ENV
from app.db import migrate
from app.db.engine import dispose_all
from app.services import engine
from app.utils.config import Settings, get_settings

POSTGRES_ENV = "TEST_POSTGRES_URL"


def settings_env_names() -> list[str]:
    return [name.upper() for name in Settings.model_fields]


@pytest.fixture(autouse=True)
def isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path) -> Iterator[None]:
    """Every test starts from defaults: no .env, no integration variables from the shell."""
    for name in settings_env_names():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DASHBOARD_ENV_FILE", "")
    # `serve` run in-process marks the token as announced for its children: undone after.
    monkeypatch.setenv(SETUP_ANNOUNCED_ENV, "")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'dashboard.db'}")
    get_settings.cache_clear()
    yield
    engine.shutdown()  # a test that started journeys leaves no engine on its database
    get_settings.cache_clear()
    dispose_all()


@pytest.fixture
def db(isolated_settings) -> str:
    """A migrated SQLite database for this test; returns its URL."""
    url = get_settings().database_url
    migrate.upgrade(url)
    return url


def _require(env: str) -> bool:
    return os.environ.get(env, "") not in ("", "0", "false")


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    """The PostgreSQL server from TEST_POSTGRES_URL; skips visibly when there is none."""
    url = os.environ.get(POSTGRES_ENV, "")
    reason = ""
    if not url:
        reason = f"{POSTGRES_ENV} is not set"
    else:
        try:
            psycopg2.connect(url, connect_timeout=3).close()
        except psycopg2.OperationalError as err:
            reason = f"PostgreSQL at {POSTGRES_ENV} is not reachable: {err}".strip()
    if reason:
        if _require("REQUIRE_POSTGRES"):
            pytest.fail(f"REQUIRE_POSTGRES is set but {reason}")
        pytest.skip(reason)
    return url


@pytest.fixture
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A fresh, empty database on the test server for this test; dropped afterwards."""
    name = f"cd_test_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(postgres_server_url, connect_timeout=5)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = make_url(postgres_server_url).set(drivername="postgresql+psycopg2", database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        engine.shutdown()
        dispose_all()
        with admin.cursor() as cur:
            cur.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        admin.close()


@pytest.fixture
def pg_db(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Like `db`, on PostgreSQL: the app's DATABASE_URL points at a fresh migrated database."""
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    get_settings.cache_clear()
    migrate.upgrade(postgres_url)
    return postgres_url
