"""The fake Authentik's /core/users/ endpoints, with Authentik's filters and field errors."""

from __future__ import annotations

import hashlib
import json
import operator
import re
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from tests.support.authentik_fake_answers import (
    PAGING,
    Call,
    Reply,
    invalid,
    matches,
    not_found,
    order,
    paginate,
)
from tests.support.authentik_fake_records import FakeUser, now, user_json, user_self

if TYPE_CHECKING:
    from tests.support.authentik_fake import AuthentikFake

Predicate = Callable[[FakeUser], bool]


def _any_group(pks: set[str]) -> Predicate:
    return lambda u: bool(pks.intersection(u.groups))


def _is_superuser(fake: AuthentikFake, user: FakeUser) -> bool:
    return any(fake.groups[g].is_superuser for g in user.groups)


def _attributes(raw: str) -> Predicate:
    wanted = json.loads(raw)
    wanted = wanted if isinstance(wanted, dict) else {}
    return lambda u: all(u.attributes.get(k) == v for k, v in wanted.items())


def _equals(name: str) -> Callable[[AuthentikFake, Any], Predicate]:
    return lambda fake, want: lambda u: getattr(u, name) == want


def _compare(
    name: str, cmp: Callable[[Any, Any], bool]
) -> Callable[[AuthentikFake, Any], Predicate]:
    def build(fake: AuthentikFake, want: str) -> Predicate:
        bound = datetime.fromisoformat(want)
        return lambda u: getattr(u, name) is not None and cmp(getattr(u, name), bound)

    return build


# query parameter -> (fake, value) -> predicate. Parameters not here do not filter.
_FILTERS: dict[str, Callable[[AuthentikFake, Any], Predicate]] = {
    **{name: _equals(name) for name in ("username", "email", "name", "uuid", "path", "is_active")},
    **{
        f"{name}{suffix}": _compare(name, cmp)
        for name in ("last_updated", "date_joined", "last_login")
        for suffix, cmp in (("", operator.eq), ("__gt", operator.gt), ("__lt", operator.lt))
    },
    "path_startswith": lambda fake, want: lambda u: u.path.startswith(want),
    "type": lambda fake, want: lambda u: u.type in want,
    "groups_by_name": lambda fake, want: _any_group(
        {g.pk for g in fake.groups.values() if g.name in set(want)}
    ),
    "groups_by_pk": lambda fake, want: _any_group(set(want)),
    "is_superuser": lambda fake, want: lambda u: _is_superuser(fake, u) == want,
    # UserViewSet.search_fields: username, name, email, uuid (and is_active)
    "search": lambda fake, want: lambda u: matches(want, u.username, u.name, u.email, u.uuid),
    "attributes": lambda fake, want: _attributes(want),
    "last_login__isnull": lambda fake, want: lambda u: (u.last_login is None) == want,
}
HONOURED = PAGING | frozenset(_FILTERS) | {"include_groups", "include_roles"}


def users_list(fake: AuthentikFake, call: Call) -> Reply:
    q = call.query
    # Only the filters present: checking absent ones would cost 10,000 users dearly.
    checks = [_FILTERS[name](fake, value) for name, value in q.items() if name in _FILTERS]
    users = [u for u in fake.users.values() if all(check(u) for check in checks)]
    order(
        users,
        q.get("ordering"),
        "username",
        ("username", "pk", "name", "email", "date_joined", "last_login", "last_updated"),
    )
    include = {
        "include_groups": q.get("include_groups", True),
        "include_roles": q.get("include_roles", True),
    }
    return paginate(users, call, lambda u: user_json(u, fake.groups, **include))


def _user_problems(fake: AuthentikFake, body: dict[str, Any], pk: int | None) -> dict[str, list]:
    errors: dict[str, list[str]] = {}
    name = body.get("username")
    if name is not None and any(u.username == name and u.pk != pk for u in fake.users.values()):
        errors["username"] = ["This field must be unique."]
    path = body.get("path")
    if path is not None:
        if path[:1] == "/" or path[-1:] == "/":
            errors["path"] = ["No leading or trailing slashes allowed."]
        elif "" in path.split("/"):
            errors["path"] = ["No empty segments in user path allowed."]
    missing = [g for g in body.get("groups", []) if g not in fake.groups]
    if missing:
        errors["groups"] = [f'Invalid pk "{missing[0]}" - object does not exist.']
    if body.get("type") == "internal_service_account":
        errors["type"] = ["Setting a user to internal service account is not allowed."]
    return errors


def users_create(fake: AuthentikFake, call: Call) -> Reply:
    body = call.body
    errors = _user_problems(fake, body, None)
    if errors:
        return 400, errors
    user = fake.add_user(
        body["username"],
        name=body["name"],
        email=body.get("email", ""),
        is_active=body.get("is_active", True),
        path=body.get("path", "users"),
        type=body.get("type", "internal"),
        attributes=body.get("attributes", {}),
        groups=body.get("groups", []),
    )
    return 201, user_json(user, fake.groups)


def _user(fake: AuthentikFake, call: Call) -> FakeUser | None:
    return fake.users.get(call.path_params["id"])


def users_retrieve(fake: AuthentikFake, call: Call) -> Reply:
    user = _user(fake, call)
    return (200, user_json(user, fake.groups)) if user else not_found("User")


def users_partial_update(fake: AuthentikFake, call: Call) -> Reply:
    user = _user(fake, call)
    if user is None:
        return not_found("User")
    errors = _user_problems(fake, call.body, user.pk)
    if errors:
        return 400, errors
    for key in ("username", "name", "email", "is_active", "path", "type", "attributes"):
        if key in call.body:
            setattr(user, key, call.body[key])  # attributes: replaced, not merged
    if "groups" in call.body:
        for group_pk in list(user.groups):
            fake.set_member(group_pk, user.pk, False)
        for group_pk in call.body["groups"]:
            fake.set_member(group_pk, user.pk, True)
    user.last_updated = now()
    return 200, user_json(user, fake.groups)


def users_destroy(fake: AuthentikFake, call: Call) -> Reply:
    user = _user(fake, call)
    if user is None:
        return not_found("User")
    fake.remove_user(user.pk)
    return 204, None


def users_set_password(fake: AuthentikFake, call: Call) -> Reply:
    user = _user(fake, call)
    if user is None:
        return not_found("User")
    user.password_sha256 = hashlib.sha256(call.body["password"].encode()).hexdigest()
    user.password_change_date = now()
    return 204, None


_DURATION_PART = re.compile(r"(weeks|days|hours|minutes|seconds)=(\d+(?:\.\d+)?)")


def users_recovery(fake: AuthentikFake, call: Call) -> Reply:
    user = _user(fake, call)
    if user is None:
        return not_found("User")
    duration = timedelta(minutes=30)  # Authentik's default token duration, as measured
    raw = (call.body or {}).get("token_duration")
    if raw is not None:
        parts = [_DURATION_PART.fullmatch(p.strip()) for p in raw.split(";")]
        if not all(parts):
            return invalid("token_duration", f"Invalid duration: {raw!r}")
        duration = timedelta(**{m[1]: float(m[2]) for m in parts if m})
    if fake.recovery_flow_slug is None:
        # Observed: a string here, not a list (see authentik_schema._apply_known_deviations).
        return 400, {"non_field_errors": "No recovery flow set."}
    key = uuid.uuid4().hex
    fake.recovery_tokens[key] = (user.pk, now() + duration)
    # Measured: the link is built from the host the API client called (request.build_absolute_
    # uri), never a public URL: a dashboard calling http://127.0.0.1:9000 gets links there.
    link = f"{call.link_base}/if/flow/{fake.recovery_flow_slug}/?flow_token={key}"
    return 200, {"link": link}


def users_me(fake: AuthentikFake, call: Call) -> Reply:
    return 200, {"user": user_self(call.actor, fake.groups)}


USER_ROUTES: dict[str, tuple[Callable[[AuthentikFake, Call], Reply], frozenset[str]]] = {
    "core_users_list": (users_list, HONOURED),
    "core_users_create": (users_create, frozenset()),
    "core_users_retrieve": (users_retrieve, frozenset()),
    "core_users_partial_update": (users_partial_update, frozenset()),
    "core_users_destroy": (users_destroy, frozenset()),
    "core_users_set_password_create": (users_set_password, frozenset()),
    "core_users_recovery_create": (users_recovery, frozenset()),
    "core_users_me_retrieve": (users_me, frozenset()),
}
