"""Sending on the durable engine: one workflow per (submission, recipient), retried by the
engine after a transient failure, each outcome recorded on the delivery's row and audited.

A delivery's first run has the workflow ID its submission gave it, so a double submit or a
second replica enqueues nothing new. A transient failure (server down or slow, a 4xx answer,
Authentik unreachable) schedules the next run as a delayed job with its own ID (the delivery's
ID and the run's number): the queue's slot is free while it waits, and a restart loses nothing.
Permanent failures (login refused, recipient refused, TLS, the invitation gone) end it at once.

SMTP has no idempotency key: if the process dies after the server took the message but before
the outcome is stored, the engine sends it again, with the same Message-ID, which receiving
servers and clients use to drop the copy.
"""

from __future__ import annotations

import logging
from email.message import EmailMessage

from dbos import DBOS, SetEnqueueOptions, SetWorkflowID

from app.db import audit_log
from app.db.engine import session_scope
from app.services import engine
from app.services.emails import records
from app.services.emails.compose import NothingToSend, NotYet, Undeliverable, message_for
from app.services.emails.records import DeliveryView
from app.utils.config import get_settings
from app.utils.enums import AuditAction, AuditOutcome, DeliveryStatus, EmailKind
from app.utils.errors import DashboardError, NotConfigured
from app.utils.smtp import SmtpConfig, SmtpError, send

logger = logging.getLogger(__name__)

# Waits before the 2nd, 3rd and 4th attempt after a transient failure; then it has failed.
RETRY_DELAYS_SECONDS: tuple[float, ...] = (30.0, 120.0, 600.0)
# A welcome email checks for its account this often, this many times at most.
WAIT_SECONDS = 2.0
MAX_WAITS = 300
RETRY, WAIT, DONE_BEFORE = "retry", "wait", "finished earlier"  # or the final status


def enqueue(delivery: DeliveryView) -> None:
    """Hand the delivery to the engine (nothing new if its workflow exists already)."""
    engine.launch()
    with SetWorkflowID(delivery.workflow_id):
        DBOS.enqueue_workflow(engine.BACKGROUND_QUEUE, deliver, delivery.id,
                              delivery.workflow_id, 1)


@DBOS.workflow(name="email.deliver")
def deliver(delivery_id: int, workflow_id: str, run: int) -> str:
    """One run: an attempt, and the next run scheduled if it must be tried again later."""
    verdict = attempt(delivery_id, run)
    if verdict in (RETRY, WAIT):
        delay = WAIT_SECONDS if verdict == WAIT else _retry_delay(delivery_id)
        with SetWorkflowID(f"{workflow_id}.{run + 1}"), SetEnqueueOptions(delay_seconds=delay):
            DBOS.enqueue_workflow(engine.BACKGROUND_QUEUE, deliver, delivery_id, workflow_id,
                                  run + 1)
    return verdict


@DBOS.step(name="email.retry_delay")
def _retry_delay(delivery_id: int) -> float:
    attempts = records.get(delivery_id).attempts
    return RETRY_DELAYS_SECONDS[min(attempts, len(RETRY_DELAYS_SECONDS)) - 1]


@DBOS.step(name="email.attempt")
def attempt(delivery_id: int, run: int) -> str:
    """Compose and send once; record where the delivery stands; say what comes next."""
    delivery = records.get(delivery_id)
    if delivery.finished:
        return DONE_BEFORE
    prepared = _prepare(delivery, run)
    if isinstance(prepared, str):
        return prepared
    config, message = prepared
    try:
        send(config, message)
    except SmtpError as err:
        if err.transient:
            return _transient(delivery, str(err))
        return _finish(delivery, DeliveryStatus.FAILED, str(err), attempted=True)
    return _finish(delivery, DeliveryStatus.SENT, "", attempted=True)


def _prepare(delivery: DeliveryView, run: int) -> tuple[SmtpConfig, EmailMessage] | str:
    """The settings and the message; or, when there is nothing to send now, what comes next."""
    try:
        config = SmtpConfig.from_settings(get_settings())
        return config, message_for(delivery, sender=config.sender)
    except NotYet as err:
        if run >= MAX_WAITS:
            return _finish(delivery, DeliveryStatus.SKIPPED, f"{err}: gave up waiting")
        records.note(delivery.id, DeliveryStatus.WAITING, str(err))
        return WAIT
    except (NothingToSend, Undeliverable, NotConfigured) as err:
        ended = DeliveryStatus.SKIPPED if isinstance(err, NothingToSend) else DeliveryStatus.FAILED
        return _finish(delivery, ended, str(err))
    except DashboardError as err:  # Authentik unreachable, say: worth another try
        return _transient(delivery, str(err))
    except Exception as err:
        logger.error("email delivery #%s: composing failed", delivery.id, exc_info=err)
        return _finish(delivery, DeliveryStatus.FAILED,
                       f"unexpected error ({type(err).__name__}); see the server log")


def _transient(delivery: DeliveryView, reason: str) -> str:
    """A failure worth another try: scheduled, unless this was the last attempt."""
    tries = delivery.attempts + 1
    if tries > len(RETRY_DELAYS_SECONDS):
        return _finish(delivery, DeliveryStatus.FAILED, f"{reason} (after {tries} attempts)",
                       attempted=True)
    wait = RETRY_DELAYS_SECONDS[tries - 1]
    records.note(delivery.id, DeliveryStatus.RETRYING,
                 f"{reason}; attempt {tries + 1} in {wait:g} s", attempted=True)
    return RETRY


def _finish(delivery: DeliveryView, status: DeliveryStatus, reason: str, *,
            attempted: bool = False) -> str:
    """Record the outcome and audit it: one row per recipient, naming the invite by its ref."""
    invite = delivery.kind == EmailKind.INVITE
    with session_scope() as db:  # the outcome and its audit row, together
        done = records.note(delivery.id, status, reason, attempted=attempted, db=db)
        details: dict[str, object] = {"status": status, "attempts": done.attempts}
        if reason:
            details["reason"] = reason
        if invite:
            details["invite_ref"] = delivery.invite_ref
        else:
            details["journey"] = delivery.journey_id
        audit_log.record(
            actor=delivery.actor,
            action=AuditAction.EMAIL_INVITE if invite else AuditAction.EMAIL_WELCOME,
            outcome=AuditOutcome.OK if status == DeliveryStatus.SENT else AuditOutcome.FAILED,
            target=delivery.invite_name if invite else f"onboarding #{delivery.journey_id}",
            member=delivery.recipient,
            details=details,
            db=db,
        )
    logger.info("email delivery #%s (%s) %s", delivery.id, delivery.kind, status)
    return str(status)
