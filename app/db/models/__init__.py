"""Every table, imported here so Alembic and the app see one metadata."""

from app.db.models.accounts import ROLES, Account, LoginAttempt, LoginSession, SetupToken
from app.db.models.audit import OUTCOMES, AuditEvent
from app.db.models.base import Base, utcnow

__all__ = [
    "OUTCOMES",
    "ROLES",
    "Account",
    "AuditEvent",
    "Base",
    "LoginAttempt",
    "LoginSession",
    "SetupToken",
    "utcnow",
]
