"""Governance for larger teams: requests that wait for a second admin (the two-person rule),
and the room categories a moderator is limited to (scoped moderators)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models.base import Base, BigId, UTCDateTime, utcnow
from app.utils.enums import ApprovalKind, ApprovalStatus, sql_in


class Approval(Base):
    """One admin's request, stored with what they previewed; it runs exactly as stored once a
    different admin approves it before `expires_at`."""

    __tablename__ = "approvals"
    __table_args__ = (
        CheckConstraint(sql_in("kind", ApprovalKind), name="kind"),
        CheckConstraint(sql_in("status", ApprovalStatus), name="status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16), default=ApprovalStatus.PENDING, index=True)
    why: Mapped[str] = mapped_column(Text)  # which rule holds it
    summary: Mapped[str] = mapped_column(Text)  # what the requester saw before asking
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)  # the request, exactly as it will run
    requested_by: Mapped[str] = mapped_column(String(150), index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[str] = mapped_column(String(150), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")  # why it was rejected
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    submission_id: Mapped[str] = mapped_column(String(64), unique=True)  # one per form submission


class ModeratorScope(Base):
    """One room category a moderator is limited to; a moderator with no row is unscoped.

    A category in use here cannot be deleted (RESTRICT): deleting a moderator's only category
    would otherwise widen their reach to every room."""

    __tablename__ = "moderator_scopes"

    account_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    category_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("room_categories.id", ondelete="RESTRICT"), primary_key=True,
        index=True,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(150), default="")
