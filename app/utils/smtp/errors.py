"""What can go wrong talking to an SMTP server, as typed errors fit to show a person.

`transient` says whether trying again later may work (the server was down or slow, or answered
4xx); the sender's engine retries those and records the others as failed at once. No message
ever carries the password: smtplib's own texts quote the server's reply, never our credentials.
"""

from __future__ import annotations

from app.utils.errors import DashboardError


class SmtpError(DashboardError):
    """An email was not sent; the message says why and what to do."""

    transient = False


class SmtpUnreachable(SmtpError):
    """No connection: refused, host unknown, network down, or the server hung up."""

    transient = True


class SmtpTimedOut(SmtpError):
    """The server did not answer within SMTP_TIMEOUT_SECONDS."""

    transient = True


class SmtpTlsFailed(SmtpError):
    """TLS could not be set up: no STARTTLS offered, or the certificate was not trusted."""


class SmtpAuthFailed(SmtpError):
    """The server refused SMTP_USERNAME / SMTP_PASSWORD (or offers no AUTH)."""


class SmtpRejected(SmtpError):
    """The server refused the sender, the recipient or the message; 4xx answers are transient."""

    def __init__(self, message: str, *, code: int) -> None:
        super().__init__(message)
        self.code = code

    @property
    def transient(self) -> bool:  # type: ignore[override]
        return 400 <= self.code < 500


class RecipientRejected(SmtpRejected):
    """The server refused the recipient's address."""
