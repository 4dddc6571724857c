"""Alembic migrations bring an empty database to head on SQLite and PostgreSQL."""

import re

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import CheckConstraint, inspect, text
from sqlalchemy.exc import DatabaseError

from app.db import audit_log, migrate
from app.db.engine import get_engine, session_scope
from app.db.models import Base

EXPECTED_TABLES = {
    "accounts",
    "login_sessions",
    "login_throttles",
    "audit_budgets",
    "setup_tokens",
    "audit_events",
    "journeys",
    "journey_steps",
    "message_templates",
    "rooms",
    "room_members",
    "room_categories",
    "room_category_links",
    "room_keywords",
    "room_sync_runs",
    "room_sync_locks",
    "cookie_tickets",
}


def assert_at_head_with_every_table(url: str) -> None:
    assert migrate.current_revision(url) == migrate.head_revision()
    assert migrate.is_up_to_date(url)
    tables = set(inspect(get_engine(url)).get_table_names())
    assert tables >= EXPECTED_TABLES
    assert set(Base.metadata.tables) <= tables  # every model has its table


def assert_models_match_migrations(url: str) -> None:
    """The hand-written migrations create exactly what the models declare."""
    with get_engine(url).connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []
    assert_check_constraints_match_models(url)


def assert_check_constraints_match_models(url: str) -> None:
    """Alembic does not compare CHECK constraints: the values each one allows in the database
    (as the database reports them) are the ones the model writes from its enum, in order."""
    inspector = inspect(get_engine(url))
    declared = {
        (table.name, check.name): re.findall(r"'([^']*)'", str(check.sqltext))
        for table in Base.metadata.sorted_tables
        for check in table.constraints
        if isinstance(check, CheckConstraint)
    }
    found = {
        (table, check["name"]): re.findall(r"'([^']*)'", check["sqltext"])
        for table, _ in declared
        for check in inspector.get_check_constraints(table)
    }
    assert len(declared) >= 6
    assert found == declared


def assert_audit_is_append_only(url: str) -> None:
    audit_log.record(actor="tester", action="test.append", target="x")
    for statement in ("UPDATE audit_events SET outcome = 'failed'", "DELETE FROM audit_events"):
        with pytest.raises(DatabaseError, match="append-only"), session_scope(url) as s:
            s.execute(text(statement))
    with session_scope(url) as s:
        assert s.execute(text("SELECT outcome FROM audit_events")).scalars().all() == ["ok"]


def assert_0005_downgrades_and_upgrades_again(url: str) -> None:
    migrate.upgrade(url)
    command.downgrade(migrate.alembic_config(url), "0004")
    tables = set(inspect(get_engine(url)).get_table_names())
    assert "login_attempts" in tables
    assert not tables & {"login_throttles", "audit_budgets"}
    migrate.upgrade(url)
    assert_at_head_with_every_table(url)
    assert_models_match_migrations(url)


def test_sqlite_empty_database_upgrades_to_head(isolated_settings, tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert migrate.current_revision(url) is None
    migrate.upgrade(url)
    assert_at_head_with_every_table(url)
    migrate.upgrade(url)  # a second run is a no-op
    assert_at_head_with_every_table(url)
    assert_models_match_migrations(url)


def test_sqlite_audit_rows_cannot_be_changed(db):
    assert_audit_is_append_only(db)


@pytest.mark.postgres
def test_postgres_empty_database_upgrades_to_head(postgres_url):
    assert migrate.current_revision(postgres_url) is None
    migrate.upgrade(postgres_url)
    assert_at_head_with_every_table(postgres_url)
    assert_models_match_migrations(postgres_url)


def test_sqlite_0005_downgrades(isolated_settings, tmp_path):
    assert_0005_downgrades_and_upgrades_again(f"sqlite:///{tmp_path / 'down.db'}")


@pytest.mark.postgres
def test_postgres_0005_downgrades(postgres_url):
    assert_0005_downgrades_and_upgrades_again(postgres_url)


@pytest.mark.postgres
def test_postgres_audit_rows_cannot_be_changed(pg_db):
    assert_audit_is_append_only(pg_db)
