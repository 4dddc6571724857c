"""The flows the dashboard creates for itself ("Create the flows for me"), as data.

An enrollment flow for invite links and a recovery flow for recovery links, made of stages
and prompt fields found or created by name (Authentik's names are unique), bound in order.
The same shapes the README tells operators to build by hand (and that flow_shape accepts).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.utils.authentik import StageKind

ENROLLMENT_SLUG = "community-invitation"
RECOVERY_SLUG = "community-recovery"


@dataclass(frozen=True)
class PromptSpec:
    name: str
    field_key: str
    label: str
    type: str
    order: int

    @property
    def settings(self) -> dict[str, Any]:
        return {
            "field_key": self.field_key,
            "label": self.label,
            "type": self.type,
            "required": True,
            "placeholder": self.label,
            "order": self.order,
        }


@dataclass(frozen=True)
class StageSpec:
    kind: StageKind
    name: str
    settings: Mapping[str, Any] = field(default_factory=dict)
    fields: tuple[str, ...] = ()  # prompt field keys (PROMPTS), for a prompt stage


@dataclass(frozen=True)
class FlowSpec:
    slug: str
    name: str
    title: str
    designation: str
    stages: tuple[StageSpec, ...]
    authentication: str = "require_unauthenticated"  # a logged-in person cannot start it

    @property
    def settings(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "designation": self.designation,
            "authentication": self.authentication,
        }


PROMPTS: dict[str, PromptSpec] = {
    spec.field_key: spec
    for spec in (
        PromptSpec("community-field-username", "username", "Username", "username", 0),
        PromptSpec("community-field-name", "name", "Name", "text", 1),
        PromptSpec("community-field-email", "email", "Email", "email", 2),
        PromptSpec("community-field-password", "password", "Password", "password", 3),
        PromptSpec(
            "community-field-password-repeat", "password_repeat", "Password (again)", "password", 4
        ),
    )
}


def enrollment(user_path: str) -> FlowSpec:
    """Invite links: invitation (required), prompt, user write (always create), user login."""
    return FlowSpec(
        ENROLLMENT_SLUG,
        "Community invitation",
        "Welcome! Create your account",
        "enrollment",
        (
            StageSpec(
                StageKind.INVITATION,
                "community-invitation",
                {"continue_flow_without_invitation": False},
            ),
            StageSpec(
                StageKind.PROMPT,
                "community-enrollment-prompt",
                fields=("username", "name", "email", "password", "password_repeat"),
            ),
            StageSpec(
                StageKind.USER_WRITE,
                "community-enrollment-write",
                {
                    "user_creation_mode": "always_create",
                    "create_users_as_inactive": False,
                    "user_type": "internal",
                    "user_path_template": user_path,
                },
            ),
            StageSpec(StageKind.USER_LOGIN, "community-enrollment-login"),
        ),
    )


def recovery() -> FlowSpec:
    """Recovery links: a new password (the link's token names the user), write, log in."""
    return FlowSpec(
        RECOVERY_SLUG,
        "Community password recovery",
        "Choose a new password",
        "recovery",
        (
            StageSpec(
                StageKind.PROMPT,
                "community-recovery-prompt",
                fields=("password", "password_repeat"),
            ),
            StageSpec(
                StageKind.USER_WRITE, "community-recovery-write",
                {"user_creation_mode": "never_create"},
            ),
            StageSpec(StageKind.USER_LOGIN, "community-recovery-login"),
        ),
    )


def binding_order(index: int) -> int:
    """Orders 10, 20, 30, ...: room for an operator to add a stage between two."""
    return 10 * (index + 1)
