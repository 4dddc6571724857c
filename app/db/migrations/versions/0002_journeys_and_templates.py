"""Onboarding/offboarding journeys with their steps, and message templates.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.db.models.base import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "journeys",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(150), nullable=False),
        sa.Column("member_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("authentik_username", sa.String(150), nullable=False, server_default=""),
        sa.Column("authentik_pk", BigId),
        sa.Column("matrix_user_id", sa.String(255), nullable=False, server_default=""),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.CheckConstraint("kind IN ('onboarding', 'offboarding')", name="kind"),
    )
    for column in ("kind", "created_at", "authentik_username", "matrix_user_id"):
        op.create_index(f"ix_journeys_{column}", "journeys", [column])
    op.create_table(
        "journey_steps",
        sa.Column("id", BigId, primary_key=True),
        sa.Column(
            "journey_id", BigId, sa.ForeignKey("journeys.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("reason", sa.Text(), nullable=False, server_default=""),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("journey_id", "name"),
        sa.CheckConstraint(
            "status IN ('pending', 'running', 'done', 'failed', 'skipped')", name="status"
        ),
    )
    op.create_index("ix_journey_steps_journey_id", "journey_steps", ["journey_id"])
    op.create_table(
        "message_templates",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(150), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("message_templates")
    op.drop_table("journey_steps")
    op.drop_table("journeys")
