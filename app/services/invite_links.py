"""Authentik invitations: create single-use invite links, list them, revoke them.

A link is `{AUTHENTIK_PUBLIC_URL}/if/flow/{slug}/?itoken={invitation pk}`; the slug is that of
the enrollment flow Authentik reports (AUTHENTIK_ENROLLMENT_FLOW, checked, or the only one with
an invitation stage), never guessed. `fixed_data` pre-fills the enrollment flow: `email`
becomes the new user's address. Authentik's user-write stage keeps nothing else but user
fields and `attributes.` keys, and adds no group memberships, so the intended groups, the
dashboard user who made the invite and its name travel as `attributes.invitation.*` keys
(users.intended_groups), land in the new account's attributes, and the dashboard applies the
groups once it sees the account.

Authentik records every invitation's `created_by` as the API token's account, whoever used the
dashboard: `InviteLink.invited_by` is the dashboard user, from the fixed_data.

The pk is the link's secret (`itoken`): the audit log names an invitation by `invite_ref`
(`InviteLink.ref`), never by its pk, and error text is scrubbed of the pk before it is audited.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from app.db import audit_log
from app.services import connections, reference
from app.services.users import intended_groups as intended
from app.utils.authentik import AuthentikError, Invitation, invite_link, invite_ref
from app.utils.authentik import validation as check
from app.utils.config import get_settings
from app.utils.enums import AuditAction, AuditOutcome
from app.utils.errors import InputError, NotConfigured

logger = logging.getLogger(__name__)

DEFAULT_EXPIRY = timedelta(days=7)
MIN_EXPIRY = check.MIN_EXPIRY
MAX_EXPIRY = check.MAX_EXPIRY
LABEL_MAX = 100


@dataclass(frozen=True)
class InviteLink:
    pk: str
    name: str
    link: str | None  # None when the invitation is bound to no flow
    expires: datetime | None
    single_use: bool
    created_by: str | None  # Authentik's record: the API token's account
    flow_slug: str | None
    email: str | None = None
    intended_groups: tuple[str, ...] = ()
    invited_by: str | None = None  # the dashboard user who made it (None: made elsewhere)
    fixed_data: dict[str, Any] = field(default_factory=dict, compare=False)

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.expires is not None and self.expires <= (now or datetime.now(UTC))

    @property
    def ref(self) -> str:
        """What the audit log calls this invitation (`invite_ref`); safe to show."""
        return invite_ref(self.pk)


def invitation_name(label: str) -> str:
    """The label as an invitation name Authentik accepts: "Spring meetup!" -> "spring-meetup"."""
    label = (label or "").strip()
    if len(label) > LABEL_MAX:
        raise InputError("label", f"at most {LABEL_MAX} characters")
    plain = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode().lower()
    plain = re.sub(r"['\u2019`]", "", plain)  # "Zoë's" -> "zoes", not "zoe-s"
    slug = re.sub(r"[^a-z0-9_]+", "-", plain).strip("-_")
    if not slug:
        raise InputError("label", "enter a label with letters or digits (e.g. spring-meetup)")
    return check.invitation_name(slug, "label")


def expiry_duration(*, days: int = 0, hours: int = 0) -> timedelta:
    """days + hours, between one hour and 30 days (InputError naming "expires" otherwise)."""
    return _check_duration(timedelta(days=days, hours=hours))


def _check_duration(duration: timedelta) -> timedelta:
    if duration < MIN_EXPIRY:
        raise InputError("expires", "must be at least 1 hour")
    if duration > MAX_EXPIRY:
        raise InputError("expires", "must be at most 30 days")
    return duration


def _link(flow_slug: str | None, pk: str) -> str | None:
    base = get_settings().authentik_link_base
    if base is None:
        raise NotConfigured("Authentik", ["AUTHENTIK_URL"])
    return invite_link(base, flow_slug, pk) if flow_slug else None


def _invite(invitation: Invitation, flow_slug: str | None = None) -> InviteLink:
    fixed = dict(invitation.fixed_data)
    carried = intended.from_fixed_data(fixed)
    slug = invitation.flow_slug or flow_slug
    return InviteLink(
        pk=invitation.pk,
        name=invitation.name,
        link=_link(slug, invitation.pk),
        expires=invitation.expires,
        single_use=invitation.single_use,
        created_by=invitation.created_by,
        flow_slug=slug,
        email=fixed.get("email") if isinstance(fixed.get("email"), str) else None,
        intended_groups=carried.groups,
        invited_by=carried.by or None,
        fixed_data=fixed,
    )


def create(
    *,
    actor: str,
    label: str,
    expires_in: timedelta = DEFAULT_EXPIRY,
    email: str | None = None,
    intended_groups: Sequence[str] = (),
) -> InviteLink:
    """A single-use invitation on the enrollment flow, and its link.

    Label, expiry and email are checked before any request (InputError naming the field);
    intended groups must be Authentik groups that are not superuser groups.
    """
    name = invitation_name(label)
    expires = datetime.now(UTC) + _check_duration(expires_in)
    address = check.email(email)
    groups = [g.strip() for g in intended_groups if g.strip()]
    client = connections.authentik()  # NotConfigured before anything is sent
    _check_quota(actor)
    if groups:
        intended.check_groups(groups, reference.groups())
    fixed: dict[str, Any] = {"email": address} if address else {}
    fixed.update(intended.fixed_data(groups=groups, by=actor, name=name))
    settings = get_settings()
    with audit_log.audited(
        actor=actor,
        action=AuditAction.INVITE_LINK_CREATE,
        target=name,
        member=address or "",
        details={"expires": expires.isoformat(), "intended_groups": groups},
        errors=AuthentikError,
    ) as entry:
        flow = reference.enrollment_flow(settings.authentik_enrollment_flow)
        created = client.create_invitation(
            name=name, flow_pk=flow.pk, expires=expires, single_use=True, fixed_data=fixed
        )
        entry.details.update(invite_ref=invite_ref(created.pk), flow=flow.slug)
    return _invite(created, flow.slug)


def open_links_by(dashboard_user: str) -> list[InviteLink]:
    """The invitations `dashboard_user` made through the dashboard that still work."""
    return [i for i in list_links() if i.invited_by == dashboard_user and not i.is_expired()]


def _check_quota(actor: str) -> None:
    """INVITE_QUOTA: how many working invitations one person may hold at once (0: no limit)."""
    quota = get_settings().invite_quota
    if quota and len(held := open_links_by(actor)) >= quota:
        audit_log.record(actor=actor, action=AuditAction.INVITE_LINK_CREATE,
                         outcome=AuditOutcome.DENIED, details={"reason": "quota",
                                                               "open": len(held)})
        raise InputError(
            "Invite links",
            f"you hold {len(held)} working invitation(s), the most one person may "
            f"(INVITE_QUOTA={quota}): revoke one, or wait until one is used or expires",
        )


def find(*, name: str, ref: str) -> InviteLink | None:
    """The invitation called `name` whose `invite_ref` is `ref`; None once it is gone (used,
    revoked). Lets work that must not hold the link's secret find it again when it needs it."""
    found = connections.authentik().list_invitations(name=name, page_size=100).items
    return next((_invite(i) for i in found if i.name == name and invite_ref(i.pk) == ref), None)


def list_links() -> list[InviteLink]:
    """Every invitation (all pages), latest expiry first, with its link and creator."""
    return [_invite(i) for i in connections.authentik().iter_invitations(page_size=100)]


def revoke(*, actor: str, pk: str, name: str = "") -> None:
    """Delete the invitation: its link stops working at once."""
    pk = check.authentik_id(pk, "invitation")
    ref = invite_ref(pk)
    target = name or ref
    with audit_log.audited(
        actor=actor,
        action=AuditAction.INVITE_LINK_REVOKE,
        target=target,
        details={"invite_ref": ref},
        errors=AuthentikError,
        # Not revoked, so still live: no pk, even if Authentik's own detail quotes it.
        reason=lambda err: str(err).replace(pk, ref),
    ):
        connections.authentik().delete_invitation(pk)
