"""The dashboard's domain words, each spelled once: roles, audit actions and outcomes, journey
kinds and step statuses, room sync statuses, login sources.

They are StrEnums, so a member is its string everywhere it is stored or compared (the database
keeps plain text). Database CHECK constraints are written from them (`sql_in`), and the
navigation's role lists too: adding a member here is where such a change starts (a constraint
that changes needs a migration).
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a dashboard account may do."""

    ADMIN = "admin"
    MODERATOR = "moderator"


STAFF: tuple[Role, ...] = (Role.ADMIN, Role.MODERATOR)  # every role
ADMINS: tuple[Role, ...] = (Role.ADMIN,)


class AuthSource(StrEnum):
    """How an account logs in: a dashboard password, or Authentik (OIDC)."""

    LOCAL = "local"
    OIDC = "oidc"


class AuditOutcome(StrEnum):
    OK = "ok"
    FAILED = "failed"
    PARTIAL = "partial"  # some items of a bulk action worked, some did not
    DENIED = "denied"  # refused by the dashboard before anything was tried


class JourneyKind(StrEnum):
    ONBOARDING = "onboarding"
    OFFBOARDING = "offboarding"
    REMOVAL = "removal"  # remove a member from chosen rooms (Remove from rooms page)
    ROOM_INVITES = "room_invites"  # invite a member to chosen rooms (Invite to rooms page)
    UNDO = "undo"  # undo a bulk action: a journey or a batch of Authentik users


class JourneyStatus(StrEnum):
    """A journey as a whole: queued, running (its workflow on the engine), then how it ended."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # some step failed: retry redoes only what is not done
    CANCELLED = "cancelled"


ACTIVE_JOURNEY: tuple[JourneyStatus, ...] = (JourneyStatus.QUEUED, JourneyStatus.RUNNING)


class StepStatus(StrEnum):
    """A journey step moves pending -> running -> done | failed | skipped."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


class SyncStatus(StrEnum):
    """A room sync run: running, then how it ended."""

    RUNNING = "running"
    OK = "ok"
    PARTIAL = "partial"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


class SanctionKind(StrEnum):
    """A timed sanction in rooms: a ban (lifted: unbanned), a mute (power level below the
    room's events_default; lifted: restored exactly) or a kick (lifted: invited back)."""

    BAN = "ban"
    MUTE = "mute"
    KICK = "kick"


class SanctionStatus(StrEnum):
    ACTIVE = "active"
    LIFTED = "lifted"  # ended early by someone
    EXPIRED = "expired"  # ended on time, by itself


class ApprovalStatus(StrEnum):
    PENDING = "pending"  # waiting for a second admin
    APPROVED = "approved"  # approved; running
    DONE = "done"  # ran (see its result)
    FAILED = "failed"  # ran and was refused (see its result)
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # by the admin who asked
    EXPIRED = "expired"  # nobody decided in time


class ApprovalKind(StrEnum):
    USERS_BULK = "users_bulk"
    OFFBOARDING = "offboarding"
    REMOVAL = "removal"


class EmailKind(StrEnum):
    """What an email carries: an invite link, or onboarding's welcome."""

    INVITE = "invite"
    WELCOME = "welcome"


class DeliveryStatus(StrEnum):
    """One email to one recipient: queued, maybe waiting (a welcome waits for the account) or
    retrying (after a transient failure), then sent, failed or skipped."""

    QUEUED = "queued"
    WAITING = "waiting"
    RETRYING = "retrying"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


class AuditAction(StrEnum):
    """Every action the audit log records; the value is what the `action` column holds."""

    # logging in and out, first run, refusals
    LOGIN = "login"
    LOGOUT = "logout"
    LOGIN_UNLOCK = "login.unlock"
    SETUP_FIRST_ADMIN = "setup.first_admin"
    AUTHORITY_REFUSED = "authority.refused"
    AUDIT_CAPPED = "audit.capped"
    # dashboard accounts
    ACCOUNT_CREATE = "account.create"
    ACCOUNT_ACTIVATE = "account.activate"
    ACCOUNT_DEACTIVATE = "account.deactivate"
    ACCOUNT_ROLE = "account.role"
    ACCOUNT_RENAME = "account.rename"
    ACCOUNT_PASSWORD_RESET = "account.password_reset"  # noqa: S105 (an action name)
    ACCOUNT_REVOKE_SESSIONS = "account.revoke_sessions"
    MODERATOR_LINK_MATRIX = "moderator.link_matrix"
    MODERATOR_POWER = "moderator.power"
    MODERATOR_SCOPE = "moderator.scope"  # the room categories a moderator is limited to
    TEMPLATE_UPDATE = "template.update"
    TEMPLATE_RESET = "template.reset"
    # Authentik: invite links and users
    INVITE_LINK_CREATE = "authentik.invite.create"
    INVITE_LINK_REVOKE = "authentik.invite.revoke"
    USER_CREATE = "authentik.user.create"
    USER_SET_PASSWORD = "authentik.user.set_password"  # noqa: S105 (an action name)
    USER_RECOVERY_LINK = "authentik.user.recovery_link"
    USER_EXPORT = "authentik.user.export"
    USER_ACTIVATE = "authentik.user.activate"
    USER_DEACTIVATE = "authentik.user.deactivate"
    USER_GROUP_ADD = "authentik.user.group_add"
    USER_GROUP_REMOVE = "authentik.user.group_remove"
    USER_DELETE = "authentik.user.delete"
    USER_INTENDED_GROUPS = "authentik.user.intended_groups"  # an invitation's groups applied
    SETUP_FLOWS = "authentik.setup.flows"  # "Create the flows for me"
    # Matrix: rooms and messages
    ROOMS_SYNC = "rooms.sync"
    ROOMS_INVITE = "rooms.invite"
    ROOMS_KICK = "rooms.kick"
    ROOMS_BAN = "rooms.ban"
    ROOMS_TAGS = "rooms.tags"
    ROOMS_CATEGORY_CREATE = "rooms.category.create"
    ROOMS_CATEGORY_DELETE = "rooms.category.delete"
    MESSAGES_ROOMS = "messages.rooms"
    MESSAGES_DIRECT = "messages.direct"
    # email: an admin's "send by email" (one row), then each recipient's outcome (one row each)
    EMAIL_INVITE_REQUEST = "email.invite.request"
    EMAIL_INVITE = "email.invite"
    EMAIL_WELCOME = "email.welcome"
    # journeys: "<kind>.<step name>" (see journey_step)
    SANCTION_IMPOSE = "sanction.impose"
    SANCTION_LIFT = "sanction.lift"
    SANCTION_EXPIRE = "sanction.expire"
    SANCTION_EXTEND = "sanction.extend"
    CASE_NOTE = "case.note"
    APPROVAL_REQUEST = "approval.request"
    APPROVAL_APPROVE = "approval.approve"
    APPROVAL_REJECT = "approval.reject"
    APPROVAL_WITHDRAW = "approval.withdraw"
    APPROVAL_EXPIRE = "approval.expire"
    APPROVAL_RUN = "approval.run"
    USER_BULK = "authentik.users.bulk"  # one row per batch: who, what, each user's before
    UNDO_START = "undo.start"
    UNDO_ROOMS = "undo.rooms"
    UNDO_ACCOUNTS = "undo.accounts"
    JOURNEY_START = "journey.start"
    JOURNEY_RETRY = "journey.retry"
    JOURNEY_CANCEL = "journey.cancel"
    OFFBOARDING_START = "offboarding.start"
    ONBOARDING_AUTHENTIK_ACCOUNT = "onboarding.authentik_account"
    ONBOARDING_CREDENTIAL = "onboarding.credential"
    ONBOARDING_MATRIX_ACCOUNT = "onboarding.matrix_account"
    ONBOARDING_ROOM_INVITES = "onboarding.room_invites"
    ONBOARDING_GRADUATION = "onboarding.graduation"
    ONBOARDING_WELCOME_DM = "onboarding.welcome_dm"
    OFFBOARDING_AUTHENTIK_ACCOUNT = "offboarding.authentik_account"
    OFFBOARDING_INVITATIONS = "offboarding.invitations"
    OFFBOARDING_ROOM_REMOVAL = "offboarding.room_removal"
    REMOVAL_ROOM_REMOVAL = "removal.room_removal"
    ROOM_INVITES_ROOM_INVITES = "room_invites.room_invites"

    @classmethod
    def journey_step(cls, kind: JourneyKind | str, step: str) -> AuditAction:
        """The action of one journey step; ValueError for a step this enum does not list."""
        return cls(f"{JourneyKind(kind)}.{step}")


def sql_in(column: str, values: type[StrEnum]) -> str:
    """A CHECK constraint's SQL, e.g. "role IN ('admin', 'moderator')", in member order."""
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"
