"""Room directory: rooms, membership cache, categories, keywords, sync runs and the sync lock.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.db.models.base import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "rooms",
        sa.Column("room_id", sa.String(255), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False, server_default=""),
        sa.Column("topic", sa.Text(), nullable=False, server_default=""),
        sa.Column("canonical_alias", sa.String(255), nullable=False, server_default=""),
        sa.Column("joined_members", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("invited_members", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("encrypted", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("is_direct", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("room_version", sa.String(32), nullable=False, server_default=""),
        sa.Column("bot_level", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("invite_level", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("kick_level", sa.BigInteger(), nullable=False, server_default="50"),
        sa.Column("ban_level", sa.BigInteger(), nullable=False, server_default="50"),
        sa.Column("state_default", sa.BigInteger(), nullable=False, server_default="50"),
        sa.Column("users_default", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("still_joined", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("first_seen_at", UTCDateTime(), nullable=False),
        sa.Column("synced_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_rooms_still_joined", "rooms", ["still_joined"])
    op.create_table(
        "room_members",
        sa.Column(
            "room_id",
            sa.String(255),
            sa.ForeignKey("rooms.room_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("user_id", sa.String(255), primary_key=True),
        sa.Column("display_name", sa.String(255), nullable=False, server_default=""),
        sa.Column("membership", sa.String(16), nullable=False, server_default="join"),
        sa.Column("power_level", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("synced_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_room_members_user_id", "room_members", ["user_id"])
    op.create_table(
        "room_categories",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(150), nullable=False, server_default=""),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "room_category_links",
        sa.Column(
            "room_id",
            sa.String(255),
            sa.ForeignKey("rooms.room_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "category_id",
            BigId,
            sa.ForeignKey("room_categories.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.create_index(
        "ix_room_category_links_category_id", "room_category_links", ["category_id"]
    )
    op.create_table(
        "room_keywords",
        sa.Column(
            "room_id",
            sa.String(255),
            sa.ForeignKey("rooms.room_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("keyword", sa.String(64), primary_key=True),
    )
    op.create_index("ix_room_keywords_keyword", "room_keywords", ["keyword"])
    op.create_table(
        "room_sync_runs",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("actor", sa.String(150), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime()),
        sa.Column("status", sa.String(16), nullable=False, server_default="running"),
        sa.Column("rooms_total", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("rooms_synced", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("rooms_left", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("errors", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "status IN ('running', 'ok', 'partial', 'failed', 'interrupted')", name="status"
        ),
    )
    op.create_index("ix_room_sync_runs_started_at", "room_sync_runs", ["started_at"])
    op.create_index("ix_room_sync_runs_status", "room_sync_runs", ["status"])
    op.create_table(
        "room_sync_locks",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(150), nullable=False),
        sa.Column("acquired_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("room_sync_locks")
    op.drop_table("room_sync_runs")
    op.drop_table("room_keywords")
    op.drop_table("room_category_links")
    op.drop_table("room_categories")
    op.drop_table("room_members")
    op.drop_table("rooms")
