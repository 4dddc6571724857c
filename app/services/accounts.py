"""Dashboard accounts: create, list, (de)activate, reset password, change role, end sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.account_rules import (
    active_admin_count,
    check_role,
    check_username,
)
from app.auth.passwords import check_new_password, hash_password
from app.auth.sessions import revoke_account_sessions
from app.db import audit_log
from app.db.engine import session_scope
from app.db.models import Account, LoginSession, utcnow
from app.utils.enums import AuditAction, AuthSource, Role
from app.utils.errors import DashboardError, InputError


class AccountError(DashboardError):
    """An account change that is not allowed (e.g. removing the last admin)."""


@dataclass(frozen=True)
class AccountView:
    id: int
    username: str
    display_name: str
    role: str
    is_active: bool
    auth_source: str
    created_at: datetime
    last_login_at: datetime | None
    live_sessions: int


def _view(account: Account, live_sessions: int = 0) -> AccountView:
    return AccountView(
        id=account.id,
        username=account.username,
        display_name=account.display_name,
        role=account.role,
        is_active=account.is_active,
        auth_source=account.auth_source,
        created_at=account.created_at,
        last_login_at=account.last_login_at,
        live_sessions=live_sessions,
    )


def list_accounts() -> list[AccountView]:
    now = utcnow()
    with session_scope() as db:
        live = dict(
            db.execute(
                select(LoginSession.account_id, func.count(LoginSession.id))
                .where(LoginSession.revoked_at.is_(None), LoginSession.expires_at > now)
                .group_by(LoginSession.account_id)
            ).all()
        )
        accounts = db.scalars(select(Account).order_by(Account.username)).all()
        return [_view(a, live.get(a.id, 0)) for a in accounts]


def create_account(
    *, actor: str, username: str, password: str, role: str, display_name: str = ""
) -> AccountView:
    """A new local account. Input is checked (naming the field) before anything is written."""
    name = check_username(username)
    check_role(role)
    check_new_password(password, username=name)
    display = display_name.strip()[:200]
    with session_scope() as db:
        if db.scalar(select(Account.id).where(Account.username == name)) is not None:
            raise InputError("Username", f"'{name}' is already taken")
        account = Account(
            username=name,
            display_name=display,
            password_hash=hash_password(password),
            role=role,
            is_active=True,
            auth_source=AuthSource.LOCAL,
        )
        db.add(account)
        db.flush()
        audit_log.record(
            actor=actor,
            action=AuditAction.ACCOUNT_CREATE,
            target=name,
            details={"role": role},
            db=db,
        )
        return _view(account)


def _get(db: Session, account_id: int) -> Account:
    account = db.get(Account, account_id)
    if account is None:
        raise AccountError(f"No dashboard account with id {account_id}")
    return account


def set_active(*, actor: str, account_id: int, active: bool) -> AccountView:
    """Activate or deactivate; deactivating ends the account's sessions at once."""
    with session_scope() as db:
        account = _get(db, account_id)
        if not active:
            if account.username == actor:
                raise AccountError("You cannot deactivate your own account.")
            if account.role == Role.ADMIN and account.is_active and active_admin_count(db) <= 1:
                raise AccountError("This is the last active admin; make another admin first.")
        account.is_active = active
        action = AuditAction.ACCOUNT_ACTIVATE if active else AuditAction.ACCOUNT_DEACTIVATE
        audit_log.record(actor=actor, action=action, target=account.username, db=db)
        view = _view(account)
    if not active:
        revoke_account_sessions(account_id)
    return view


def set_role(*, actor: str, account_id: int, role: str) -> AccountView:
    """Promote to admin or demote to moderator."""
    check_role(role)
    with session_scope() as db:
        account = _get(db, account_id)
        if account.role == role:
            return _view(account)
        if account.role == Role.ADMIN:
            if account.username == actor:
                raise AccountError("You cannot demote yourself; ask another admin.")
            if account.is_active and active_admin_count(db) <= 1:
                raise AccountError("This is the last active admin; make another admin first.")
        previous, account.role = account.role, role
        audit_log.record(
            actor=actor,
            action=AuditAction.ACCOUNT_ROLE,
            target=account.username,
            details={"from": previous, "to": role},
            db=db,
        )
        return _view(account)


def reset_password(*, actor: str, account_id: int, new_password: str) -> AccountView:
    """Set a new password and end the account's sessions (they must log in again)."""
    with session_scope() as db:
        account = _get(db, account_id)
        if account.auth_source != AuthSource.LOCAL:
            raise AccountError("This account logs in through SSO; it has no dashboard password.")
        check_new_password(new_password, field="New password", username=account.username)
        account.password_hash = hash_password(new_password)
        audit_log.record(
            actor=actor, action=AuditAction.ACCOUNT_PASSWORD_RESET, target=account.username, db=db
        )
        view = _view(account)
    revoke_account_sessions(account_id)
    return view


def revoke_sessions(*, actor: str, account_id: int) -> int:
    """Log the account out everywhere; returns how many sessions ended."""
    with session_scope() as db:
        username = _get(db, account_id).username
    ended = revoke_account_sessions(account_id)
    audit_log.record(
        actor=actor,
        action=AuditAction.ACCOUNT_REVOKE_SESSIONS,
        target=username,
        details={"ended": ended},
    )
    return ended
