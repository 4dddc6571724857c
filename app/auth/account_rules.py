"""What a dashboard account must be: its username, its role, and the last-admin rule.

Used where accounts are made or changed: first-run setup and SSO sign-in here in `auth`, and
the account management service (`app.services.accounts`).
"""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.engine import session_scope
from app.db.models import Account
from app.utils.enums import Role
from app.utils.errors import InputError

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@+-]{1,149}$")


def normalize_username(username: str) -> str:
    return username.strip().lower()


def check_username(username: str, *, field: str = "Username") -> str:
    """The normalized username, or InputError naming the field."""
    name = normalize_username(username)
    if not _USERNAME.match(name):
        raise InputError(
            field,
            "use 2-150 characters: lowercase letters, digits and . _ @ + - "
            "(starting with a letter or digit)",
        )
    return name


def check_role(role: str, *, field: str = "Role") -> Role:
    try:
        return Role(role)
    except ValueError:
        raise InputError(field, f"must be one of: {', '.join(Role)}") from None


def role_of(username: str) -> str | None:
    """The role of the active dashboard account `username`, read now; None if there is none."""
    with session_scope() as db:
        return db.scalar(
            select(Account.role).where(Account.username == username, Account.is_active.is_(True))
        )


def active_admin_count(db: Session) -> int:
    return (
        db.scalar(
            select(func.count(Account.id)).where(
                Account.role == Role.ADMIN, Account.is_active.is_(True)
            )
        )
        or 0
    )
