"""Timed sanctions in rooms, and moderators' private notes on a member (append-only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models.base import Base, BigId, UTCDateTime, utcnow
from app.utils.enums import SanctionKind, SanctionStatus, sql_in


class Sanction(Base):
    """A ban, mute or kick in chosen rooms until `ends_at` (None: until lifted). The engine
    holds a durable timer (`timer_id`) that lifts it on time, across restarts and replicas."""

    __tablename__ = "sanctions"
    __table_args__ = (
        CheckConstraint(sql_in("kind", SanctionKind), name="kind"),
        CheckConstraint(sql_in("status", SanctionStatus), name="status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    matrix_user_id: Mapped[str] = mapped_column(String(255), index=True)
    room_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(150))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default=SanctionStatus.ACTIVE, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by: Mapped[str] = mapped_column(String(150), default="")
    # Mute: each room's level before (None: they had no entry of their own), to restore exactly.
    previous: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    outcomes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # per room, each phase
    timer_id: Mapped[str | None] = mapped_column(String(120))
    notify: Mapped[bool] = mapped_column(Boolean, default=False)
    # The form's submission: a double click imposes one sanction (find-or-create).
    submission_id: Mapped[str | None] = mapped_column(String(64), unique=True)


class CaseNote(Base):
    """A moderator's private note on a member: never changed or deleted (database triggers)."""

    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    subject: Mapped[str] = mapped_column(String(255), index=True)  # Matrix ID or username
    author: Mapped[str] = mapped_column(String(150))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    body: Mapped[str] = mapped_column(Text)
