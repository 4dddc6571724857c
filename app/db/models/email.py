"""Emails the dashboard sends: one row per (submission, recipient), its state as it goes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models.base import Base, BigId, UTCDateTime, utcnow
from app.utils.enums import DeliveryStatus, EmailKind, sql_in


class EmailDelivery(Base):
    """One email to one recipient, sent by the engine as workflow `workflow_id` (one per
    submission and recipient: a double submit or a retry finds this row and sends nothing
    more). Holds no secret: an invite is named by its `invite_ref`, never by its token."""

    __tablename__ = "email_deliveries"
    __table_args__ = (
        CheckConstraint(sql_in("kind", EmailKind), name="kind"),
        CheckConstraint(sql_in("status", DeliveryStatus), name="status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workflow_id: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    actor: Mapped[str] = mapped_column(String(150))
    invite_name: Mapped[str] = mapped_column(String(150), default="")
    invite_ref: Mapped[str] = mapped_column(String(64), default="")
    journey_id: Mapped[int | None] = mapped_column(BigId, index=True)
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.QUEUED)
    reason: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
