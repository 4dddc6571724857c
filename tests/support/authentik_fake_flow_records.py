"""What the fake Authentik stores about flows: stages, prompts, bindings, policies, the brand,
the system settings; and how Authentik 2026.5 serializes each (field sets of the schema)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.support.authentik_fake_records import FakeFlow


@dataclass(frozen=True)
class StageKind:
    """One kind of stage: its API path and what Authentik reports about it."""

    key: str  # invitation, prompt, user_write, user_login
    component: str
    model: str
    verbose: str
    defaults: dict[str, Any]  # the model's defaults for the settings the serializer shows


STAGE_KINDS: dict[str, StageKind] = {
    kind.key: kind
    for kind in (
        StageKind(
            "invitation",
            "ak-stage-invitation-form",
            "authentik_stages_invitation.invitationstage",
            "Invitation Stage",
            {"continue_flow_without_invitation": False},
        ),
        StageKind(
            "prompt",
            "ak-stage-prompt-form",
            "authentik_stages_prompt.promptstage",
            "Prompt Stage",
            {"fields": [], "validation_policies": []},
        ),
        StageKind(
            "user_write",
            "ak-stage-user-write-form",
            "authentik_stages_user_write.userwritestage",
            "User Write Stage",
            # UserWriteStage's model defaults (user_type is "external" unless set)
            {
                "user_creation_mode": "create_when_required",
                "create_users_as_inactive": False,
                "create_users_group": None,
                "user_type": "external",
                "user_path_template": "",
            },
        ),
        StageKind(
            "user_login",
            "ak-stage-user-login-form",
            "authentik_stages_user_login.userloginstage",
            "User Login Stage",
            {
                "session_duration": "seconds=0",
                "terminate_other_sessions": False,
                "remember_me_offset": "seconds=0",
                "network_binding": "no_binding",
                "geoip_binding": "no_binding",
                "remember_device": "days=30",
            },
        ),
    )
}


@dataclass
class FakeStage:
    pk: str
    kind: str  # a STAGE_KINDS key
    name: str
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass
class FakePrompt:
    pk: str
    name: str
    field_key: str
    label: str
    type: str
    required: bool = True
    placeholder: str = ""
    initial_value: str = ""
    order: int = 0
    sub_text: str = ""


@dataclass
class FakeBinding:
    """A stage bound to a flow (FlowStageBinding)."""

    pk: str
    target: str  # flow pk
    stage: str  # stage pk
    order: int
    evaluate_on_plan: bool = False
    re_evaluate_policies: bool = True


@dataclass
class FakePolicy:
    """An expression policy: the fake evaluates only a few expressions (see the executor)."""

    pk: str
    name: str
    expression: str


@dataclass
class FakePolicyBinding:
    pk: str
    policy: str
    target: str  # a flow pk (or a binding pk)
    order: int = 0
    enabled: bool = True
    negate: bool = False


@dataclass
class FakeBrand:
    brand_uuid: str
    domain: str
    default: bool = False
    flow_authentication: str | None = None
    flow_recovery: str | None = None  # flow pk; None on a fresh install


def flow_set(flow: FakeFlow) -> dict[str, Any]:
    """FlowSetSerializer: a stage's flows."""
    return {
        "pk": flow.pk,
        "policybindingmodel_ptr_id": flow.pk,
        "name": flow.name,
        "slug": flow.slug,
        "title": flow.title,
        "designation": flow.designation,
        "background_url": "/static/dist/assets/images/flow_background.jpg",
        "policy_engine_mode": "any",
        "compatibility_mode": False,
        "export_url": f"/api/v3/flows/instances/{flow.slug}/export/",
        "layout": "stacked",
        "denied_action": "message_continue",
    }


def stage_json(
    stage: FakeStage, flows: list[FakeFlow], *, base_only: bool = False
) -> dict[str, Any]:
    """A stage as its own serializer shows it, or (base_only) as StageSerializer in a binding."""
    kind = STAGE_KINDS[stage.kind]
    data: dict[str, Any] = {
        "pk": stage.pk,
        "name": stage.name,
        "component": kind.component,
        "verbose_name": kind.verbose,
        "verbose_name_plural": f"{kind.verbose}s",
        "meta_model_name": kind.model,
        "flow_set": [flow_set(f) for f in flows],
    }
    if not base_only:
        data.update({**kind.defaults, **stage.settings})
    return data


def prompt_json(prompt: FakePrompt, stages: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "pk": prompt.pk,
        "name": prompt.name,
        "field_key": prompt.field_key,
        "label": prompt.label,
        "type": prompt.type,
        "required": prompt.required,
        "placeholder": prompt.placeholder,
        "initial_value": prompt.initial_value,
        "order": prompt.order,
        "prompt_stages_obj": stages,
        "sub_text": prompt.sub_text,
        "placeholder_expression": False,
        "initial_value_expression": False,
    }


def binding_json(binding: FakeBinding, stage: dict[str, Any]) -> dict[str, Any]:
    return {
        "pk": binding.pk,
        "policybindingmodel_ptr_id": binding.pk,
        "target": binding.target,
        "stage": binding.stage,
        "stage_obj": stage,
        "evaluate_on_plan": binding.evaluate_on_plan,
        "re_evaluate_policies": binding.re_evaluate_policies,
        "order": binding.order,
        "policy_engine_mode": "any",
        "invalid_response_action": "retry",
    }


def policy_json(policy: FakePolicy, bound_to: int, *, expression: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "pk": policy.pk,
        "name": policy.name,
        "execution_logging": False,
        "component": "ak-policy-expression-form",
        "verbose_name": "Expression Policy",
        "verbose_name_plural": "Expression Policies",
        "meta_model_name": "authentik_policies_expression.expressionpolicy",
        "bound_to": bound_to,
    }
    if expression:
        data["expression"] = policy.expression
    return data


def policy_binding_json(binding: FakePolicyBinding, policy: dict[str, Any]) -> dict[str, Any]:
    return {
        "pk": binding.pk,
        "policy": binding.policy,
        "group": None,
        "user": None,
        "policy_obj": policy,
        "group_obj": None,
        "user_obj": None,
        "target": binding.target,
        "negate": binding.negate,
        "enabled": binding.enabled,
        "order": binding.order,
        "timeout": 30,
        "failure_result": False,
    }


def brand_json(brand: FakeBrand) -> dict[str, Any]:
    return {
        "brand_uuid": brand.brand_uuid,
        "domain": brand.domain,
        "default": brand.default,
        "branding_title": "authentik",
        "branding_logo": "/static/dist/assets/icons/icon_left_brand.svg",
        "branding_favicon": "/static/dist/assets/icons/icon.png",
        "branding_custom_css": "",
        "branding_default_flow_background": "/static/dist/assets/images/flow_background.jpg",
        "flow_authentication": brand.flow_authentication,
        "flow_invalidation": None,
        "flow_recovery": brand.flow_recovery,
        "flow_unenrollment": None,
        "flow_user_settings": None,
        "flow_device_code": None,
        "flow_lockdown": None,
        "default_application": None,
        "web_certificate": None,
        "client_certificates": [],
        "attributes": {},
    }


def current_brand_json(brand: FakeBrand, slugs: dict[str, str]) -> dict[str, Any]:
    """CurrentBrandSerializer: flows by slug (`source="flow_recovery.slug"`, required=False),
    so an unset flow is left out of the answer rather than sent as null."""
    data: dict[str, Any] = {
        "matched_domain": brand.domain,
        "branding_title": "authentik",
        "branding_logo": "/static/dist/assets/icons/icon_left_brand.svg",
        "branding_logo_themed_urls": None,
        "branding_favicon": "/static/dist/assets/icons/icon.png",
        "branding_favicon_themed_urls": None,
        "branding_custom_css": "",
        "ui_footer_links": [],
        "ui_theme": "automatic",
        "default_locale": "",
        "flags": {
            "core_default_app_access": True,
            "enterprise_audit_include_expanded_diff": False,
            "flows_continuous_login": False,
            "flows_refresh_others": False,
        },
    }
    for name in ("flow_authentication", "flow_recovery"):
        pk = getattr(brand, name)
        if pk in slugs:
            data[name] = slugs[pk]
    return data


# System > Settings as a fresh install has them (Authentik's model defaults).
DEFAULT_SETTINGS: dict[str, Any] = {
    "avatars": "gravatar,initials",
    "default_user_change_name": True,
    "default_user_change_email": False,
    "default_user_change_username": False,
    "event_retention": "days=365",
    "reputation_lower_limit": -5,
    "reputation_upper_limit": 5,
    "footer_links": [],
    "gdpr_compliance": True,
    "impersonation": True,
    "impersonation_require_reason": True,
    "default_token_duration": "minutes=30",
    "default_token_length": 60,
    "pagination_default_page_size": 20,
    "pagination_max_page_size": 100,
    "flags": {
        "core_default_app_access": True,
        "enterprise_audit_include_expanded_diff": False,
        "flows_continuous_login": False,
        "flows_refresh_others": False,
    },
}
