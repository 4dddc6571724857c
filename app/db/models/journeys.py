"""Onboarding/offboarding records (one row a journey, one a step) and editable message templates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.models.base import Base, BigId, UTCDateTime, utcnow
from app.utils.enums import JourneyKind, JourneyStatus, StepStatus, sql_in


class Journey(Base):
    """One journey (onboarding, offboarding, removal, room invites) of a member; its steps say
    how far it got. The engine runs it as the workflow `workflow_id` (retries add runs)."""

    __tablename__ = "journeys"
    __table_args__ = (
        CheckConstraint(sql_in("kind", JourneyKind), name="kind"),
        CheckConstraint(sql_in("status", JourneyStatus), name="status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    # The submission's ID, minted when the form was shown: a second submit finds this row.
    workflow_id: Mapped[str | None] = mapped_column(String(120), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=JourneyStatus.QUEUED, index=True)
    runs: Mapped[int] = mapped_column(Integer, default=1)  # 1 + retries started
    # While active: "<kind>:<member>", unique, so a second journey for the same member (another
    # tab, another replica) joins this one instead of repeating it. Cleared when it ends.
    dedupe_key: Mapped[str | None] = mapped_column(String(300), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    actor: Mapped[str] = mapped_column(String(150))
    member_name: Mapped[str] = mapped_column(String(200), default="")
    authentik_username: Mapped[str] = mapped_column(String(150), default="", index=True)
    authentik_pk: Mapped[int | None] = mapped_column(BigId)
    matrix_user_id: Mapped[str] = mapped_column(String(255), default="", index=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    steps: Mapped[list[JourneyStep]] = relationship(
        back_populates="journey", order_by="JourneyStep.position", cascade="all, delete-orphan"
    )


class JourneyStep(Base):
    """A step's state: pending, running, done, failed (with reason) or skipped."""

    __tablename__ = "journey_steps"
    __table_args__ = (
        UniqueConstraint("journey_id", "name"),
        CheckConstraint(sql_in("status", StepStatus), name="status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    journey_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("journeys.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=StepStatus.PENDING)
    reason: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    journey: Mapped[Journey] = relationship(back_populates="steps")


class MessageTemplate(Base):
    """An admin-edited message text; absent rows fall back to the built-in default."""

    __tablename__ = "message_templates"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(String(150))
