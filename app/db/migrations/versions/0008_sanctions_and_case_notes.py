"""Timed sanctions (ban, mute, kick until a time, lifted by a durable timer) and moderators'
private notes on members (append-only, like the audit log).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.db.models.base import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

APPEND_ONLY_SQLITE = """
CREATE TRIGGER case_notes_{op}_forbidden BEFORE {OP} ON case_notes
BEGIN SELECT RAISE(ABORT, 'case_notes is append-only'); END
"""
NO_REPLACE_SQLITE = """
CREATE TRIGGER case_notes_replace_forbidden BEFORE INSERT ON case_notes
WHEN EXISTS (SELECT 1 FROM case_notes WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'case_notes is append-only'); END
"""
APPEND_ONLY_PG = [
    """CREATE OR REPLACE FUNCTION case_notes_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'case_notes is append-only'; END;
$$ LANGUAGE plpgsql""",
    """CREATE TRIGGER case_notes_append_only BEFORE UPDATE OR DELETE ON case_notes
FOR EACH ROW EXECUTE FUNCTION case_notes_append_only()""",
    """CREATE TRIGGER case_notes_no_truncate BEFORE TRUNCATE ON case_notes
FOR EACH STATEMENT EXECUTE FUNCTION case_notes_append_only()""",
]


def upgrade() -> None:
    op.create_table(
        "sanctions",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("matrix_user_id", sa.String(255), nullable=False),
        sa.Column("room_ids", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False, server_default=""),
        sa.Column("created_by", sa.String(150), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime()),
        sa.Column("status", sa.String(16), nullable=False, server_default="active"),
        sa.Column("ended_at", UTCDateTime()),
        sa.Column("ended_by", sa.String(150), nullable=False, server_default=""),
        sa.Column("previous", sa.JSON(), nullable=False),
        sa.Column("outcomes", sa.JSON(), nullable=False),
        sa.Column("timer_id", sa.String(120)),
        sa.Column("notify", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("submission_id", sa.String(64), unique=True),
        sa.CheckConstraint("kind IN ('ban', 'mute', 'kick')", name="kind"),
        sa.CheckConstraint("status IN ('active', 'lifted', 'expired')", name="status"),
    )
    for column in ("matrix_user_id", "created_at", "status"):
        op.create_index(f"ix_sanctions_{column}", "sanctions", [column])
    op.create_table(
        "case_notes",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("author", sa.String(150), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
    )
    op.create_index("ix_case_notes_subject", "case_notes", ["subject"])
    op.create_index("ix_case_notes_created_at", "case_notes", ["created_at"])
    if op.get_bind().dialect.name == "postgresql":
        for statement in APPEND_ONLY_PG:
            op.execute(statement)
    else:
        for name in ("update", "delete"):
            op.execute(APPEND_ONLY_SQLITE.format(op=name, OP=name.upper()))
        op.execute(NO_REPLACE_SQLITE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS case_notes_no_truncate ON case_notes")
        op.execute("DROP TRIGGER IF EXISTS case_notes_append_only ON case_notes")
        op.execute("DROP FUNCTION IF EXISTS case_notes_append_only()")
    op.drop_table("case_notes")
    op.drop_table("sanctions")
