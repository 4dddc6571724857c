"""A real SMTP server on loopback for tests (aiosmtpd): plain, STARTTLS or implicit TLS, with
or without AUTH, refusing chosen recipients; it keeps every message it accepts.

The certificate is self-signed, made here for 127.0.0.1 and localhost; a client trusts it only
through SMTP_CA_BUNDLE (the file `cert_file`), as a private CA would be trusted in production.
"""

from __future__ import annotations

import datetime as dt
import email
import ipaddress
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app.utils.config import get_settings
from tests.support.synapse import free_port


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate and key for 127.0.0.1 / localhost, valid for a day: (cert, key) files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def text(self) -> str:
        return str(self.message.get_content())


@dataclass
class _Handler:
    reject: set[str] = field(default_factory=set)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address.lower() in self.reject:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.original_content or envelope.content,
                                          policy=default)
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                          parsed))  # type: ignore[arg-type]
        return "250 OK: queued"


@dataclass
class SmtpServer:
    """A running server; `env()` is what the app's settings need to reach it."""

    port: int
    security: str
    cert_file: Path
    username: str | None
    password: str | None
    handler: _Handler
    logins: list[str]

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]

    def env(self, *, trust: bool = True) -> dict[str, str]:
        values = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(self.port),
                  "SMTP_SECURITY": self.security, "SMTP_FROM": "Community <dash@example.org>",
                  "SMTP_TIMEOUT_SECONDS": "5"}
        if trust:
            values["SMTP_CA_BUNDLE"] = str(self.cert_file)
        if self.username and self.password:
            values |= {"SMTP_USERNAME": self.username, "SMTP_PASSWORD": self.password}
        return values


def start(directory: Path, *, security: str = "starttls", username: str | None = None,
          password: str | None = None, reject: set[str] | None = None
          ) -> tuple[SmtpServer, Controller]:
    """Start a server (call `.stop()` on the controller when done)."""
    cert_file, key_file = self_signed(directory)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    handler = _Handler(reject={a.lower() for a in reject or set()})
    logins: list[str] = []

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str,
                     auth_data: Any) -> AuthResult:
        ok = (isinstance(auth_data, LoginPassword) and username is not None
              and auth_data.login.decode() == username
              and auth_data.password.decode() == password)
        if ok:
            logins.append(auth_data.login.decode())
        return AuthResult(success=ok, handled=False)  # the server answers 235 or 535

    port = free_port()
    options: dict[str, Any] = {}
    if username:
        options |= {"authenticator": authenticate, "auth_required": True,
                    "auth_require_tls": True}
    if security == "starttls":
        options |= {"tls_context": context, "require_starttls": True}
    elif security == "ssl":
        # aiosmtpd does not count implicit TLS as TLS when it offers AUTH (it is TLS all
        # along), and it warns about requiring AUTH then: offered and checked, not required.
        options |= {"ssl_context": context, "server_hostname": "localhost",
                    "auth_require_tls": False, "auth_required": False}
    controller = Controller(handler, hostname="127.0.0.1", port=port, ready_timeout=10,
                            **options)
    controller.start()
    return SmtpServer(port, security, cert_file, username, password, handler, logins), controller


@contextmanager
def running(directory: Path, **options: Any) -> Iterator[SmtpServer]:
    """A server (see `start`) for the length of the block."""
    server, controller = start(directory, **options)
    try:
        yield server
    finally:
        controller.stop()


def configure(monkeypatch: Any, server: SmtpServer, *, trust: bool = True,
              **overrides: str) -> None:
    """Point the app's SMTP settings at `server` (overrides win: SMTP_PASSWORD=..., say)."""
    for name, value in (server.env(trust=trust) | overrides).items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
