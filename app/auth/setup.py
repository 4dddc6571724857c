"""First run: while no admin exists, a one-time token from the server log creates the first one."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update

from app.auth.account_rules import active_admin_count, check_username
from app.auth.identity import Identity
from app.auth.login import start_session
from app.auth.passwords import check_new_password, hash_password
from app.auth.tokens import new_token, plausible, token_hash
from app.db import audit_budget, audit_log
from app.db.engine import rows_changed, session_scope
from app.db.models import Account, SetupToken, utcnow
from app.utils.enums import AuditAction, AuditOutcome, AuthSource, Role
from app.utils.errors import InputError

logger = logging.getLogger(__name__)

TOKEN_VALID_FOR = timedelta(hours=24)
# Set by `python -m app serve`, which announces a token itself before starting Streamlit.
SETUP_ANNOUNCED_ENV = "DASHBOARD_SETUP_TOKEN_ANNOUNCED"
TOKEN_FIELD = "Setup token"  # noqa: S105 (a field label)


def needs_setup() -> bool:
    """True while no active admin account exists."""
    with session_scope() as db:
        return active_admin_count(db) == 0


def issue_setup_token(*, now: datetime | None = None) -> str | None:
    """A fresh one-time token if setup is still needed, else None. Only its hash is stored."""
    now = now or utcnow()
    token = new_token()
    with session_scope() as db:
        if active_admin_count(db) > 0:
            return None
        db.add(
            SetupToken(
                token_hash=token_hash(token), created_at=now, expires_at=now + TOKEN_VALID_FOR
            )
        )
    return token


def announce_setup_token() -> None:
    """Print a setup token to the server log when there is no admin yet (once per process)."""
    token = issue_setup_token()
    if token:
        # The one place a secret goes to the log, on purpose: only the operator reads it, it
        # works once, and only until the first admin exists.
        logger.warning(
            "No admin account yet. First-run setup token (valid %s h, single use): %s  "
            "Open the dashboard and enter it to create the first admin, or run "
            "`python -m app create-admin`.",
            int(TOKEN_VALID_FOR.total_seconds() // 3600),
            token,
        )


def complete_setup(
    *, token: str, username: str, password: str, display_name: str = "", now: datetime | None = None
) -> tuple[str, Identity]:
    """Create the first admin with a valid setup token; returns a logged-in session."""
    now = now or utcnow()
    token = token.strip()
    if not token:
        raise InputError(TOKEN_FIELD, "paste the token printed in the server log")
    name = check_username(username)
    check_new_password(password, username=name)
    with session_scope() as db:
        if active_admin_count(db) > 0:
            raise InputError(TOKEN_FIELD, "setup is already done: log in instead")
        result = db.execute(
            update(SetupToken)
            .where(
                SetupToken.token_hash == (token_hash(token) if plausible(token) else ""),
                SetupToken.used_at.is_(None),
                SetupToken.expires_at > now,
            )
            .values(used_at=now)
        )
        claimed = rows_changed(result) == 1
        if not claimed:  # anyone may try while no admin exists: bounded like failed logins
            audit_budget.record(
                db,
                now=now,
                actor=name,
                action=AuditAction.SETUP_FIRST_ADMIN,
                outcome=AuditOutcome.DENIED,
                details={"reason": "bad or expired setup token"},
            )
        else:
            if db.scalar(select(Account.id).where(Account.username == name)) is not None:
                raise InputError("Username", f"'{name}' is already taken")
            account = Account(
                username=name,
                display_name=display_name.strip()[:200],
                password_hash=hash_password(password),
                role=Role.ADMIN,
                is_active=True,
                auth_source=AuthSource.LOCAL,
            )
            db.add(account)
            db.execute(update(SetupToken).where(SetupToken.used_at.is_(None)).values(used_at=now))
            db.flush()
            audit_log.record(actor=name, action=AuditAction.SETUP_FIRST_ADMIN, target=name, db=db)
            account_id = account.id
    if not claimed:
        raise InputError(
            TOKEN_FIELD,
            "not valid or expired: use the newest token from the server log, "
            "or run `python -m app setup-token` for a new one",
        )
    return start_session(account_id, now=now)
