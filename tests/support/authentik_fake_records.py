"""What the fake Authentik stores, and how Authentik 2026.5 serializes each object."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

AVATAR = "data:image/svg+xml;base64,PHN2Zy8+"  # Authentik answers an avatar URL or data URI


def now() -> datetime:
    return datetime.now(UTC)


def stamp(value: datetime | None) -> str | None:
    """Authentik's timestamp form: ISO 8601 with microseconds and a Z."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


@dataclass
class FakeUser:
    pk: int
    uuid: str
    username: str
    name: str
    email: str = ""  # Authentik stores "" for "no email"
    is_active: bool = True
    path: str = "users"
    type: str = "internal"
    attributes: dict[str, Any] = field(default_factory=dict)
    groups: list[str] = field(default_factory=list)  # group pks, in the order added
    last_login: datetime | None = None
    date_joined: datetime = field(default_factory=now)
    last_updated: datetime = field(default_factory=now)
    password_change_date: datetime = field(default_factory=now)
    password_sha256: str | None = None

    @property
    def uid(self) -> str:
        return hashlib.sha256(f"{self.pk}-fake-authentik".encode()).hexdigest()


@dataclass
class FakeGroup:
    pk: str
    num_pk: int
    name: str
    is_superuser: bool = False
    attributes: dict[str, Any] = field(default_factory=dict)
    members: set[int] = field(default_factory=set)
    parents: list[str] = field(default_factory=list)


@dataclass
class FakeFlow:
    pk: str
    slug: str
    name: str
    title: str
    designation: str
    authentication: str = "none"


@dataclass
class FakeInvitation:
    pk: str
    name: str
    created_by: int
    expires: datetime | None = None
    fixed_data: dict[str, Any] = field(default_factory=dict)
    single_use: bool = False
    flow: str | None = None


# -- serializers (field sets as in the 2026.5.6 schema) ------------------------------------------


def partial_group(group: FakeGroup) -> dict[str, Any]:
    return {
        "pk": group.pk,
        "num_pk": group.num_pk,
        "name": group.name,
        "is_superuser": group.is_superuser,
        "attributes": group.attributes,
    }


def user_json(
    user: FakeUser,
    groups: dict[str, FakeGroup],
    *,
    include_groups: bool = True,
    include_roles: bool = True,
) -> dict[str, Any]:
    return {
        "pk": user.pk,
        "username": user.username,
        "name": user.name,
        "is_active": user.is_active,
        "last_login": stamp(user.last_login),
        "date_joined": stamp(user.date_joined),
        "is_superuser": any(groups[g].is_superuser for g in user.groups),
        "groups": list(user.groups),
        "groups_obj": [partial_group(groups[g]) for g in user.groups] if include_groups else None,
        "roles": [],
        "roles_obj": [] if include_roles else None,
        "email": user.email,
        "avatar": AVATAR,
        "attributes": user.attributes,
        "uid": user.uid,
        "path": user.path,
        "type": user.type,
        "uuid": user.uuid,
        "password_change_date": stamp(user.password_change_date),
        "last_updated": stamp(user.last_updated),
    }


def partial_user(user: FakeUser) -> dict[str, Any]:
    """GroupMemberSerializer: Group.users_obj and Invitation.created_by."""
    return {
        "pk": user.pk,
        "username": user.username,
        "name": user.name,
        "is_active": user.is_active,
        "last_login": stamp(user.last_login),
        "email": user.email,
        "attributes": user.attributes,
        "uid": user.uid,
    }


def user_self(user: FakeUser, groups: dict[str, FakeGroup]) -> dict[str, Any]:
    """UserSelfSerializer, for GET /core/users/me/."""
    return {
        "pk": user.pk,
        "username": user.username,
        "name": user.name,
        "is_active": user.is_active,
        "is_superuser": any(groups[g].is_superuser for g in user.groups),
        "groups": [{"name": groups[g].name, "pk": g} for g in user.groups],
        "roles": [],
        "email": user.email,
        "avatar": AVATAR,
        "uid": user.uid,
        "settings": {},
        "type": user.type,
        "system_permissions": [],
    }


def group_json(
    group: FakeGroup,
    users: dict[int, FakeUser],
    all_groups: dict[str, FakeGroup],
    *,
    include_users: bool = True,
    include_children: bool = False,
    include_parents: bool = False,
    include_inherited_roles: bool = False,
) -> dict[str, Any]:
    children = [g for g in all_groups.values() if group.pk in g.parents]

    def related(other: FakeGroup) -> dict[str, Any]:
        return {**partial_group(other), "group_uuid": other.pk}

    members = sorted(group.members)
    return {
        "pk": group.pk,
        "num_pk": group.num_pk,
        "name": group.name,
        "is_superuser": group.is_superuser,
        "parents": list(group.parents),
        "parents_obj": [related(all_groups[p]) for p in group.parents] if include_parents else None,
        "users": members,
        "users_obj": [partial_user(users[pk]) for pk in members] if include_users else None,
        "attributes": group.attributes,
        "roles": [],
        "roles_obj": [],
        "inherited_roles_obj": [] if include_inherited_roles else None,
        "children": [c.pk for c in children],
        "children_obj": [related(c) for c in children] if include_children else None,
    }


def flow_json(
    flow: FakeFlow, stages: list[str] | None = None, policies: list[str] | None = None
) -> dict[str, Any]:
    """FlowSerializer; `stages` and `policies` are the pks bound to it."""
    return {
        "pk": flow.pk,
        "policybindingmodel_ptr_id": flow.pk,
        "name": flow.name,
        "slug": flow.slug,
        "title": flow.title,
        "designation": flow.designation,
        "background": "",
        "background_url": "/static/dist/assets/images/flow_background.jpg",
        "background_themed_urls": None,
        "stages": list(stages or []),
        "policies": list(policies or []),
        "cache_count": 0,
        "policy_engine_mode": "any",
        "compatibility_mode": False,
        "export_url": f"/api/v3/flows/instances/{flow.slug}/export/",
        "layout": "stacked",
        "denied_action": "message_continue",
        "authentication": flow.authentication,
    }


def invitation_json(
    invitation: FakeInvitation, users: dict[int, FakeUser], flows: dict[str, FakeFlow]
) -> dict[str, Any]:
    flow = next((f for f in flows.values() if f.pk == invitation.flow), None)
    return {
        "pk": invitation.pk,
        "name": invitation.name,
        "expires": stamp(invitation.expires),
        "fixed_data": invitation.fixed_data,
        "created_by": partial_user(users[invitation.created_by]),
        "single_use": invitation.single_use,
        "flow": invitation.flow,
        "flow_obj": flow_json(flow) if flow else None,
    }
