"""Typed values the Authentik client returns: never raw JSON past the client.

Each `from_api` reads one object as Authentik 2026.5 serializes it and absorbs its quirks:
`""` for a user without email becomes None, nullable lists become empty tuples or None where
"not requested" differs from "none".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def parse_time(value: object) -> datetime | None:
    """Authentik's ISO 8601 timestamps ("2026-05-01T12:00:00.123456Z"), None when absent."""
    if not isinstance(value, str) or not value:
        return None
    return datetime.fromisoformat(value)


@dataclass(frozen=True, slots=True)
class User:
    """An Authentik user. `groups` holds group pks (UUID strings)."""

    pk: int
    uuid: str
    username: str
    name: str
    email: str | None  # Authentik answers "" when there is none
    is_active: bool
    is_superuser: bool
    type: str
    path: str
    groups: tuple[str, ...]
    group_names: tuple[str, ...] | None  # None when listed with include_groups=False
    last_login: datetime | None
    date_joined: datetime | None
    attributes: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> User:
        groups_obj = data.get("groups_obj")
        return cls(
            pk=int(data["pk"]),
            uuid=str(data.get("uuid", "")),
            username=data["username"],
            name=data.get("name") or "",
            email=data.get("email") or None,
            is_active=bool(data.get("is_active", True)),
            is_superuser=bool(data.get("is_superuser", False)),
            type=data.get("type") or "internal",
            path=data.get("path") or "",
            groups=tuple(str(g) for g in data.get("groups") or ()),
            group_names=None if groups_obj is None else tuple(g["name"] for g in groups_obj),
            last_login=parse_time(data.get("last_login")),
            date_joined=parse_time(data.get("date_joined")),
            attributes=dict(data.get("attributes") or {}),
        )


@dataclass(frozen=True, slots=True)
class Group:
    """An Authentik group. `member_pks` are user pks; `pk` is the group's UUID."""

    pk: str
    num_pk: int
    name: str
    is_superuser: bool
    member_pks: tuple[int, ...]
    parents: tuple[str, ...]
    attributes: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Group:
        return cls(
            pk=str(data["pk"]),
            num_pk=int(data.get("num_pk") or 0),
            name=data["name"],
            is_superuser=bool(data.get("is_superuser", False)),
            member_pks=tuple(int(u) for u in data.get("users") or ()),
            parents=tuple(str(p) for p in data.get("parents") or ()),
            attributes=dict(data.get("attributes") or {}),
        )


@dataclass(frozen=True, slots=True)
class Flow:
    """An Authentik flow; invite links need its `slug`, invitations its `pk`."""

    pk: str
    slug: str
    name: str
    title: str
    designation: str
    authentication: str = "none"  # who may start it: require_unauthenticated, ...
    stage_pks: tuple[str, ...] = ()  # bound stages (not in a stage's list of its flows)
    policy_pks: tuple[str, ...] = ()  # bound policies: the flow applies only if they pass

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Flow:
        return cls(
            pk=str(data["pk"]),
            slug=data["slug"],
            name=data.get("name") or "",
            title=data.get("title") or "",
            designation=data.get("designation") or "",
            authentication=data.get("authentication") or "none",
            stage_pks=tuple(str(s) for s in data.get("stages") or ()),
            policy_pks=tuple(str(p) for p in data.get("policies") or ()),
        )


@dataclass(frozen=True, slots=True)
class Invitation:
    """An Authentik invitation. The invite link's `itoken` is its `pk`."""

    pk: str
    name: str
    expires: datetime | None
    single_use: bool
    flow_pk: str | None
    flow_slug: str | None
    created_by: str | None  # username of the token's account that created it
    fixed_data: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Invitation:
        flow_obj = data.get("flow_obj") or {}
        created_by = data.get("created_by") or {}
        return cls(
            pk=str(data["pk"]),
            name=data["name"],
            expires=parse_time(data.get("expires")),
            single_use=bool(data.get("single_use", False)),
            flow_pk=str(data["flow"]) if data.get("flow") else None,
            flow_slug=flow_obj.get("slug"),
            created_by=created_by.get("username"),
            fixed_data=dict(data.get("fixed_data") or {}),
        )


@dataclass(frozen=True, slots=True)
class TokenOwner:
    """The account the API token belongs to (from /core/users/me/)."""

    pk: int
    username: str
    name: str
    is_superuser: bool
    type: str = "internal"  # internal: a person's account; service_account: a dedicated one
    system_permissions: tuple[str, ...] = ()  # global permissions Authentik reports

    @property
    def is_service_account(self) -> bool:
        return self.type in ("service_account", "internal_service_account")

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> TokenOwner:
        user = data["user"]
        return cls(
            pk=int(user["pk"]),
            username=user["username"],
            name=user.get("name") or "",
            is_superuser=bool(user.get("is_superuser", False)),
            type=user.get("type") or "internal",
            system_permissions=tuple(str(p) for p in user.get("system_permissions") or ()),
        )


@dataclass(frozen=True, slots=True)
class Health:
    """What a status page shows: can we reach Authentik, and does it accept our token."""

    reachable: bool
    token_valid: bool | None  # None when not reachable (unknown)
    message: str
    owner: TokenOwner | None = None

    @property
    def ok(self) -> bool:
        return self.reachable and bool(self.token_valid)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list. `next` is the next page number, 0 when this is the last page.

    `start_index`/`end_index` are the 1-based positions of its first and last item in the
    whole list (0 and 0 when empty), as Authentik reports them: the truth about the page
    served, whatever page size was asked for (Authentik caps it, see MAX_PAGE_SIZE).
    """

    items: tuple[T, ...]
    count: int
    current: int
    total_pages: int
    next: int
    previous: int
    start_index: int = 0
    end_index: int = 0

    @property
    def has_next(self) -> bool:
        return self.next > 0

    @classmethod
    def from_api(cls, data: Mapping[str, Any], items: tuple[T, ...]) -> Page[T]:
        pagination = data["pagination"]
        return cls(
            items=items,
            count=int(pagination["count"]),
            current=int(pagination["current"]),
            total_pages=int(pagination["total_pages"]),
            next=int(pagination["next"]),
            previous=int(pagination["previous"]),
            start_index=int(pagination.get("start_index") or 0),
            end_index=int(pagination.get("end_index") or 0),
        )
