"""Checks for values sent to Authentik, run before any request; each raises InputError(field).

The rules are Authentik's own where it has them, so a form can say what is wrong next to the
field instead of waiting for a 400 (or, worse, for Authentik to accept something the rest of
its API then cannot represent):

- username: at most 150 characters of letters, digits and @ . + - _ (Django's username rule,
  which Authentik's schema states as `^[\\w.@+-]+$`; its create endpoint only checks the
  length, but other endpoints then answer usernames that break that pattern);
- invitation name: a slug, `^[-a-zA-Z0-9_]+$` (Authentik's RegexValidator on the model);
- user path: no leading or trailing slash, no empty segment (Authentik's `validate_path`);
- invitation expiry: between one hour and 30 days from now (the dashboard's policy).
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

from app.utils.errors import InputError
from app.utils.plain_text import clean

USERNAME_MAX = 150
EMAIL_MAX = 254
MIN_EXPIRY = timedelta(hours=1)
MAX_EXPIRY = timedelta(days=30)
# A form computes "now + 30 days" a moment before we check it; do not reject that.
_EXPIRY_SLACK = timedelta(minutes=1)

_USERNAME = re.compile(r"[\w.@+-]+")
_SLUG = re.compile(r"[-a-zA-Z0-9_]+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


def username(value: str, field: str = "username") -> str:
    """The username without surrounding spaces, or InputError naming `field`."""
    value = clean(value)
    if not value:
        raise InputError(field, "enter a username")
    if len(value) > USERNAME_MAX:
        raise InputError(field, f"at most {USERNAME_MAX} characters (this has {len(value)})")
    if not _USERNAME.fullmatch(value):
        raise InputError(field, "use only letters, digits and @ . + - _ (no spaces)")
    return value


def email(value: str | None, field: str = "email", *, required: bool = False) -> str | None:
    """The address without surrounding spaces; None when empty and not required."""
    value = clean(value)
    if not value:
        if required:
            raise InputError(field, "enter an email address")
        return None
    if len(value) > EMAIL_MAX:
        raise InputError(field, f"at most {EMAIL_MAX} characters")
    if not _EMAIL.fullmatch(value):
        raise InputError(field, "enter an address like name@example.org")
    return value


def invitation_name(value: str, field: str = "name") -> str:
    """An invitation name Authentik accepts: letters, digits, - and _ only."""
    value = clean(value)
    if not value:
        raise InputError(field, "enter a name (letters, digits, - and _)")
    if not _SLUG.fullmatch(value):
        raise InputError(field, "use only letters A-Z, digits, - and _ (no spaces or accents)")
    return value


def user_path(value: str, field: str = "path") -> str:
    """A user path such as "users" or "users/community" (Authentik's rules)."""
    value = clean(value)
    if not value:
        raise InputError(field, "enter a path such as users")
    if value.startswith("/") or value.endswith("/"):
        raise InputError(field, "no leading or trailing slash")
    if "" in value.split("/"):
        raise InputError(field, "no empty segments (//)")
    return value


def invitation_expiry(
    expires: datetime, field: str = "expires", *, now: datetime | None = None
) -> datetime:
    """`expires` if it lies between one hour and 30 days from now (timezone-aware)."""
    if expires.tzinfo is None:
        raise InputError(field, "needs a time zone (use an aware datetime)")
    now = now or datetime.now(UTC)
    if expires < now + MIN_EXPIRY - _EXPIRY_SLACK:
        raise InputError(field, "must be at least 1 hour from now")
    if expires > now + MAX_EXPIRY + _EXPIRY_SLACK:
        raise InputError(field, "must be at most 30 days from now")
    return expires


def expires_in(
    duration: timedelta, field: str = "expires", *, now: datetime | None = None
) -> datetime:
    """The expiry `duration` from now, checked against the same bounds."""
    now = now or datetime.now(UTC)
    return invitation_expiry(now + duration, field, now=now)


def authentik_id(value: str, field: str) -> str:
    """A UUID (group, invitation or flow pk), normalized; checked before it goes into a URL."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise InputError(field, f"{value!r} is not an Authentik ID (a UUID)") from None


def flow_slug(value: str, field: str = "flow") -> str:
    """A flow slug (letters, digits, - and _), as in AUTHENTIK_ENROLLMENT_FLOW."""
    value = clean(value)
    if not _SLUG.fullmatch(value):
        raise InputError(field, "a flow slug uses only letters, digits, - and _")
    return value
