"""Building one plain-text email (stdlib `email`): headers checked, a stable Message-ID."""

from __future__ import annotations

import hashlib
from email.message import EmailMessage
from email.utils import formatdate, parseaddr


def domain_of(sender: str) -> str:
    """The domain of `sender` ("Community <me@example.org>" -> "example.org")."""
    return parseaddr(sender)[1].rpartition("@")[2] or "localhost"


def compose(*, sender: str, to: str, subject: str, body: str, key: str) -> EmailMessage:
    """A text/plain message. `key` names the delivery (say, its workflow ID): the Message-ID
    is derived from it, so a message sent again after a crash is recognisably the same one.
    The subject is one line whatever the template held (no header injection)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = " ".join(subject.split())
    message["Date"] = formatdate(localtime=False, usegmt=True)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    message["Message-ID"] = f"<{digest}@{domain_of(sender)}>"
    message.set_content(body)
    return message
