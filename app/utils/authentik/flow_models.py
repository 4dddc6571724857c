"""Typed values about Authentik's flows: stages and their bindings, prompts, policies bound to a
flow, the brand and the system settings (what the setup check reads and the flow set-up writes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class StageKind(StrEnum):
    """The kinds of stage the dashboard reads or creates; any other is OTHER."""

    INVITATION = "invitation"
    PROMPT = "prompt"
    USER_WRITE = "user_write"
    USER_LOGIN = "user_login"
    OTHER = "other"

    @property
    def path(self) -> str:
        """The API path of this kind's stages."""
        if self is StageKind.OTHER:
            raise ValueError("no API path for other kinds of stage")
        return _PATHS[self]

    @property
    def label(self) -> str:
        """As Authentik's admin interface names it."""
        return _LABELS[self]

    @classmethod
    def of_component(cls, component: str) -> StageKind:
        return _COMPONENTS.get(component, cls.OTHER)


_PATHS = {
    StageKind.INVITATION: "/stages/invitation/stages/",
    StageKind.PROMPT: "/stages/prompt/stages/",
    StageKind.USER_WRITE: "/stages/user_write/",
    StageKind.USER_LOGIN: "/stages/user_login/",
}
_LABELS = {
    StageKind.INVITATION: "Invitation stage",
    StageKind.PROMPT: "Prompt stage",
    StageKind.USER_WRITE: "User Write stage",
    StageKind.USER_LOGIN: "User Login stage",
    StageKind.OTHER: "other stage",
}
_COMPONENTS = {
    "ak-stage-invitation-form": StageKind.INVITATION,
    "ak-stage-prompt-form": StageKind.PROMPT,
    "ak-stage-user-write-form": StageKind.USER_WRITE,
    "ak-stage-user-login-form": StageKind.USER_LOGIN,
}
# Fields every stage serializer has; the rest are the kind's own settings.
_STAGE_BASE = frozenset(
    {"pk", "name", "component", "verbose_name", "verbose_name_plural", "meta_model_name",
     "flow_set"}
)


@dataclass(frozen=True, slots=True)
class FlowRef:
    """A flow as a stage lists it (FlowSet): enough to name and link it."""

    pk: str
    slug: str
    name: str
    title: str
    designation: str

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> FlowRef:
        return cls(
            pk=str(data["pk"]),
            slug=data["slug"],
            name=data.get("name") or "",
            title=data.get("title") or "",
            designation=data.get("designation") or "",
        )


@dataclass(frozen=True, slots=True)
class Stage:
    """A stage; `settings` are its kind's own fields (e.g. continue_flow_without_invitation,
    fields, user_creation_mode), empty when read through a binding."""

    pk: str
    name: str
    kind: StageKind
    flows: tuple[FlowRef, ...]
    settings: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Stage:
        return cls(
            pk=str(data["pk"]),
            name=data["name"],
            kind=StageKind.of_component(data.get("component") or ""),
            flows=tuple(FlowRef.from_api(f) for f in data.get("flow_set") or ()),
            settings={k: v for k, v in data.items() if k not in _STAGE_BASE},
        )


@dataclass(frozen=True, slots=True)
class FlowBinding:
    """A stage bound to a flow at `order` (the executor runs them by ascending order)."""

    pk: str
    flow_pk: str
    order: int
    stage: Stage

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> FlowBinding:
        return cls(
            pk=str(data["pk"]),
            flow_pk=str(data["target"]),
            order=int(data["order"]),
            stage=Stage.from_api(data["stage_obj"]),
        )


@dataclass(frozen=True, slots=True)
class Prompt:
    """A prompt field; a prompt stage lists the pks of its fields."""

    pk: str
    name: str
    field_key: str
    label: str
    type: str
    required: bool
    order: int

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Prompt:
        return cls(
            pk=str(data["pk"]),
            name=data["name"],
            field_key=data["field_key"],
            label=data.get("label") or "",
            type=data.get("type") or "",
            required=bool(data.get("required", False)),
            order=int(data.get("order") or 0),
        )


@dataclass(frozen=True, slots=True)
class PolicyBinding:
    """A policy (or group/user) bound to a flow; the flow applies only if the bindings pass."""

    pk: str
    policy_pk: str | None
    name: str  # the policy's name, or what else is bound
    is_expression: bool
    enabled: bool
    negate: bool

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> PolicyBinding:
        policy = data.get("policy_obj") or {}
        group = data.get("group_obj") or {}
        user = data.get("user_obj") or {}
        name = policy.get("name") or (
            f"group {group['name']}" if group else f"user {user.get('username', '?')}"
        )
        return cls(
            pk=str(data["pk"]),
            policy_pk=str(data["policy"]) if data.get("policy") else None,
            name=name,
            is_expression=policy.get("component") == "ak-policy-expression-form",
            enabled=bool(data.get("enabled", True)),
            negate=bool(data.get("negate", False)),
        )


@dataclass(frozen=True, slots=True)
class Brand:
    """A brand (System > Brands); `flow_recovery` is a flow pk, None when unset."""

    uuid: str
    domain: str
    default: bool
    flow_recovery: str | None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Brand:
        return cls(
            uuid=str(data["brand_uuid"]),
            domain=data["domain"],
            default=bool(data.get("default", False)),
            flow_recovery=str(data["flow_recovery"]) if data.get("flow_recovery") else None,
        )


@dataclass(frozen=True, slots=True)
class CurrentBrand:
    """The brand Authentik applies to the dashboard's API calls (brands/current/): recovery
    links use ITS recovery flow. Flows are given by slug and left out when unset."""

    domain: str
    recovery_flow_slug: str | None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> CurrentBrand:
        return cls(
            domain=data.get("matched_domain") or "",
            recovery_flow_slug=data.get("flow_recovery") or None,
        )


@dataclass(frozen=True, slots=True)
class SystemSettings:
    """The parts of System > Settings the dashboard cares about."""

    default_page_size: int
    max_page_size: int
    default_token_duration: str

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> SystemSettings:
        return cls(
            default_page_size=int(data.get("pagination_default_page_size") or 20),
            max_page_size=int(data.get("pagination_max_page_size") or 100),
            default_token_duration=str(data.get("default_token_duration") or ""),
        )


@dataclass(frozen=True, slots=True)
class PageSizeCap:
    """How many rows Authentik returns per page at most: from the system settings, measured
    from an answer, or unknown (`size` None: fewer users than any cap)."""

    size: int | None
    source: str  # "settings" | "measured" | "unknown"
