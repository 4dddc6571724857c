"""The flows a fake Authentik starts with: a fresh install, or one set up for invitations.

FRESH is what a real Authentik has after its first start (measured on 2025.12.4, same API as
2026.5 for these calls): its default blueprints create ONE enrollment flow,
`default-source-enrollment`, made for sign-ups through an SSO source: no invitation stage,
and a policy `default-source-enrollment-if-sso` (`return ak_is_sso_flow`) bound to the flow,
so an invite link to it ends in `ak-stage-access-denied` ("Flow does not apply to current
user."). No recovery flow exists and the default brand has none: `POST core/users/{pk}/
recovery/` answers 400 {"non_field_errors": "No recovery flow set."}. The token's account is
`akadmin`, the superuser people log in with.

CONFIGURED (the default for tests) is what an operator has after following the README: an
enrollment flow `default-enrollment-flow` with an invitation stage (continue without
invitation: off), a prompt stage (username, name, email, password, password_repeat), a
user-write stage (always create) and a user-login stage, bound in that order; and a recovery
flow `default-recovery-flow` (prompt for a new password, user-write, user-login) set as the
default brand's recovery flow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.support.authentik_fake import AuthentikFake

FRESH = "fresh"
CONFIGURED = "configured"
INSTALLS = (FRESH, CONFIGURED)

SSO_ONLY_POLICY = "default-source-enrollment-if-sso"
# The configured install's enrollment stages after the invitation, in order (reusable).
SHARED_STAGES = (
    "default-enrollment-prompt",
    "default-enrollment-user-write",
    "default-enrollment-user-login",
)


def fresh(fake: AuthentikFake) -> None:
    """The flows of a fresh install (a subset of the default blueprints' flows)."""
    fake.add_flow("default-authentication-flow", "authentication", name="Welcome to authentik!")
    fake.add_flow("default-invalidation-flow", "invalidation")
    fake.add_flow("default-source-authentication", "authentication")
    fake.add_flow("default-user-settings-flow", "stage_configuration")
    fake.add_flow("default-password-change", "stage_configuration")
    fake.add_flow("default-provider-authorization-implicit-consent", "authorization")
    source = fake.add_flow(
        "default-source-enrollment", "enrollment", name="Welcome to authentik! Please select a "
        "username."
    )
    username = fake.add_prompt(
        "default-source-enrollment-field-username", field_key="username", label="Username",
        type="username",
    )
    prompt = fake.add_stage("prompt", "default-source-enrollment-prompt", fields=[username.pk])
    write = fake.add_stage(
        "user_write", "default-source-enrollment-write", user_creation_mode="always_create",
    )
    login = fake.add_stage("user_login", "default-source-enrollment-login")
    for order, stage in enumerate((prompt, write, login)):
        fake.bind(source.slug, stage.pk, order)
    policy = fake.add_policy(SSO_ONLY_POLICY, "return ak_is_sso_flow")
    fake.bind_policy(policy.pk, source.pk)
    fake.default_brand.flow_authentication = fake.flows["default-authentication-flow"].pk
    fake.default_brand.flow_recovery = None


def configured(fake: AuthentikFake) -> None:
    """Flows set up for invitations and recovery links, as the README tells operators."""
    fake.add_flow("default-authentication-flow", "authentication")
    enrollment = fake.add_flow(
        "default-enrollment-flow", "enrollment", authentication="require_unauthenticated"
    )
    recovery = fake.add_flow(
        "default-recovery-flow", "recovery", authentication="require_unauthenticated"
    )
    fields = {
        key: fake.add_prompt(
            f"default-enrollment-field-{key}", field_key=key, label=key.replace("_", " "),
            type=kind, order=index,
        )
        for index, (key, kind) in enumerate(
            (
                ("username", "username"),
                ("name", "text"),
                ("email", "email"),
                ("password", "password"),
                ("password_repeat", "password"),
            )
        )
    }
    stages = (
        fake.add_stage("invitation", "default-enrollment-invitation"),
        fake.add_stage(
            "prompt", "default-enrollment-prompt", fields=[p.pk for p in fields.values()]
        ),
        fake.add_stage(
            "user_write", "default-enrollment-user-write", user_creation_mode="always_create",
            user_type="internal", user_path_template="users",
        ),
        fake.add_stage("user_login", "default-enrollment-user-login"),
    )
    for order, stage in enumerate(stages):
        fake.bind(enrollment.slug, stage.pk, 10 * (order + 1))
    recovery_stages = (
        fake.add_stage(
            "prompt", "default-recovery-prompt",
            fields=[fields["password"].pk, fields["password_repeat"].pk],
        ),
        fake.add_stage(
            "user_write", "default-recovery-user-write", user_creation_mode="never_create"
        ),
        fake.add_stage("user_login", "default-recovery-user-login"),
    )
    for order, stage in enumerate(recovery_stages):
        fake.bind(recovery.slug, stage.pk, 10 * (order + 1))
    fake.default_brand.flow_authentication = fake.flows["default-authentication-flow"].pk
    fake.default_brand.flow_recovery = recovery.pk
