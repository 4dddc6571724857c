"""Approvals: requests that wait for a second admin (the two-person rule).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.db.models.base import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
KINDS = "'users_bulk', 'offboarding', 'removal'"
STATUSES = "'pending', 'approved', 'done', 'failed', 'rejected', 'withdrawn', 'expired'"


def upgrade() -> None:
    op.create_table(
        "approvals",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("requested_by", sa.String(150), nullable=False),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(150), nullable=False, server_default=""),
        sa.Column("decided_at", UTCDateTime()),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("submission_id", sa.String(64), nullable=False, unique=True),
        sa.CheckConstraint(f"kind IN ({KINDS})", name="kind"),
        sa.CheckConstraint(f"status IN ({STATUSES})", name="status"),
    )
    for column in ("status", "requested_by", "requested_at"):
        op.create_index(f"ix_approvals_{column}", "approvals", [column])


def downgrade() -> None:
    op.drop_table("approvals")
