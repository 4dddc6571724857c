"""What each kind of email says, filled in at the moment it is sent from editable templates.

An invite email is composed from the invitation as Authentik has it then (found by name and
`invite_ref`): the link's token is never stored by the dashboard or the engine, only sent. A
welcome email waits for the onboarding journey's Authentik account.
"""

from __future__ import annotations

from email.message import EmailMessage

from app.services import invite_links, journeys, templates
from app.services.emails.records import DeliveryView
from app.services.onboarding_steps import AUTHENTIK, values_for
from app.utils.enums import EmailKind, StepStatus
from app.utils.errors import DashboardError
from app.utils.smtp import compose


class Undeliverable(DashboardError):
    """This email cannot be sent, now or later (the invitation is gone, say)."""


class NothingToSend(DashboardError):
    """There is no one to send this to (the onboarding created no account): skipped."""


class NotYet(DashboardError):
    """Not ready to send yet (a welcome whose account is still being created)."""


def message_for(delivery: DeliveryView, *, sender: str) -> EmailMessage:
    """The email `delivery` stands for, as its templates say now."""
    kind = EmailKind(delivery.kind)
    values = _invite_values(delivery) if kind is EmailKind.INVITE else _welcome_values(delivery)
    prefix = f"email_{kind}"
    subject = templates.render(f"{prefix}_subject", values).text
    body = templates.render(f"{prefix}_body", values).text
    return compose(sender=sender, to=delivery.recipient, subject=subject, body=body,
                   key=delivery.workflow_id)


def _invite_values(delivery: DeliveryView) -> dict[str, str]:
    invite = invite_links.find(name=delivery.invite_name, ref=delivery.invite_ref)
    if invite is None:
        raise Undeliverable(f"the invitation '{delivery.invite_name}' no longer exists "
                            "(used or revoked): nothing was sent")
    if invite.is_expired():
        raise Undeliverable(f"the invitation '{delivery.invite_name}' has expired: nothing "
                            "was sent")
    if invite.link is None:
        raise Undeliverable(f"the invitation '{delivery.invite_name}' is bound to no flow")
    expires = f"{invite.expires:%Y-%m-%d %H:%M} UTC" if invite.expires else "it is used"
    return {"link": invite.link, "expires": expires, "email": delivery.recipient,
            "invited_by": delivery.actor}


def _welcome_values(delivery: DeliveryView) -> dict[str, str]:
    if delivery.journey_id is None:
        raise Undeliverable("a welcome email belongs to an onboarding journey")
    journey = journeys.get(delivery.journey_id)
    account = journey.step(AUTHENTIK)
    if account.status != StepStatus.DONE:
        if journey.active:
            raise NotYet("waiting for the Authentik account to be created")
        raise NothingToSend("the onboarding created no Authentik account (yet): a retry of "
                            "the onboarding that creates it sends the welcome email")
    return {**values_for(journey), "email": delivery.recipient}
