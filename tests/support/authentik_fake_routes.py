"""The fake Authentik's endpoints: one handler per schema operation, answering like 2026.5.

Flows, stages, bindings, prompts, policies and the brand are in `authentik_fake_flows`.
Each handler gets the checked request (typed parameters, JSON body) and returns (status, body).
Behaviour copied from Authentik and observed on real instances: exact, case-sensitive
`username`/`name` filters; `search` as a case-insensitive substring over the viewset's
search fields; 404 {"detail": "Invalid page."} past the last page; 400 {field: [messages]}.
`ROUTES` lists, per operation, the query parameters its handler honours; the fake reports any other
declared parameter as a violation rather than silently ignoring a filter a test relies on.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
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
from tests.support.authentik_fake_flows import FLOW_ROUTES
from tests.support.authentik_fake_records import FakeInvitation, group_json, invitation_json
from tests.support.authentik_fake_users import USER_ROUTES

if TYPE_CHECKING:
    from tests.support.authentik_fake import AuthentikFake

# -- groups --------------------------------------------------------------------------------------


def _group_flags(q: dict[str, Any]) -> dict[str, bool]:
    return {
        "include_users": q.get("include_users", True),
        "include_children": q.get("include_children", False),
        "include_parents": q.get("include_parents", False),
        "include_inherited_roles": q.get("include_inherited_roles", False),
    }


def groups_list(fake: AuthentikFake, call: Call) -> Reply:
    q = call.query
    members_by_username = set(q.get("members_by_username", ()))
    member_pks = {u.pk for u in fake.users.values() if u.username in members_by_username}
    groups = [
        g
        for g in fake.groups.values()
        if q.get("name") in (None, g.name)
        and q.get("is_superuser") in (None, g.is_superuser)
        and matches(q.get("search"), g.name)
        and ("members_by_pk" not in q or bool(set(q["members_by_pk"]) & g.members))
        and ("members_by_username" not in q or bool(member_pks & g.members))
    ]
    order(groups, q.get("ordering"), "name", ("name", "num_pk", "is_superuser"))
    flags = _group_flags(q)
    return paginate(groups, call, lambda g: group_json(g, fake.users, fake.groups, **flags))


def groups_retrieve(fake: AuthentikFake, call: Call) -> Reply:
    group = fake.groups.get(str(call.path_params["group_uuid"]))
    if group is None:
        return not_found("Group")
    return 200, group_json(group, fake.users, fake.groups, **_group_flags(call.query))


def _membership(fake: AuthentikFake, call: Call, present: bool) -> Reply:
    group = fake.groups.get(str(call.path_params["group_uuid"]))
    if group is None:
        return not_found("Group")
    if call.body["pk"] not in fake.users:
        return 404, {"detail": "Not found."}  # `raise Http404` in the view
    fake.set_member(group.pk, call.body["pk"], present)
    return 204, None


def groups_add_user(fake: AuthentikFake, call: Call) -> Reply:
    return _membership(fake, call, True)


def groups_remove_user(fake: AuthentikFake, call: Call) -> Reply:
    return _membership(fake, call, False)


# -- invitations ---------------------------------------------------------------------------------


def invitations_list(fake: AuthentikFake, call: Call) -> Reply:
    q = call.query
    flow_slugs = {f.pk: f.slug for f in fake.flows.values()}

    def creator(i: FakeInvitation) -> str:
        return fake.users[i.created_by].username

    invitations = [
        i
        for i in fake.invitations.values()
        if q.get("name") in (None, i.name)
        and q.get("flow__slug") in (None, flow_slugs.get(i.flow or ""))
        and q.get("created_by__username") in (None, creator(i))
        and (q.get("expires") is None or i.expires == datetime.fromisoformat(q["expires"]))
        and matches(q.get("search"), i.name, creator(i), flow_slugs.get(i.flow or "", ""))
    ]
    order(invitations, q.get("ordering"), "-expires", ("expires", "name"))
    return paginate(invitations, call, lambda i: invitation_json(i, fake.users, fake.flows))


def invitations_create(fake: AuthentikFake, call: Call) -> Reply:
    body = call.body
    flow = body.get("flow")
    if flow is not None and flow not in {f.pk for f in fake.flows.values()}:
        return invalid("flow", f'Invalid pk "{flow}" - object does not exist.')
    invitation = fake.add_invitation(
        body["name"],
        flow_pk=flow,
        created_by=call.actor.pk,  # measured: always the API token's account
        expires=datetime.fromisoformat(body["expires"]) if body.get("expires") else None,
        single_use=body.get("single_use", False),
        fixed_data=body.get("fixed_data", {}),
    )
    return 201, invitation_json(invitation, fake.users, fake.flows)


def invitations_retrieve(fake: AuthentikFake, call: Call) -> Reply:
    invitation = fake.invitations.get(str(call.path_params["invite_uuid"]))
    if invitation is None:
        return not_found("Invitation")
    return 200, invitation_json(invitation, fake.users, fake.flows)


def invitations_destroy(fake: AuthentikFake, call: Call) -> Reply:
    if fake.invitations.pop(str(call.path_params["invite_uuid"]), None) is None:
        return not_found("Invitation")
    return 204, None


# -- root ----------------------------------------------------------------------------------------


def root_config(fake: AuthentikFake, call: Call) -> Reply:
    return 200, {
        "error_reporting": {
            "enabled": False,
            "sentry_dsn": "",
            "environment": "",
            "send_pii": False,
            "traces_sample_rate": 0.0,
        },
        "capabilities": ["can_save_media", "can_impersonate"],
        "cache_timeout": 300,
        "cache_timeout_flows": 300,
        "cache_timeout_policies": 300,
    }


Handler = Callable[["AuthentikFake", Call], Reply]

_GROUP_FLAGS = frozenset(
    {"include_users", "include_children", "include_parents", "include_inherited_roles"}
)

# operationId -> (handler, query parameters it honours)
ROUTES: dict[str, tuple[Handler, frozenset[str]]] = {
    **USER_ROUTES,
    **FLOW_ROUTES,
    "core_groups_list": (
        groups_list,
        PAGING
        | _GROUP_FLAGS
        | {"name", "is_superuser", "search", "members_by_pk", "members_by_username"},
    ),
    "core_groups_retrieve": (groups_retrieve, _GROUP_FLAGS),
    "core_groups_add_user_create": (groups_add_user, frozenset()),
    "core_groups_remove_user_create": (groups_remove_user, frozenset()),
    "stages_invitation_invitations_list": (
        invitations_list,
        PAGING | {"name", "flow__slug", "created_by__username", "expires", "search"},
    ),
    "stages_invitation_invitations_create": (invitations_create, frozenset()),
    "stages_invitation_invitations_retrieve": (invitations_retrieve, frozenset()),
    "stages_invitation_invitations_destroy": (invitations_destroy, frozenset()),
    "root_config_retrieve": (root_config, frozenset()),
}
