"""All settings, read once from the environment and `.env`; a bad value names its variable."""

from __future__ import annotations

import os
import re
from email.utils import parseaddr
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AnyHttpUrl,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.utils.matrix import ids as matrix_ids

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SQLITE_URL = f"sqlite:///{PROJECT_ROOT / 'data' / 'dashboard.db'}"

PositiveSeconds = Annotated[float, Field(gt=0, le=600)]
SmtpSecurity = Literal["starttls", "ssl", "none"]
# The port each SMTP_SECURITY means when SMTP_PORT is not set (submission, SMTPS, plain SMTP).
SMTP_DEFAULT_PORTS: dict[str, int] = {"starttls": 587, "ssl": 465, "none": 25}
_ADDRESS = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\".]+")


class ConfigError(Exception):
    """Settings could not be loaded; the message names every bad variable."""


class Settings(BaseSettings):
    """One place for configuration. Field names are the environment variable names, upper-cased."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        env_ignore_empty=True,  # `VAR=` in .env means "not set", not "the empty string"
    )

    # Core
    database_url: str = DEFAULT_SQLITE_URL
    # This replica's stable identity: its interrupted journeys resume when it starts again.
    replica_id: str = Field("local", pattern=r"^[A-Za-z0-9._-]{1,64}$")
    log_level: str = Field("INFO", pattern=r"^(?i:debug|info|warning|error)$")
    session_ttl_hours: float = Field(24, gt=0, le=24 * 30)
    session_max_days: float = Field(14, gt=0, le=365)
    session_cookie_name: str = Field("cd_session", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    login_lockout_attempts: int = Field(5, ge=1, le=100)
    login_lockout_window_minutes: float = Field(15, gt=0, le=24 * 60)
    login_lockout_minutes: float = Field(15, gt=0, le=24 * 60)

    # Authentik (optional)
    authentik_url: AnyHttpUrl | None = None
    authentik_public_url: AnyHttpUrl | None = None
    authentik_token: SecretStr | None = None
    authentik_enrollment_flow: str | None = Field(None, pattern=r"^[-a-zA-Z0-9_]+$")
    authentik_user_path: str = Field("users", min_length=1, max_length=200)
    authentik_timeout_seconds: PositiveSeconds = 10
    authentik_ca_bundle: Path | None = None

    # Matrix (optional)
    matrix_homeserver_url: AnyHttpUrl | None = None
    matrix_access_token: SecretStr | None = None
    matrix_bot_user_id: str | None = None
    matrix_welcome_room_id: str | None = None
    matrix_notice_suffix: str = Field("", max_length=500)
    matrix_min_room_members: int = Field(0, ge=0)
    matrix_concurrency: int = Field(5, ge=1, le=50)
    matrix_timeout_seconds: PositiveSeconds = 15
    matrix_max_throttle_wait_seconds: float = Field(10, ge=0, le=600)

    # Invite links: working invitations one person may hold at once (0: no limit)
    invite_quota: int = Field(0, ge=0, le=10_000)

    # Two-person rule: which actions wait for a second admin's approval ("" = none). A list of
    # delete, deactivate, ban (from TWO_PERSON_BAN_ROOMS rooms or more), bulk (over
    # TWO_PERSON_BULK_USERS users); a request not decided in APPROVAL_VALID_HOURS expires.
    two_person_rule: str = Field("", pattern=r"^\s*((delete|deactivate|ban|bulk)\s*(,\s*|$))*$")
    two_person_ban_rooms: int = Field(5, ge=1, le=10_000)
    two_person_bulk_users: int = Field(10, ge=1, le=100_000)
    approval_valid_hours: float = Field(24, gt=0, le=24 * 30)

    # Email by SMTP (optional): invite links and welcome messages
    smtp_host: str | None = Field(None, pattern=r"^[A-Za-z0-9.:\[\]-]{1,253}$")
    smtp_port: int | None = Field(None, ge=1, le=65535)  # None: 587, 465 or 25 by SMTP_SECURITY
    smtp_username: str | None = Field(None, max_length=254)
    smtp_password: SecretStr | None = None
    smtp_from: str | None = Field(None, max_length=300)  # me@x.org or "Name <me@x.org>"
    # validate_default: the check against sending a password in clear runs when it is unset too
    smtp_security: SmtpSecurity = Field("starttls", validate_default=True)
    smtp_timeout_seconds: PositiveSeconds = 15
    smtp_ca_bundle: Path | None = None

    # Onboarding
    auto_remove_from_indoc: bool = True
    welcome_dm_delay_seconds: float = Field(5, ge=0, le=120)

    # SSO through Authentik (optional): OpenID Connect via Streamlit's st.login
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_server_metadata_url: AnyHttpUrl | None = None
    oidc_redirect_uri: AnyHttpUrl | None = None
    oidc_cookie_secret: SecretStr | None = None
    oidc_admin_group: str = Field("dashboard-admins", min_length=1)
    oidc_moderator_group: str = Field("dashboard-moderators", min_length=1)

    @property
    def two_person_actions(self) -> frozenset[str]:
        """The kinds of action TWO_PERSON_RULE names (delete, deactivate, ban, bulk)."""
        return frozenset(p.strip() for p in self.two_person_rule.split(",") if p.strip())

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        # SQLAlchemy 2.1 maps plain postgresql:// to psycopg 3; we ship psycopg2-binary.
        for prefix in ("postgresql://", "postgres://"):
            if value.startswith(prefix):
                return "postgresql+psycopg2://" + value.removeprefix(prefix)
        if not value.startswith(("sqlite:///", "postgresql+psycopg2://")):
            raise ValueError("must start with sqlite:/// or postgresql://")
        return value

    @field_validator("matrix_bot_user_id")
    @classmethod
    def _bot_user_id(cls, value: str | None) -> str | None:
        if value is not None and not matrix_ids.is_user_id(value):
            raise ValueError("must be a Matrix user ID like @bot:example.org")
        return value

    @field_validator("matrix_welcome_room_id")
    @classmethod
    def _welcome_room(cls, value: str | None) -> str | None:
        if value is not None and not matrix_ids.is_room_id(value):
            raise ValueError("must be a room ID like !abc:example.org (or !abc for room v12)")
        return value

    @field_validator("smtp_from")
    @classmethod
    def _sender(cls, value: str | None) -> str | None:
        if value is None:
            return None
        _name, address = parseaddr(value)
        if "\n" in value or "\r" in value or not _ADDRESS.fullmatch(address):
            raise ValueError("must be an address like dashboard@example.org or "
                             "Community <dashboard@example.org>")
        return value.strip()

    @field_validator("smtp_security", mode="before")
    @classmethod
    def _security_lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("smtp_security")
    @classmethod
    def _no_password_in_clear(cls, value: str, info: ValidationInfo) -> str:
        if value == "none" and info.data.get("smtp_password") is not None:
            raise ValueError("'none' would send SMTP_PASSWORD in clear: use starttls or ssl")
        return value

    @field_validator("authentik_ca_bundle", "smtp_ca_bundle")
    @classmethod
    def _ca_bundle_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"no such file: {value}")
        return value

    # What each integration still needs, as variable names; empty means configured.
    @property
    def authentik_missing(self) -> list[str]:
        return _missing(self, "authentik_url", "authentik_token")

    @property
    def matrix_missing(self) -> list[str]:
        return _missing(self, "matrix_homeserver_url", "matrix_access_token", "matrix_bot_user_id")

    @property
    def oidc_missing(self) -> list[str]:
        return _missing(
            self,
            "oidc_client_id",
            "oidc_client_secret",
            "oidc_server_metadata_url",
            "oidc_redirect_uri",
            "oidc_cookie_secret",
        )

    @property
    def smtp_missing(self) -> list[str]:
        missing = _missing(self, "smtp_host", "smtp_from")
        if (self.smtp_username is None) != (self.smtp_password is None):  # AUTH needs both
            missing += _missing(self, "smtp_username", "smtp_password")
        return missing

    @property
    def smtp_port_or_default(self) -> int:
        return self.smtp_port or SMTP_DEFAULT_PORTS[self.smtp_security]

    @property
    def authentik_link_base(self) -> str | None:
        """Where people open invite links: the public URL, else the API URL."""
        url = self.authentik_public_url or self.authentik_url
        return str(url).rstrip("/") if url else None

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")


def _missing(settings: Settings, *names: str) -> list[str]:
    return [name.upper() for name in names if getattr(settings, name) is None]


def describe_validation_error(err: ValidationError) -> str:
    """One line per bad variable, named as it is set in the environment."""
    lines = []
    for problem in err.errors():
        variable = "_".join(str(part) for part in problem["loc"]).upper() or "settings"
        lines.append(f"{variable}: {problem['msg']}")
    return "Configuration error: " + "; ".join(lines)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, from the environment and `.env` (DASHBOARD_ENV_FILE overrides).

    Tests call `get_settings.cache_clear()` after changing the environment.
    """
    env_file = os.environ.get("DASHBOARD_ENV_FILE", ".env") or None
    try:
        return Settings(_env_file=env_file)
    except ValidationError as err:
        raise ConfigError(describe_validation_error(err)) from None
