"""Sending email by SMTP (stdlib email + smtplib): settings, one send, typed errors."""

from app.utils.smtp.client import SmtpConfig, check, send
from app.utils.smtp.errors import (
    RecipientRejected,
    SmtpAuthFailed,
    SmtpError,
    SmtpRejected,
    SmtpTimedOut,
    SmtpTlsFailed,
    SmtpUnreachable,
)
from app.utils.smtp.message import compose

__all__ = [
    "RecipientRejected",
    "SmtpAuthFailed",
    "SmtpConfig",
    "SmtpError",
    "SmtpRejected",
    "SmtpTimedOut",
    "SmtpTlsFailed",
    "SmtpUnreachable",
    "check",
    "compose",
    "send",
]
