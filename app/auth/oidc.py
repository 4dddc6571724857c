"""SSO through Authentik: turn the ID-token claims Streamlit verified into a dashboard session.

Streamlit's `st.login` does the OpenID Connect exchange and keeps the verified ID-token claims
in a signed cookie (`st.user`) for 30 days. Those claims decide nothing by themselves: a
sign-in here maps the Authentik groups to a role, creates or refreshes the SSO account row
(keyed by the OIDC subject), audits, and starts an ordinary DB-backed session, so roles are
read from the database on every page load like for local accounts. Only claims issued in the
last few minutes may start a session: a 30-day-old cookie must not bring back a role that
Authentik has since taken away.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.auth.account_rules import check_username
from app.auth.identity import Identity
from app.auth.login import LoginRefused, start_session
from app.auth.sessions import revoke_account_sessions
from app.db import audit_log
from app.db.engine import session_scope
from app.db.models import Account, utcnow
from app.utils.config import Settings, get_settings
from app.utils.enums import AuditAction, AuditOutcome, AuthSource, Role
from app.utils.errors import DashboardError, InputError

logger = logging.getLogger(__name__)

# How recent the Authentik login must be to start a dashboard session (with clock skew).
SIGN_IN_WINDOW = timedelta(minutes=5)
CLOCK_SKEW = timedelta(minutes=2)
METHOD = "sso"


class SsoRefused(DashboardError):
    """Authentik vouched for this person, but the dashboard will not let them in."""


class SsoExpired(DashboardError):
    """The Authentik login is too old to start a session: log in with Authentik again."""


@dataclass(frozen=True)
class SsoClaims:
    subject: str
    username: str
    display_name: str
    groups: tuple[str, ...]
    issued_at: datetime


def role_for_groups(groups: Iterable[str], settings: Settings) -> str | None:
    """The dashboard role for these Authentik groups (admin wins), or None for no access."""
    names = set(groups)
    if settings.oidc_admin_group in names:
        return Role.ADMIN
    if settings.oidc_moderator_group in names:
        return Role.MODERATOR
    return None


def no_group_message(settings: Settings) -> str:
    return (
        f"Your Authentik account is not in the {settings.oidc_admin_group} or "
        f"{settings.oidc_moderator_group} group, so it cannot use the dashboard. "
        "Ask a dashboard admin to add you, then log in again."
    )


def _text(claims: Mapping[str, Any], name: str) -> str:
    value = claims.get(name)
    return value.strip() if isinstance(value, str) else ""


def _groups(value: object) -> tuple[str, ...]:
    """The `groups` claim: a list of names (one string accepted); anything else means none."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        return ()
    return tuple(g.strip() for g in value if isinstance(g, str) and g.strip())


def _issued_at(claims: Mapping[str, Any]) -> datetime:
    iat = claims.get("iat")
    if isinstance(iat, bool) or not isinstance(iat, int | float):
        raise SsoRefused(
            "Authentik's answer has no issue time (iat claim); ask an admin to check the "
            "Authentik provider."
        )
    return datetime.fromtimestamp(iat, tz=UTC)


def parse_claims(claims: Mapping[str, Any]) -> SsoClaims:
    """Validate the claims the dashboard needs; SsoRefused says which one is missing."""
    subject = _text(claims, "sub")
    if not subject:
        raise SsoRefused(
            "Authentik's answer has no subject (sub claim); ask an admin to check the "
            "Authentik provider."
        )
    raw_name = _text(claims, "preferred_username") or _text(claims, "email") or subject
    try:
        username = check_username(raw_name, field="Authentik username")
    except InputError as err:
        raise SsoRefused(
            f"Your Authentik username '{raw_name[:150]}' cannot be a dashboard username: "
            f"{err.message}. Ask an admin."
        ) from None
    return SsoClaims(
        subject=subject[:255],
        username=username,
        display_name=_text(claims, "name")[:200],
        groups=_groups(claims.get("groups")),
        issued_at=_issued_at(claims),
    )


def claims_key(claims: Mapping[str, Any]) -> str:
    """Names one Authentik login (subject and issue time), to use its claims only once."""
    return f"{claims.get('sub')}@{claims.get('iat')}"


def _check_fresh(parsed: SsoClaims, now: datetime) -> None:
    if parsed.issued_at > now + CLOCK_SKEW:
        raise SsoRefused(
            "Authentik's clock is ahead of the dashboard's; ask an admin to check the time "
            "on both servers."
        )
    if now - parsed.issued_at > SIGN_IN_WINDOW + CLOCK_SKEW:
        raise SsoExpired("Your Authentik login has expired. Log in with Authentik again.")


def _refusal(db: Session, claims: SsoClaims, reason: str, message: str) -> str:
    """Audit a refused SSO login (in the caller's transaction) and return what to show."""
    audit_log.record(
        actor=claims.username,
        action=AuditAction.LOGIN,
        outcome=AuditOutcome.DENIED,
        details={"method": METHOD, "reason": reason, "groups": list(claims.groups)[:20]},
        db=db,
    )
    logger.info("SSO login refused for subject %s: %s", claims.subject, reason)
    return message


def sign_in_from_claims(
    claims: Mapping[str, Any], *, now: datetime | None = None, settings: Settings | None = None
) -> tuple[str, Identity]:
    """Start a dashboard session for a fresh Authentik login; returns (token, identity).

    Raises SsoExpired for claims older than the sign-in window (nothing is written), and
    SsoRefused, after auditing, when the person may not use the dashboard.
    """
    now = now or utcnow()
    settings = settings or get_settings()
    parsed = parse_claims(claims)
    _check_fresh(parsed, now)
    role = role_for_groups(parsed.groups, settings)
    try:
        return _sign_in(parsed, role, now, settings)
    except IntegrityError:  # the same first login twice at once: the other one created the row
        return _sign_in(parsed, role, now, settings)


def _sign_in(
    parsed: SsoClaims, role: str | None, now: datetime, settings: Settings
) -> tuple[str, Identity]:
    refused: str | None = None
    revoke_id: int | None = None
    replayed = False
    with session_scope() as db:
        account = db.scalar(select(Account).where(Account.oidc_subject == parsed.subject))
        holder = db.scalar(select(Account).where(Account.username == parsed.username))
        ended = account.sessions_revoked_at if account is not None else None
        if account is not None and not account.is_active:
            refused = _refusal(
                db,
                parsed,
                "account deactivated",
                "Your dashboard account has been deactivated. Ask a dashboard admin.",
            )
        elif ended is not None and parsed.issued_at <= ended:
            # The account's sessions were ended after this Authentik login: it may not open a
            # new one (Streamlit would otherwise replay its claims on the next page load).
            replayed = True
        elif role is None:
            refused = _refusal(db, parsed, "no dashboard group", no_group_message(settings))
            revoke_id = account.id if account is not None else None
        elif holder is not None and holder is not account:
            kind = "local" if holder.auth_source == AuthSource.LOCAL else "another SSO"
            refused = _refusal(
                db,
                parsed,
                f"username taken by {kind} account",
                f"The dashboard username '{parsed.username}' belongs to {kind} account, so "
                "your Authentik login cannot use it. Ask a dashboard admin to rename one of "
                "the two accounts.",
            )
        else:
            account = _upsert(db, account, parsed, role, now)
            audit_log.record(
                actor=account.username,
                action=AuditAction.LOGIN,
                details={"method": METHOD, "role": role},
                db=db,
            )
            account_id = account.id
    if replayed:
        raise SsoExpired("Your dashboard session was ended. Log in with Authentik again.")
    if refused is not None:
        if revoke_id is not None:  # out of every group: their other sessions end too
            revoke_account_sessions(revoke_id, now=now)
        raise SsoRefused(refused)
    try:
        return start_session(account_id, now=now)
    except LoginRefused:  # deactivated between the check and the session
        raise SsoRefused("Your dashboard account has been deactivated. Ask an admin.") from None


def _upsert(
    db: Session, account: Account | None, claims: SsoClaims, role: str, now: datetime
) -> Account:
    """Create the SSO account, or refresh its username, display name and role from Authentik."""
    if account is None:
        account = Account(
            username=claims.username,
            display_name=claims.display_name,
            password_hash=None,
            role=role,
            is_active=True,
            auth_source=AuthSource.OIDC,
            oidc_subject=claims.subject,
        )
        db.add(account)
        db.flush()
        audit_log.record(
            actor=audit_log.SYSTEM_ACTOR,
            action=AuditAction.ACCOUNT_CREATE,
            target=claims.username,
            details={"role": role, "auth_source": AuthSource.OIDC, "via": "Authentik groups"},
            db=db,
        )
    else:
        if account.role != role:
            audit_log.record(
                actor=audit_log.SYSTEM_ACTOR,
                action=AuditAction.ACCOUNT_ROLE,
                target=claims.username,
                details={"from": account.role, "to": role, "via": "Authentik groups"},
                db=db,
            )
        if account.username != claims.username:
            audit_log.record(
                actor=audit_log.SYSTEM_ACTOR,
                action=AuditAction.ACCOUNT_RENAME,
                target=claims.username,
                details={"from": account.username, "via": "Authentik"},
                db=db,
            )
        account.username = claims.username
        account.display_name = claims.display_name
        account.role = role
    account.last_login_at = now
    return account
