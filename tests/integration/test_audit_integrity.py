"""Audit rows cannot be changed or removed by SQL, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from app.db import audit_log
from app.db.engine import session_scope

SNAPSHOT = (
    "SELECT id, occurred_at, actor, action, target, member, outcome, details "
    "FROM audit_events ORDER BY id"
)
# A forged row reusing the id (:id) of the one written.
INSERT = (
    "{verb} INTO audit_events "
    "(id, occurred_at, actor, action, target, member, outcome, details) "
    "VALUES (:id, '2026-01-01 00:00:00', 'forger', 'x', 'x', 'x', 'ok', '{{}}')"
)
COMMON = (
    "UPDATE audit_events SET outcome = 'failed'",
    "DELETE FROM audit_events",
    "DELETE FROM audit_events WHERE id = :id",
)


def snapshot(url: str) -> list[tuple[Any, ...]]:
    with session_scope(url) as s:
        return [tuple(r) for r in s.execute(text(SNAPSHOT))]


def refused(url: str, statement: str, row_id: int) -> None:
    with pytest.raises(DatabaseError, match="append-only"), session_scope(url) as s:
        s.execute(text(statement), {"id": row_id} if ":id" in statement else {})


def one_audited_row(url: str) -> tuple[int, list[tuple[Any, ...]]]:
    audit_log.record(actor="tester", action="test.append", target="x", details={"n": 1})
    rows = snapshot(url)
    assert len(rows) == 1
    return rows[0][0], rows


def test_sqlite_refuses_update_delete_and_replace(db: str) -> None:
    row_id, before = one_audited_row(db)
    for statement in (
        *COMMON,
        INSERT.format(verb="INSERT OR REPLACE"),
        INSERT.format(verb="REPLACE"),
        INSERT.format(verb="INSERT") + " ON CONFLICT (id) DO UPDATE SET actor = 'forger'",
        "UPDATE OR REPLACE audit_events SET actor = 'forger'",
    ):
        refused(db, statement, row_id)
        assert snapshot(db) == before, statement
    audit_log.record(actor="tester", action="test.append")  # appending still works
    assert len(snapshot(db)) == 2


@pytest.mark.postgres
def test_postgres_refuses_update_delete_truncate_and_upsert(pg_db: str) -> None:
    row_id, before = one_audited_row(pg_db)
    for statement in (
        *COMMON,
        "TRUNCATE audit_events",
        "TRUNCATE audit_events RESTART IDENTITY CASCADE",
        INSERT.format(verb="INSERT") + " ON CONFLICT (id) DO UPDATE SET actor = EXCLUDED.actor",
    ):
        refused(pg_db, statement, row_id)
        assert snapshot(pg_db) == before, statement
    with session_scope(pg_db) as s:  # DO NOTHING is allowed: it changes nothing
        nothing = INSERT.format(verb="INSERT") + " ON CONFLICT (id) DO NOTHING"
        s.execute(text(nothing), {"id": row_id})
    assert snapshot(pg_db) == before
    audit_log.record(actor="tester", action="test.append")
    assert len(snapshot(pg_db)) == 2
