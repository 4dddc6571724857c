"""Accounts the dashboard never deactivates, deletes, kicks or bans, whoever asks.

- The owner of AUTHENTIK_TOKEN: deactivating it invalidates the token at once (Authentik
  answers 403 "Token invalid/expired" to every later call), so the dashboard would lock itself
  out; give the token to a dedicated service account.
- Authentik superusers: they administer Authentik itself; a dashboard moderator must not be
  able to lock them out.
- The Matrix bot: the dashboard acts through it.

Checked in the services that act (offboarding, bulk user actions, room removal), before any
request that changes something; pages only show the refusal early.
"""

from __future__ import annotations

from app.db import audit_log
from app.services import connections
from app.utils.authentik import User
from app.utils.enums import AuditAction, AuditOutcome
from app.utils.errors import PermissionDenied


class ProtectedTarget(PermissionDenied):
    """The target is one the dashboard never acts against; the message says why."""


def authentik_reason(user: User, *, token_owner_pk: int | None = None) -> str | None:
    """Why `user` may not be deactivated or deleted from the dashboard, or None."""
    owner = token_owner_pk if token_owner_pk is not None else _token_owner_pk()
    if user.pk == owner:
        return (
            f"{user.username} owns the dashboard's AUTHENTIK_TOKEN: deactivating it would "
            "cut the dashboard off from Authentik. Use a dedicated service account for the "
            "token."
        )
    if user.is_superuser:
        return f"{user.username} is an Authentik superuser; change them in Authentik itself."
    return None


def protected_authentik_pks() -> dict[int, str]:
    """Every protected Authentik account (token owner and superusers), pk -> reason.

    One request for the token's account, one listing of superusers (there are few)."""
    client = connections.authentik()
    owner = client.check_token().pk
    found: dict[int, str] = {}
    for user in client.iter_users(is_superuser=True, include_groups=False):
        found[user.pk] = authentik_reason(user, token_owner_pk=owner) or ""
    if owner not in found:
        found[owner] = authentik_reason(client.get_user(owner), token_owner_pk=owner) or ""
    return found


def matrix_reason(user_id: str) -> str | None:
    """Why a Matrix user may not be kicked, banned or removed by the dashboard, or None."""
    if user_id == connections.matrix().user_id:
        return f"{user_id} is the dashboard's own bot; it never acts against itself."
    return None


def refuse(*, actor: str, action: AuditAction, target: str, reason: str) -> ProtectedTarget:
    """Audit the refusal and return the error to raise."""
    audit_log.record(
        actor=actor,
        action=action,
        outcome=AuditOutcome.DENIED,
        target=target,
        member=target,
        details={"reason": "protected target", "why": reason},
    )
    return ProtectedTarget(reason)


def _token_owner_pk() -> int:
    return connections.authentik().check_token().pk
