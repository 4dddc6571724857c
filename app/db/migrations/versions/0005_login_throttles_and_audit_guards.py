"""Login throttles, a budget for unauthenticated audit rows, audit_events guarded further.

- `login_throttles`: one row per submitted username, reserved before argon2 runs so that no
  more than LOGIN_LOCKOUT_ATTEMPTS checks are evaluated per lock window, however many arrive at
  once (app/auth/lockout.py). It replaces `login_attempts`, whose history only fed the old
  lockout computation; the table is dropped (lockouts running at upgrade time end with it).
- `audit_budgets`: the per-minute count of audit rows caused without logging in
  (app/db/audit_budget.py).
- audit_events: PostgreSQL refuses TRUNCATE (a statement trigger; the row triggers of 0001 do
  not fire on it); SQLite refuses an INSERT that reuses an existing id, so INSERT OR REPLACE
  can no longer delete a row without firing the delete trigger. On PostgreSQL
  `INSERT ... ON CONFLICT DO UPDATE` is already refused by 0001's BEFORE UPDATE trigger.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.db.models.base import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# The function audit_events_append_only() comes from 0001 and raises for any trigger.
NO_TRUNCATE_PG = """
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()
"""
NO_REPLACE_SQLITE = """
CREATE TRIGGER audit_events_replace_forbidden BEFORE INSERT ON audit_events
WHEN EXISTS (SELECT 1 FROM audit_events WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END
"""


def upgrade() -> None:
    op.create_table(
        "login_throttles",
        sa.Column("username", sa.String(150), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("window_started_at", UTCDateTime()),
        sa.Column("locked_until", UTCDateTime()),
        sa.Column("in_flight", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("reserved_at", UTCDateTime()),
        sa.Column("refused", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_index("ix_login_throttles_locked_until", "login_throttles", ["locked_until"])
    op.create_table(
        "audit_budgets",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("minute_start", UTCDateTime(), nullable=False),
        sa.Column("written", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("suppressed", sa.Integer(), nullable=False, server_default="0"),
    )
    op.drop_index("ix_login_attempts_username_time", table_name="login_attempts")
    op.drop_table("login_attempts")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(NO_TRUNCATE_PG)
    else:
        op.execute(NO_REPLACE_SQLITE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_events_replace_forbidden")
    op.create_table(
        "login_attempts",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("username", sa.String(150), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("attempted_at", UTCDateTime(), nullable=False),
    )
    op.create_index(
        "ix_login_attempts_username_time", "login_attempts", ["username", "attempted_at"]
    )
    op.drop_table("audit_budgets")
    op.drop_index("ix_login_throttles_locked_until", table_name="login_throttles")
    op.drop_table("login_throttles")
