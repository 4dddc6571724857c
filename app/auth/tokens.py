"""Opaque random tokens: the browser keeps the token, the database only its SHA-256."""

from __future__ import annotations

import hashlib
import secrets
from typing import TypeGuard

MAX_TOKEN_LENGTH = 128


def new_token() -> str:
    """256 bits from the OS CSPRNG, URL-safe."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    # A fast hash is right here: the token is 256 random bits, not a guessable password.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def plausible(token: str | None) -> TypeGuard[str]:
    """Cheap shape check before touching the database."""
    return token is not None and 0 < len(token) <= MAX_TOKEN_LENGTH and token.isascii()
