"""How the client's arguments become Authentik request parameters: user filters, durations,
and UNSET for "leave this field as it is" in a PATCH."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Final, TypedDict

from app.utils.authentik import validation as check
from app.utils.errors import InputError


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = _Unset()


class UserFilters(TypedDict, total=False):
    """Filters of GET /core/users/ the dashboard uses (names as in Authentik's schema)."""

    search: str | None  # substring of username, name or email
    is_active: bool | None
    is_superuser: bool | None
    groups_by_name: Sequence[str]  # member of any of these groups
    groups_by_pk: Sequence[str]  # group UUIDs
    path_startswith: str | None
    last_login__isnull: bool | None  # True: never logged in
    date_joined__gt: datetime | None  # joined after this moment (timezone-aware)
    ordering: str  # e.g. "username", "-last_login"
    include_groups: bool  # False: no group names (smaller, faster pages)


def duration_string(duration: timedelta) -> str:
    """A timedelta as Authentik's duration string, e.g. "days=1;hours=2;minutes=30"."""
    minutes = int(duration.total_seconds() // 60)
    if minutes < 1:
        raise InputError("token_duration", "must be at least one minute")
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = (("days", days), ("hours", hours), ("minutes", minutes))
    return ";".join(f"{unit}={n}" for unit, n in parts if n)


def _stamp(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise InputError("date_joined__gt", "needs a time zone (use an aware datetime)")
    return value.isoformat()


def user_params(filters: UserFilters) -> dict[str, Any]:
    unknown = set(filters) - set(UserFilters.__annotations__)
    if unknown:
        raise TypeError(f"unknown user filter(s): {', '.join(sorted(unknown))}")
    return {
        "search": filters.get("search") or None,
        "is_active": filters.get("is_active"),
        "is_superuser": filters.get("is_superuser"),
        "groups_by_name": list(filters.get("groups_by_name", ())),
        "groups_by_pk": [check.authentik_id(g, "group") for g in filters.get("groups_by_pk", ())],
        "path_startswith": filters.get("path_startswith"),
        "last_login__isnull": filters.get("last_login__isnull"),
        "date_joined__gt": _stamp(filters.get("date_joined__gt")),
        "ordering": filters.get("ordering", "username"),
        # Authentik's default is true: only say so when turning it off.
        "include_groups": None if filters.get("include_groups", True) else False,
    }
