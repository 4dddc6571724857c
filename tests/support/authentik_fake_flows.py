"""The fake Authentik's flow endpoints: flows, stage bindings, stages, prompts, policies, the
brand and the system settings, answering like 2026.5 (uniqueness errors as Django words them)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tests.support.authentik_fake_answers import PAGING, Call, Reply, matches, not_found, order
from tests.support.authentik_fake_answers import paginate as _paginate
from tests.support.authentik_fake_flow_records import (
    STAGE_KINDS,
    FakeBinding,
    FakePrompt,
    binding_json,
    brand_json,
    current_brand_json,
    policy_binding_json,
    policy_json,
    prompt_json,
)
from tests.support.authentik_fake_records import FakeFlow, flow_json

if TYPE_CHECKING:
    from tests.support.authentik_fake import AuthentikFake

Handler = Callable[["AuthentikFake", Call], Reply]


def _unique(model: str, field: str) -> Reply:
    return 400, {field: [f"{model} with this {field} already exists."]}


def _flow_json(fake: AuthentikFake, flow: FakeFlow) -> dict[str, Any]:
    stages = [b.stage for b in fake.bindings_of(flow.pk)]
    policies = [b.policy for b in fake.policy_bindings.values() if b.target == flow.pk]
    return flow_json(flow, stages, policies)


# -- flows ---------------------------------------------------------------------------------------


def flows_list(fake: AuthentikFake, call: Call) -> Reply:
    q = call.query
    flows = [
        f
        for f in fake.flows.values()
        if q.get("designation") in (None, f.designation)
        and q.get("slug") in (None, f.slug)
        and q.get("name") in (None, f.name)
        and q.get("flow_uuid") in (None, f.pk)
        and matches(q.get("search"), f.name, f.slug, f.title)
    ]
    order(flows, q.get("ordering"), "slug", ("slug", "name", "title", "designation"))
    return _paginate(flows, call, lambda f: _flow_json(fake, f))


def flows_retrieve(fake: AuthentikFake, call: Call) -> Reply:
    flow = fake.flows.get(call.path_params["slug"])
    return (200, _flow_json(fake, flow)) if flow else not_found("Flow")


def flows_create(fake: AuthentikFake, call: Call) -> Reply:
    body = call.body
    if body["slug"] in fake.flows:
        return _unique("flow", "slug")
    flow = fake.add_flow(
        body["slug"],
        body["designation"],
        name=body["name"],
        title=body["title"],
        authentication=body.get("authentication", "none"),
    )
    return 201, _flow_json(fake, flow)


def flows_partial_update(fake: AuthentikFake, call: Call) -> Reply:
    flow = fake.flows.get(call.path_params["slug"])
    if flow is None:
        return not_found("Flow")
    for key in ("name", "title", "designation", "authentication"):
        if key in call.body:
            setattr(flow, key, call.body[key])
    return 200, _flow_json(fake, flow)


# -- stage bindings ------------------------------------------------------------------------------


def bindings_list(fake: AuthentikFake, call: Call) -> Reply:
    q = call.query
    bindings = [
        b
        for b in fake.bindings.values()
        if q.get("target") in (None, b.target) and q.get("stage") in (None, b.stage)
    ]
    order(bindings, q.get("ordering"), "order", ("order", "target", "pk"))
    return _paginate(bindings, call, lambda b: binding_json(b, fake.stage_base_json(b.stage)))


def bindings_create(fake: AuthentikFake, call: Call) -> Reply:
    body = call.body
    if body["target"] not in {f.pk for f in fake.flows.values()}:
        return 400, {"target": [f'Invalid pk "{body["target"]}" - object does not exist.']}
    if body["stage"] not in fake.stages:
        return 400, {"stage": [f'Invalid pk "{body["stage"]}" - object does not exist.']}
    same = (body["target"], body["stage"], body["order"])
    if any((b.target, b.stage, b.order) == same for b in fake.bindings.values()):
        return 400, {
            "non_field_errors": ["The fields target, stage, order must make a unique set."]
        }
    binding = FakeBinding(str(uuid.uuid4()), body["target"], body["stage"], body["order"])
    fake.bindings[binding.pk] = binding
    return 201, binding_json(binding, fake.stage_base_json(binding.stage))


def bindings_partial_update(fake: AuthentikFake, call: Call) -> Reply:
    binding = fake.bindings.get(str(call.path_params["fsb_uuid"]))
    if binding is None:
        return not_found("Flow Stage Binding")
    for key in ("order", "evaluate_on_plan", "re_evaluate_policies"):
        if key in call.body:
            setattr(binding, key, call.body[key])
    return 200, binding_json(binding, fake.stage_base_json(binding.stage))


# -- policies ------------------------------------------------------------------------------------


def policy_bindings_list(fake: AuthentikFake, call: Call) -> Reply:
    q = call.query
    bindings = [b for b in fake.policy_bindings.values() if q.get("target") in (None, b.target)]
    order(bindings, q.get("ordering"), "order", ("order", "target"))

    def render(b: Any) -> dict[str, Any]:
        policy = fake.policies[b.policy]
        return policy_binding_json(b, policy_json(policy, fake.bound_count(policy.pk)))

    return _paginate(bindings, call, render)


def expression_retrieve(fake: AuthentikFake, call: Call) -> Reply:
    policy = fake.policies.get(str(call.path_params["policy_uuid"]))
    if policy is None:
        return not_found("Expression Policy")
    return 200, policy_json(policy, fake.bound_count(policy.pk), expression=True)


# -- stages (one set of handlers per kind) -------------------------------------------------------


def _stage_handlers(kind: str) -> dict[str, Handler]:
    settings_keys = set(STAGE_KINDS[kind].defaults)

    def listing(fake: AuthentikFake, call: Call) -> Reply:
        q = call.query
        stages = [
            s
            for s in fake.stages.values()
            if s.kind == kind
            and q.get("name") in (None, s.name)
            and q.get("stage_uuid") in (None, s.pk)
            and matches(q.get("search"), s.name)
        ]
        order(stages, q.get("ordering"), "name", ("name",))
        return _paginate(stages, call, fake.stage_json)

    def create(fake: AuthentikFake, call: Call) -> Reply:
        body = call.body
        # Stage.name is unique across every kind of stage.
        if any(s.name == body["name"] for s in fake.stages.values()):
            return _unique("stage", "name")
        problem = _fields_exist(fake, body)
        if problem:
            return problem
        settings = {k: v for k, v in body.items() if k in settings_keys}
        stage = fake.add_stage(kind, body["name"], **settings)
        return 201, fake.stage_json(stage)

    def update(fake: AuthentikFake, call: Call) -> Reply:
        stage = fake.stages.get(str(call.path_params["stage_uuid"]))
        if stage is None or stage.kind != kind:
            return not_found(STAGE_KINDS[kind].verbose)
        body = call.body
        if "name" in body and any(
            s.name == body["name"] and s.pk != stage.pk for s in fake.stages.values()
        ):
            return _unique("stage", "name")
        problem = _fields_exist(fake, body)
        if problem:
            return problem
        stage.name = body.get("name", stage.name)
        stage.settings.update({k: v for k, v in body.items() if k in settings_keys})
        return 200, fake.stage_json(stage)

    return {"list": listing, "create": create, "update": update}


def _fields_exist(fake: AuthentikFake, body: dict[str, Any]) -> Reply | None:
    missing = [pk for pk in body.get("fields", []) if pk not in fake.prompts]
    if missing:
        return 400, {"fields": [f'Invalid pk "{missing[0]}" - object does not exist.']}
    return None


# -- prompts -------------------------------------------------------------------------------------


_PROMPT_FIELDS = ("field_key", "label", "type", "required", "placeholder", "initial_value")
_PROMPT_FIELDS += ("order", "sub_text")


def _prompt_json(fake: AuthentikFake, prompt: FakePrompt) -> dict[str, Any]:
    stages = [
        fake.stage_json(s)
        for s in fake.stages.values()
        if s.kind == "prompt" and prompt.pk in s.settings.get("fields", [])
    ]
    return prompt_json(prompt, stages)


def prompts_list(fake: AuthentikFake, call: Call) -> Reply:
    q = call.query
    prompts = [
        p
        for p in fake.prompts.values()
        if q.get("name") in (None, p.name)
        and q.get("field_key") in (None, p.field_key)
        and matches(q.get("search"), p.name, p.field_key, p.label)
    ]
    order(prompts, q.get("ordering"), "field_key", ("field_key", "name", "order", "label"))
    return _paginate(prompts, call, lambda p: _prompt_json(fake, p))


def prompts_create(fake: AuthentikFake, call: Call) -> Reply:
    body = call.body
    if any(p.name == body["name"] for p in fake.prompts.values()):
        return _unique("prompt", "name")
    values = {k: body[k] for k in _PROMPT_FIELDS if k in body}
    prompt = fake.add_prompt(body["name"], **values)
    return 201, _prompt_json(fake, prompt)


def prompts_partial_update(fake: AuthentikFake, call: Call) -> Reply:
    prompt = fake.prompts.get(str(call.path_params["prompt_uuid"]))
    if prompt is None:
        return not_found("Prompt")
    for key in ("name", *_PROMPT_FIELDS):
        if key in call.body:
            setattr(prompt, key, call.body[key])
    return 200, _prompt_json(fake, prompt)


# -- the brand and the system settings -----------------------------------------------------------


def brands_list(fake: AuthentikFake, call: Call) -> Reply:
    q = call.query
    brands = [
        b
        for b in fake.brands.values()
        if q.get("domain") in (None, b.domain)
        and q.get("default") in (None, b.default)
        and q.get("brand_uuid") in (None, b.brand_uuid)
    ]
    order(brands, q.get("ordering"), "domain", ("domain",))
    return _paginate(brands, call, brand_json)


def brands_current(fake: AuthentikFake, call: Call) -> Reply:
    """The brand of the host the request came to: here always the default brand."""
    brand = fake.default_brand
    return 200, current_brand_json(brand, {f.pk: f.slug for f in fake.flows.values()})


def brands_partial_update(fake: AuthentikFake, call: Call) -> Reply:
    brand = fake.brands.get(str(call.path_params["brand_uuid"]))
    if brand is None:
        return not_found("Brand")
    flows = {f.pk for f in fake.flows.values()}
    for key in ("flow_recovery", "flow_authentication"):
        if key in call.body:
            value = call.body[key]
            if value is not None and value not in flows:
                return 400, {key: [f'Invalid pk "{value}" - object does not exist.']}
            setattr(brand, key, value)
    if "domain" in call.body:
        brand.domain = call.body["domain"]
    return 200, brand_json(brand)


def admin_settings(fake: AuthentikFake, call: Call) -> Reply:
    return 200, dict(fake.settings)


FLOW_ROUTES: dict[str, tuple[Handler, frozenset[str]]] = {
    "flows_instances_list": (
        flows_list,
        PAGING | {"designation", "slug", "name", "flow_uuid", "search"},
    ),
    "flows_instances_retrieve": (flows_retrieve, frozenset()),
    "flows_instances_create": (flows_create, frozenset()),
    "flows_instances_partial_update": (flows_partial_update, frozenset()),
    "flows_bindings_list": (bindings_list, PAGING | {"target", "stage"}),
    "flows_bindings_create": (bindings_create, frozenset()),
    "flows_bindings_partial_update": (bindings_partial_update, frozenset()),
    "policies_bindings_list": (policy_bindings_list, PAGING | {"target"}),
    "policies_expression_retrieve": (expression_retrieve, frozenset()),
    "stages_prompt_prompts_list": (prompts_list, PAGING | {"name", "field_key", "search"}),
    "stages_prompt_prompts_create": (prompts_create, frozenset()),
    "stages_prompt_prompts_partial_update": (prompts_partial_update, frozenset()),
    "core_brands_list": (brands_list, PAGING | {"domain", "default", "brand_uuid"}),
    "core_brands_current_retrieve": (brands_current, frozenset()),
    "core_brands_partial_update": (brands_partial_update, frozenset()),
    "admin_settings_retrieve": (admin_settings, frozenset()),
}
for _kind, _prefix in (
    ("invitation", "stages_invitation_stages"),
    ("prompt", "stages_prompt_stages"),
    ("user_write", "stages_user_write"),
    ("user_login", "stages_user_login"),
):
    _handlers = _stage_handlers(_kind)
    FLOW_ROUTES[f"{_prefix}_list"] = (_handlers["list"], PAGING | {"name", "stage_uuid", "search"})
    FLOW_ROUTES[f"{_prefix}_create"] = (_handlers["create"], frozenset())
    FLOW_ROUTES[f"{_prefix}_partial_update"] = (_handlers["update"], frozenset())
