"""The bot's rooms as stored: rooms the bot is in, a membership cache, admin tags, and sync runs.

Sync overwrites what it reads from Matrix (rooms, room_members) and never touches what admins
edit (room_categories, room_category_links, room_keywords): tags survive every sync.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models.base import Base, BigId, UTCDateTime, utcnow
from app.utils.enums import SyncStatus, sql_in


class Room(Base):
    """A room as last read by sync; `still_joined` turns false when the bot left it."""

    __tablename__ = "rooms"

    room_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    topic: Mapped[str] = mapped_column(Text, default="")
    canonical_alias: Mapped[str] = mapped_column(String(255), default="")
    joined_members: Mapped[int] = mapped_column(Integer, default=0)
    invited_members: Mapped[int] = mapped_column(Integer, default=0)
    encrypted: Mapped[bool] = mapped_column(Boolean, default=False)
    is_direct: Mapped[bool] = mapped_column(Boolean, default=False)
    room_version: Mapped[str] = mapped_column(String(32), default="")
    # Power levels: 64-bit, because room v12 creators are stored as 2**53 (above any level).
    bot_level: Mapped[int] = mapped_column(BigInteger, default=0)
    invite_level: Mapped[int] = mapped_column(BigInteger, default=0)
    kick_level: Mapped[int] = mapped_column(BigInteger, default=50)
    ban_level: Mapped[int] = mapped_column(BigInteger, default=50)
    state_default: Mapped[int] = mapped_column(BigInteger, default=50)
    users_default: Mapped[int] = mapped_column(BigInteger, default=0)
    still_joined: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RoomMember(Base):
    """Cached joined members of a room at the last sync: a fallback, never proof of membership."""

    __tablename__ = "room_members"

    room_id: Mapped[str] = mapped_column(
        String(255), ForeignKey("rooms.room_id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(255), primary_key=True, index=True)
    display_name: Mapped[str] = mapped_column(String(255), default="")
    membership: Mapped[str] = mapped_column(String(16), default="join")
    power_level: Mapped[int] = mapped_column(BigInteger, default=0)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RoomCategory(Base):
    """An admin-made grouping of rooms (e.g. "Tech", "Local groups")."""

    __tablename__ = "room_categories"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(150), default="")


class RoomCategoryLink(Base):
    __tablename__ = "room_category_links"

    room_id: Mapped[str] = mapped_column(
        String(255), ForeignKey("rooms.room_id", ondelete="CASCADE"), primary_key=True
    )
    category_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("room_categories.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class RoomKeyword(Base):
    """An interest keyword an admin attached to a room, lower-case, for recommendations."""

    __tablename__ = "room_keywords"

    room_id: Mapped[str] = mapped_column(
        String(255), ForeignKey("rooms.room_id", ondelete="CASCADE"), primary_key=True
    )
    keyword: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class RoomSyncRun(Base):
    """One room sync: who started it, how far it got; the newest ok one is the freshness."""

    __tablename__ = "room_sync_runs"
    __table_args__ = (
        CheckConstraint(sql_in("status", SyncStatus), name="status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    actor: Mapped[str] = mapped_column(String(150))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default=SyncStatus.RUNNING, index=True)
    rooms_total: Mapped[int] = mapped_column(Integer, default=0)
    rooms_synced: Mapped[int] = mapped_column(Integer, default=0)
    rooms_left: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class RoomSyncLock(Base):
    """The one-sync-at-a-time lock on SQLite (PostgreSQL uses an advisory lock instead).

    A holder that dies leaves the row behind; it expires at `expires_at` and a running sync
    keeps pushing that forward.
    """

    __tablename__ = "room_sync_locks"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(150))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
