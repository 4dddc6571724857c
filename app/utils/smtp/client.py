"""One SMTP conversation per message: connect (TLS as configured), AUTH, send, quit.

TLS is always verified (the system's CAs, or SMTP_CA_BUNDLE for a private CA). Every socket
operation has SMTP_TIMEOUT_SECONDS. smtplib's debug output is never switched on: it would
print the AUTH exchange. Failures come out as the typed errors of `errors`.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from pydantic import SecretStr

from app.utils.config import Settings
from app.utils.errors import NotConfigured
from app.utils.smtp.errors import (
    RecipientRejected,
    SmtpAuthFailed,
    SmtpError,
    SmtpRejected,
    SmtpTimedOut,
    SmtpTlsFailed,
    SmtpUnreachable,
)
from app.utils.smtp.message import domain_of

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: str  # starttls | ssl | none
    sender: str
    timeout: float
    username: str | None = None
    password: SecretStr | None = field(default=None, repr=False)
    ca_bundle: Path | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpConfig:
        if settings.smtp_missing:
            raise NotConfigured("Email (SMTP)", settings.smtp_missing)
        return cls(
            host=str(settings.smtp_host),
            port=settings.smtp_port_or_default,
            security=settings.smtp_security,
            sender=str(settings.smtp_from),
            timeout=settings.smtp_timeout_seconds,
            username=settings.smtp_username,
            password=settings.smtp_password,
            ca_bundle=settings.smtp_ca_bundle,
        )

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


def _tls(config: SmtpConfig) -> ssl.SSLContext:
    cafile = str(config.ca_bundle) if config.ca_bundle else None
    return ssl.create_default_context(cafile=cafile)


def _connect(config: SmtpConfig) -> smtplib.SMTP:
    helo = domain_of(config.sender)  # an FQDN: some servers refuse a bare "localhost"
    if config.security == "ssl":
        return smtplib.SMTP_SSL(config.host, config.port, local_hostname=helo,
                                timeout=config.timeout, context=_tls(config))
    smtp = smtplib.SMTP(config.host, config.port, local_hostname=helo, timeout=config.timeout)
    if config.security == "starttls":
        smtp.ehlo()
        if not smtp.has_extn("starttls"):
            smtp.close()
            raise SmtpTlsFailed(f"the SMTP server {config.where} does not offer STARTTLS: set "
                                "SMTP_SECURITY=ssl if it speaks TLS from the start")
        smtp.starttls(context=_tls(config))
        smtp.ehlo()
    return smtp


def _login(smtp: smtplib.SMTP, config: SmtpConfig) -> None:
    if config.username is None or config.password is None:
        return
    smtp.ehlo_or_helo_if_needed()
    if not smtp.has_extn("auth"):
        raise SmtpAuthFailed(f"the SMTP server {config.where} offers no AUTH: unset "
                             "SMTP_USERNAME and SMTP_PASSWORD, or use its submission port")
    smtp.login(config.username, config.password.get_secret_value())


@contextmanager
def _session(config: SmtpConfig) -> Iterator[smtplib.SMTP]:
    """A connected, secured and logged-in conversation, quit afterwards; any failure in it
    (the caller's included) comes out as the SmtpError saying what went wrong."""
    try:
        smtp = _connect(config)
        try:
            _login(smtp, config)
            yield smtp
        finally:
            _quit(smtp)
    except SmtpError:
        raise
    except Exception as err:
        raise _typed(err, config) from None


def send(config: SmtpConfig, message: EmailMessage) -> None:
    """Send `message` (to its To address); raises an SmtpError saying what went wrong."""
    with _session(config) as smtp:
        smtp.send_message(message)
    logger.info("email sent via %s (message %s)", config.where, message["Message-ID"])


def check(config: SmtpConfig) -> str:
    """Connect, set up TLS and log in as for a send, then leave without sending anything; a
    line saying what worked, or the SmtpError a send would meet."""
    with _session(config) as smtp:
        smtp.noop()
    tls = {"starttls": "STARTTLS", "ssl": "TLS", "none": "no TLS"}[config.security]
    login = f", logged in as {config.username}" if config.username else ""
    return f"{config.where} answers ({tls}{login}); sending as {config.sender}"


def _quit(smtp: smtplib.SMTP) -> None:
    """Say goodbye; a server that hangs up first has still taken the message."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _reply(code: int, answer: bytes | str) -> str:
    text = answer.decode(errors="replace") if isinstance(answer, bytes) else answer
    return f"{code} {' '.join(text.split())}"[:300]


def _typed(err: Exception, config: SmtpConfig) -> SmtpError:  # noqa: PLR0911 (one per kind)
    where = config.where
    if isinstance(err, smtplib.SMTPAuthenticationError):
        return SmtpAuthFailed(f"the SMTP server {where} refused the login "
                              f"({_reply(err.smtp_code, err.smtp_error)}): check SMTP_USERNAME "
                              "and SMTP_PASSWORD")
    if isinstance(err, smtplib.SMTPRecipientsRefused):
        address, (code, answer) = next(iter(err.recipients.items()))
        return RecipientRejected(f"the SMTP server refused the recipient {address} "
                                 f"({_reply(code, answer)})", code=code)
    if isinstance(err, smtplib.SMTPSenderRefused):
        return SmtpRejected(f"the SMTP server refused the sender {err.sender} "
                            f"({_reply(err.smtp_code, err.smtp_error)}): check SMTP_FROM",
                            code=err.smtp_code)
    if isinstance(err, smtplib.SMTPResponseException):
        return SmtpRejected(f"the SMTP server {where} answered "
                            f"{_reply(err.smtp_code, err.smtp_error)}", code=err.smtp_code)
    if isinstance(err, TimeoutError) or isinstance(err.__context__, TimeoutError):
        # smtplib turns a read that timed out into "server disconnected"
        return SmtpTimedOut(f"the SMTP server {where} did not answer within "
                            f"{config.timeout:g} s (SMTP_TIMEOUT_SECONDS)")
    if isinstance(err, smtplib.SMTPServerDisconnected):
        return SmtpUnreachable(f"the SMTP server {where} closed the connection: {err}")
    if isinstance(err, ssl.SSLError | ssl.CertificateError):
        return SmtpTlsFailed(f"TLS with the SMTP server {where} failed ({err}): check "
                             "SMTP_SECURITY, and SMTP_CA_BUNDLE for a private CA")
    if isinstance(err, OSError):
        return SmtpUnreachable(f"could not reach the SMTP server {where}: "
                               f"{err.strerror or err}")
    if isinstance(err, smtplib.SMTPException):
        return SmtpError(f"SMTP with {where} failed: {err}")
    logger.error("unexpected error sending email via %s", where, exc_info=err)
    return SmtpError(f"sending email via {where} failed unexpectedly "
                     f"({type(err).__name__}); see the server log")
