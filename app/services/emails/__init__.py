"""Email: invite links and welcome messages by SMTP, sent in the background on the engine.

`send_invite` (an admin's "Send by email") and `queue_welcome` (onboarding, when the member has
an address) check everything, record one delivery per recipient and hand each to the engine;
they return at once. Where each delivery stands: `recent`, `for_journey`, `get_many`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from app.auth.account_rules import role_of
from app.db import audit_log
from app.services import invite_links
from app.services.emails import records, sending
from app.services.emails.records import DeliveryView, for_journey, recent
from app.services.journey_runner import check_submission
from app.services.journeys import JourneyView
from app.utils import smtp
from app.utils.authentik import invite_ref
from app.utils.authentik import validation as check
from app.utils.config import get_settings
from app.utils.enums import AuditAction, DeliveryStatus, EmailKind, Role
from app.utils.errors import InputError, NotConfigured, PermissionDenied

__all__ = ["DeliveryView", "configured", "for_journey", "get_many", "parse_addresses",
           "queue_welcome", "recent", "require_smtp", "send_invite", "smtp_status"]

ADDRESSES_FIELD = "Email addresses"
MAX_RECIPIENTS = 50


def configured() -> bool:
    return not get_settings().smtp_missing


def smtp_status() -> str:
    """Whether the SMTP server takes our connection, TLS and login (nothing is sent)."""
    return smtp.check(smtp.SmtpConfig.from_settings(get_settings()))


def require_smtp() -> None:
    """NotConfigured, naming what to set, unless SMTP is configured."""
    if missing := get_settings().smtp_missing:
        raise NotConfigured("Email (SMTP)", missing)


def parse_addresses(text: str | Sequence[str], field: str = ADDRESSES_FIELD) -> list[str]:
    """The addresses in `text` (commas, semicolons, spaces or lines between them), each
    checked, duplicates dropped; InputError naming `field` before anything is sent."""
    parts = re.split(r"[\s,;]+", text) if isinstance(text, str) else list(text)
    addresses: dict[str, str] = {}
    for part in parts:
        if address := check.email(part, field):
            addresses.setdefault(address.lower(), address)
    if not addresses:
        raise InputError(field, "enter at least one address like name@example.org")
    if len(addresses) > MAX_RECIPIENTS:
        raise InputError(field, f"at most {MAX_RECIPIENTS} addresses at once")
    return list(addresses.values())


def _workflow_id(kind: EmailKind, key: str, address: str) -> str:
    digest = hashlib.sha256(address.lower().encode()).hexdigest()[:16]
    return f"email-{kind}-{key}-{digest}"


def send_invite(*, actor: str, invite_pk: str, invite_name: str, addresses: str | Sequence[str],
                submission_id: str) -> list[DeliveryView]:
    """Email the invite's link to each address, in the background: one delivery each, once
    per submission, invite and address (a double submit queues nothing more). Admins only;
    everything is checked before anything is queued."""
    if role_of(actor) != Role.ADMIN:
        raise PermissionDenied("Only an admin may email invite links.")
    recipients = parse_addresses(addresses)
    submission = check_submission(submission_id)
    require_smtp()
    ref = invite_ref(check.authentik_id(invite_pk, "invite"))
    invite = invite_links.find(name=invite_name, ref=ref)
    if invite is None:
        raise InputError("invite", f"'{invite_name}' no longer exists (used or revoked)")
    if invite.is_expired():
        raise InputError("invite", f"'{invite_name}' has expired: create a new invite")
    opened = [
        records.open_delivery(workflow_id=_workflow_id(EmailKind.INVITE, f"{submission}-{ref}",
                                                       address),
                              kind=EmailKind.INVITE, recipient=address, actor=actor,
                              invite_name=invite.name, invite_ref=ref)
        for address in recipients
    ]
    new = [d for d, created in opened if created]
    if new:  # the request once; each recipient's outcome is audited as it ends
        audit_log.record(actor=actor, action=AuditAction.EMAIL_INVITE_REQUEST, target=invite.name,
                         details={"invite_ref": ref, "recipients": [d.recipient for d in new]})
    for delivery, _created in opened:
        sending.enqueue(delivery)  # nothing new for a delivery already on the engine
    return [delivery for delivery, _created in opened]


def queue_welcome(journey: JourneyView) -> DeliveryView | None:
    """Onboarding's welcome email, when the member has an address and SMTP is configured: it
    waits for the account, then goes once. A journey's welcome already sent or under way is
    returned as it is; one skipped (no account yet) goes again with a retry's run."""
    address = str(journey.params.get("email") or "")
    if not address or not configured():
        return None
    for earlier in for_journey(journey.id):
        if earlier.status == DeliveryStatus.SENT or not earlier.finished:
            return earlier
    delivery, _created = records.open_delivery(
        workflow_id=_workflow_id(EmailKind.WELCOME, journey.run_id, address),
        kind=EmailKind.WELCOME, recipient=address, actor=journey.actor, journey_id=journey.id)
    sending.enqueue(delivery)
    return delivery


def get_many(delivery_ids: Sequence[int]) -> list[DeliveryView]:
    """These deliveries as they stand now, in the order given."""
    return [records.get(i) for i in delivery_ids]
