"""INSERT ... ON CONFLICT DO NOTHING, for SQLite and PostgreSQL alike (find-or-create rows)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert


def insert_ignoring_conflict(
    db: Session, model: type[Any], values: dict[str, Any], *, key: str
) -> Insert:
    """An INSERT of `values` that does nothing when a row with the same `key` exists.

    Two transactions creating the same row never fail with IntegrityError: on PostgreSQL the
    second waits for the first and then does nothing. On SQLite the statement also takes the
    database's write lock, so the transaction reads nothing stale afterwards.
    """
    if db.get_bind().dialect.name == "postgresql":
        pg_insert = postgresql.insert(model).values(**values)
        return pg_insert.on_conflict_do_nothing(index_elements=[key])
    return sqlite.insert(model).values(**values).on_conflict_do_nothing(index_elements=[key])
