"""A member as typed: an Authentik username and/or a Matrix ID, checked before any request."""

from __future__ import annotations

from app.utils.authentik import validation as check
from app.utils.errors import InputError
from app.utils.matrix import ids as matrix_ids


def checked(authentik_username: str, matrix_user_id: str) -> tuple[str, str]:
    """(username, Matrix ID), trimmed and checked; at least one is required."""
    username, matrix = authentik_username.strip(), matrix_user_id.strip()
    if not username and not matrix:
        raise InputError("Member", "enter an Authentik username, a Matrix ID, or both")
    if username:
        check.username(username, "Authentik username")
    return username, matrix_ids.user_id(matrix) if matrix else ""
