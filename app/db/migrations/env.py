"""Alembic environment: runs migrations on the engine for the configured URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from app.db import timeouts
from app.db.engine import get_engine
from app.db.models import Base

config = context.config
target_metadata = Base.metadata


# Any fixed number: replicas starting together take turns (pg_advisory_lock is per database).
MIGRATION_LOCK = 7_145_032_601


def run_migrations_online() -> None:
    engine = get_engine(config.get_main_option("sqlalchemy.url"))
    with timeouts.unbounded(), engine.connect() as connection:
        postgres = connection.dialect.name == "postgresql"
        if postgres:
            # A second migrator (replicas starting together) waits here, then finds the schema
            # at head; long DDL may take its time.
            connection.execute(text("SET statement_timeout = 0"))
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            connection.commit()
        try:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=connection.dialect.name == "sqlite",
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
        finally:
            if postgres:  # the connection goes back to the pool as it came
                connection.rollback()
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
                connection.execute(text("RESET statement_timeout"))
                connection.commit()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
