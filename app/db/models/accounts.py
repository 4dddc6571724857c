"""Dashboard accounts, their login sessions, login throttles and the first-run setup tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models.base import Base, BigId, UTCDateTime, utcnow
from app.utils.enums import AuthSource, Role, sql_in


class Account(Base):
    """A person who may log into the dashboard (local password or SSO)."""

    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint(sql_in("role", Role), name="role"),
        CheckConstraint(sql_in("auth_source", AuthSource), name="auth_source"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(150), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    auth_source: Mapped[str] = mapped_column(String(16), default=AuthSource.LOCAL)
    oidc_subject: Mapped[str | None] = mapped_column(String(255), unique=True)
    matrix_user_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the account's sessions were last ended: SSO logins issued before it do not count.
    sessions_revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginSession(Base):
    """A browser's login: only the SHA-256 of its random token is stored."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    absolute_expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginThrottle(Base):
    """Per submitted username (existing or not): password checks counted against the lockout.

    `failures` since `window_started_at`, checks `in_flight` (reserved before argon2 runs, the
    latest at `reserved_at`), `locked_until`, and tries `refused` unchecked since the last
    reset (written to the audit log in aggregate). See app/auth/lockout.py.
    """

    __tablename__ = "login_throttles"

    username: Mapped[str] = mapped_column(String(150), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    in_flight: Mapped[int] = mapped_column(Integer, default=0)
    reserved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refused: Mapped[int] = mapped_column(Integer, default=0)


class SetupToken(Base):
    """One-time token printed to the server log while no admin exists (hash only)."""

    __tablename__ = "setup_tokens"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CookieTicket(Base):
    """A one-time, short-lived ticket a browser trades for a change of its session cookie.

    Only the ticket's SHA-256 is stored. For a "set" ticket the session token is kept sealed
    under the ticket itself, so the database alone does not reveal it; any replica can redeem.
    """

    __tablename__ = "cookie_tickets"
    __table_args__ = (CheckConstraint("purpose IN ('set', 'clear')", name="purpose"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(8))
    sealed_token: Mapped[str | None] = mapped_column(String(256))
    # SHA-256 of the browser's HttpOnly binding cookie: only that browser can redeem.
    binding_hash: Mapped[str] = mapped_column(String(64))
    secure: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
