"""Every table, imported here so Alembic and the app see one metadata."""

from app.db.models.accounts import (
    Account,
    CookieTicket,
    LoginSession,
    LoginThrottle,
    SetupToken,
)
from app.db.models.audit import AuditBudget, AuditEvent
from app.db.models.base import Base, utcnow
from app.db.models.email import EmailDelivery
from app.db.models.governance import Approval, ModeratorScope
from app.db.models.journeys import (
    Journey,
    JourneyStep,
    MessageTemplate,
)
from app.db.models.moderation import CaseNote, Sanction
from app.db.models.rooms import (
    Room,
    RoomCategory,
    RoomCategoryLink,
    RoomKeyword,
    RoomMember,
    RoomSyncLock,
    RoomSyncRun,
)

__all__ = [
    "Account",
    "Approval",
    "AuditBudget",
    "AuditEvent",
    "Base",
    "CaseNote",
    "CookieTicket",
    "EmailDelivery",
    "Journey",
    "JourneyStep",
    "LoginSession",
    "LoginThrottle",
    "MessageTemplate",
    "ModeratorScope",
    "Room",
    "RoomCategory",
    "RoomCategoryLink",
    "RoomKeyword",
    "RoomMember",
    "RoomSyncLock",
    "RoomSyncRun",
    "Sanction",
    "SetupToken",
    "utcnow",
]
