"""Every table, imported here so Alembic and the app see one metadata."""

from app.db.models.accounts import (
    ROLES,
    Account,
    CookieTicket,
    LoginSession,
    LoginThrottle,
    SetupToken,
)
from app.db.models.audit import OUTCOMES, AuditBudget, AuditEvent
from app.db.models.base import Base, utcnow
from app.db.models.journeys import (
    JOURNEY_KINDS,
    STEP_STATUSES,
    Journey,
    JourneyStep,
    MessageTemplate,
)
from app.db.models.rooms import (
    SYNC_STATUSES,
    Room,
    RoomCategory,
    RoomCategoryLink,
    RoomKeyword,
    RoomMember,
    RoomSyncLock,
    RoomSyncRun,
)

__all__ = [
    "JOURNEY_KINDS",
    "OUTCOMES",
    "ROLES",
    "STEP_STATUSES",
    "SYNC_STATUSES",
    "Account",
    "AuditBudget",
    "AuditEvent",
    "Base",
    "CookieTicket",
    "Journey",
    "JourneyStep",
    "LoginSession",
    "LoginThrottle",
    "MessageTemplate",
    "Room",
    "RoomCategory",
    "RoomCategoryLink",
    "RoomKeyword",
    "RoomMember",
    "RoomSyncLock",
    "RoomSyncRun",
    "SetupToken",
    "utcnow",
]
