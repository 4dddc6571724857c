"""Email: each invite or welcome email to each recipient, and how its sending went. (The email
templates themselves live in message_templates, by key: no change there.)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.db.models.base import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
KINDS = "'invite', 'welcome'"
STATUSES = "'queued', 'waiting', 'retrying', 'sent', 'failed', 'skipped'"


def upgrade() -> None:
    op.create_table(
        "email_deliveries",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("workflow_id", sa.String(160), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(254), nullable=False),
        sa.Column("actor", sa.String(150), nullable=False),
        sa.Column("invite_name", sa.String(150), nullable=False),
        sa.Column("invite_ref", sa.String(64), nullable=False),
        sa.Column("journey_id", BigId),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime()),
        sa.CheckConstraint(f"kind IN ({KINDS})", name="kind"),
        sa.CheckConstraint(f"status IN ({STATUSES})", name="status"),
    )
    for column in ("recipient", "journey_id", "created_at"):
        op.create_index(f"ix_email_deliveries_{column}", "email_deliveries", [column])


def downgrade() -> None:
    op.drop_table("email_deliveries")
