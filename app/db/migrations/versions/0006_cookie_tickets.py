"""cookie_tickets: one-time tickets a browser trades for its HttpOnly session cookie.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.db.models.base import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "cookie_tickets",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("ticket_hash", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(8), nullable=False),
        sa.Column("sealed_token", sa.String(256)),
        sa.Column("binding_hash", sa.String(64), nullable=False),
        sa.Column("secure", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("redeemed_at", UTCDateTime()),
        sa.CheckConstraint("purpose IN ('set', 'clear')", name="purpose"),
        sa.UniqueConstraint("ticket_hash"),
    )
    op.create_index("ix_cookie_tickets_expires_at", "cookie_tickets", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_cookie_tickets_expires_at", "cookie_tickets")
    op.drop_table("cookie_tickets")
