"""Scoped moderators: the room categories a moderator is limited to (none: unscoped).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.db.models.base import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "moderator_scopes",
        sa.Column("account_id", BigId, nullable=False),
        sa.Column("category_id", BigId, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(150), nullable=False, server_default=""),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["category_id"], ["room_categories.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("account_id", "category_id"),
    )
    op.create_index("ix_moderator_scopes_category_id", "moderator_scopes", ["category_id"])


def downgrade() -> None:
    op.drop_index("ix_moderator_scopes_category_id", table_name="moderator_scopes")
    op.drop_table("moderator_scopes")
