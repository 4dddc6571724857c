"""One-time tickets a browser trades, at our own route, for a change of its session cookie.

The session token never goes to the page or over Streamlit's websocket: after a login the page
gets a ticket (random, 60 s, one use) and the browser redeems it at `/_dashboard/cookie/set`,
whose answer sets the HttpOnly cookie. A ticket is bound to the browser that was given it (the
hash of its HttpOnly binding cookie), so a ticket copied out of the page is useless elsewhere.

Any replica can redeem: the database holds the ticket's SHA-256 and, for "set", the token
sealed under the ticket (a one-time keystream derived from it), never the token itself.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import delete, select, update

from app.auth.tokens import new_token, plausible, token_hash
from app.db.engine import rows_changed, session_scope
from app.db.models import CookieTicket, utcnow

TICKET_TTL = timedelta(seconds=60)
# Expired tickets are deleted when new ones are issued, after this much longer.
KEEP_EXPIRED = timedelta(hours=1)
Purpose = Literal["set", "clear"]


@dataclass(frozen=True)
class Redeemed:
    """What a redeemed ticket asks for: the token to set (None: clear), and Secure."""

    token: str | None
    secure: bool


def _xor_keystream(data: bytes, ticket: str) -> bytes:
    # Each ticket is 256 fresh random bits sealing exactly one token: no nonce is needed.
    stream = hashlib.shake_256(b"cookie-ticket-seal\0" + ticket.encode("ascii")).digest(len(data))
    return bytes(a ^ b for a, b in zip(data, stream, strict=True))


def seal(token: str, ticket: str) -> str:
    """The token encrypted under the ticket (hex): only the ticket's holder can read it."""
    return _xor_keystream(token.encode("ascii"), ticket).hex()


def unseal(sealed: str, ticket: str) -> str:
    return _xor_keystream(bytes.fromhex(sealed), ticket).decode("ascii")


def issue(
    purpose: Purpose,
    *,
    binding: str,
    token: str | None = None,
    secure: bool = False,
    now: datetime | None = None,
) -> str:
    """A new ticket for this browser (`binding`: its binding cookie); returns the ticket."""
    if purpose == "set" and not plausible(token):
        raise ValueError("a 'set' ticket needs the session token")
    if not plausible(binding):
        raise ValueError("a ticket needs the browser's binding cookie")
    now = now or utcnow()
    ticket = new_token()
    with session_scope() as db:
        db.execute(delete(CookieTicket).where(CookieTicket.expires_at < now - KEEP_EXPIRED))
        db.add(
            CookieTicket(
                ticket_hash=token_hash(ticket),
                purpose=purpose,
                sealed_token=seal(token, ticket) if purpose == "set" and token else None,
                binding_hash=token_hash(binding),
                secure=secure,
                created_at=now,
                expires_at=now + TICKET_TTL,
            )
        )
    return ticket


def redeem(
    ticket: str | None, *, purpose: Purpose, binding: str | None, now: datetime | None = None
) -> Redeemed | None:
    """Use a ticket once: None when unknown, expired, used, for another purpose or browser.

    A refused try does not use the ticket up, so a stranger cannot spoil it for its browser.
    """
    if not plausible(ticket) or not plausible(binding):
        return None
    now = now or utcnow()
    key = token_hash(ticket)
    with session_scope() as db:
        claimed = db.execute(
            update(CookieTicket)
            .where(
                CookieTicket.ticket_hash == key,
                CookieTicket.purpose == purpose,
                CookieTicket.binding_hash == token_hash(binding),
                CookieTicket.redeemed_at.is_(None),
                CookieTicket.expires_at > now,
            )
            .values(redeemed_at=now)
        )
        if rows_changed(claimed) != 1:
            return None
        row = db.execute(
            select(CookieTicket.sealed_token, CookieTicket.secure).where(
                CookieTicket.ticket_hash == key
            )
        ).one()
    token = unseal(row.sealed_token, ticket) if row.sealed_token else None
    return Redeemed(token=token, secure=row.secure)


def pending(ticket: str, *, now: datetime | None = None) -> bool:
    """The ticket can still be redeemed (the page keeps offering it until then)."""
    now = now or utcnow()
    with session_scope() as db:
        return (
            db.scalar(
                select(CookieTicket.id).where(
                    CookieTicket.ticket_hash == token_hash(ticket),
                    CookieTicket.redeemed_at.is_(None),
                    CookieTicket.expires_at > now,
                )
            )
            is not None
        )
