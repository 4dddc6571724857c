"""Password rules and argon2id hashing."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from app.utils.errors import InputError

MIN_LENGTH = 12
MAX_LENGTH = 1024

# argon2-cffi's defaults are RFC 9106's second recommendation (argon2id, 64 MiB, t=3, p=4).
_hasher = PasswordHasher(type=Type.ID)


@cache
def _dummy_hash() -> str:
    """Verified when the username is unknown, so that a miss costs as long as a wrong password.
    Made at the first check, not at import: hashing costs ~0.5 s, every process start paid it."""
    return _hasher.hash("not-a-real-password-only-for-timing")


def check_new_password(password: str, *, field: str = "Password", username: str = "") -> None:
    """Raise InputError naming `field` if `password` may not be set."""
    if len(password) < MIN_LENGTH:
        raise InputError(field, f"use at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise InputError(field, f"use at most {MAX_LENGTH} characters")
    if username and password.strip().lower() == username.strip().lower():
        raise InputError(field, "must not be the username")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; always spends the time of one argon2 verification."""
    try:
        matched = _hasher.verify(password_hash or _dummy_hash(), password)
        return matched and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
