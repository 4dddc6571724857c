"""The append-only audit trail (database triggers refuse UPDATE, DELETE, TRUNCATE and REPLACE),
and the per-minute budget of rows anyone may cause without logging in."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models.base import Base, BigId, UTCDateTime, utcnow


class AuditEvent(Base):
    """Who did what to whom, when, and how it went."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(150), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)  # an AuditAction
    target: Mapped[str] = mapped_column(String(255), default="", index=True)
    member: Mapped[str] = mapped_column(String(255), default="", index=True)
    outcome: Mapped[str] = mapped_column(String(16), index=True)  # an AuditOutcome
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AuditBudget(Base):
    """Rows written and left unwritten in the current minute (app/db/audit_budget.py)."""

    __tablename__ = "audit_budgets"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    minute_start: Mapped[datetime] = mapped_column(UTCDateTime)
    written: Mapped[int] = mapped_column(Integer, default=0)
    suppressed: Mapped[int] = mapped_column(Integer, default=0)
