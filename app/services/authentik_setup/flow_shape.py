"""Does a flow do what the dashboard needs? Its stages in order, their settings, its policies.

What works was verified against a real Authentik (flow executor, release 2025.12.4):
- an enrollment flow for invite links: an Invitation stage ("Continue flow without invitation"
  off), a Prompt stage asking at least for username and password, a User Write stage that
  creates the user, a User Login stage, in that order; and no policy on the flow that refuses
  invited people (a fresh install's `default-source-enrollment` carries `return ak_is_sso_flow`,
  which admits only sign-ups through an SSO source: its invite links end in "Flow does not
  apply to current user.");
- a recovery flow for recovery links: at least a Prompt stage for the new password and a User
  Write stage (the link's token already names the user).

Each problem is one sentence saying what is wrong and what to change in Authentik.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.utils.authentik import AuthentikClient, Flow, FlowBinding, PolicyBinding, StageKind

ENROLLMENT_ORDER = (
    StageKind.INVITATION,
    StageKind.PROMPT,
    StageKind.USER_WRITE,
    StageKind.USER_LOGIN,
)
NEEDED_FIELDS = ("username", "password")  # what the user-write stage needs from the prompt
SSO_ONLY = "ak_is_sso_flow"


@dataclass(frozen=True)
class Shape:
    """A flow's stages (in the order it runs them) and what is wrong with it for its use."""

    flow: Flow
    stages: tuple[str, ...]  # "name (kind)" in order, for messages
    problems: tuple[str, ...]
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def _where(flow: Flow) -> str:
    return f"Flows and Stages > Flows > {flow.slug} > Stage Bindings"


def _described(bindings: Sequence[FlowBinding]) -> tuple[str, ...]:
    return tuple(f"{b.stage.name} ({b.stage.kind.label})" for b in bindings)


def policy_problems(client: AuthentikClient, flow: Flow) -> tuple[list[str], list[str]]:
    """Problems and warnings from what is bound to the flow itself."""
    problems: list[str] = []
    warnings: list[str] = []
    bound: list[PolicyBinding] = [b for b in client.flow_policies(flow.pk) if b.enabled]
    for binding in bound:
        expression = (
            client.policy_expression(binding.policy_pk)
            if binding.is_expression and binding.policy_pk
            else ""
        )
        if SSO_ONLY in expression and not binding.negate:
            problems.append(
                f"Flow '{flow.slug}' admits only sign-ups through an SSO source: policy "
                f"'{binding.name}' ({' '.join(expression.split())}) is bound to it, so Authentik "
                "refuses its invite links ('Flow does not apply to current user'). Unbind it "
                f"(Flows and Stages > Flows > {flow.slug} > Policy / Group / User Bindings) or "
                "use another flow."
            )
        else:
            warnings.append(
                f"'{binding.name}' is bound to flow '{flow.slug}': the flow applies only to "
                "people it lets through; make sure it admits invited people."
            )
    return problems, warnings


def enrollment_shape(client: AuthentikClient, flow: Flow) -> Shape:
    """Can invite links to `flow` work: the right stages, in order, set right?"""
    bindings = client.flow_bindings(flow.pk)
    kinds = [b.stage.kind for b in bindings]
    problems: list[str] = []
    missing = [k for k in ENROLLMENT_ORDER if k not in kinds]
    for kind in missing:
        problems.append(
            f"Flow '{flow.slug}' has no {kind.label}: bind one ({_where(flow)}); the stages must "
            "run in this order: Invitation, Prompt, User Write, User Login."
        )
    present = [k for k in kinds if k in ENROLLMENT_ORDER]
    firsts = [present.index(k) for k in ENROLLMENT_ORDER if k in present]
    if firsts != sorted(firsts):
        order = ", ".join(k.label for k in dict.fromkeys(present))
        problems.append(
            f"Flow '{flow.slug}' runs its stages as {order}; they must run as Invitation, "
            f"Prompt, User Write, User Login: change the bindings' order ({_where(flow)})."
        )
    problems += _stage_settings(client, flow, bindings)
    policy, warnings = policy_problems(client, flow)
    return Shape(flow, _described(bindings), tuple(problems + policy), tuple(warnings))


def _stage_settings(
    client: AuthentikClient, flow: Flow, bindings: Sequence[FlowBinding]
) -> list[str]:
    problems: list[str] = []
    write_at = next(
        (i for i, b in enumerate(bindings) if b.stage.kind is StageKind.USER_WRITE), None
    )
    asked: set[str] = set()
    prompts = {p.pk: p.field_key for p in client.prompts()} if bindings else {}
    for index, binding in enumerate(bindings):
        kind, name = binding.stage.kind, binding.stage.name
        if kind in (StageKind.OTHER, StageKind.USER_LOGIN):
            continue
        stage = client.stage(kind, binding.stage.pk)
        settings = stage.settings if stage else {}
        if kind is StageKind.INVITATION and settings.get("continue_flow_without_invitation"):
            problems.append(
                f"Invitation stage '{name}' lets people continue without an invitation: anyone "
                "who finds the flow can sign up. Turn off 'Continue flow without invitation' "
                f"(Flows and Stages > Stages > {name})."
            )
        if kind is StageKind.PROMPT and (write_at is None or index < write_at):
            asked |= {prompts.get(pk, "") for pk in settings.get("fields", [])}
        if kind is StageKind.USER_WRITE and settings.get("user_creation_mode") == "never_create":
            problems.append(
                f"User Write stage '{name}' never creates users, so no account is made: set "
                "'User creation mode' to 'Always create' (Flows and Stages > Stages > "
                f"{name})."
            )
    lacking = [key for key in NEEDED_FIELDS if key not in asked]
    if write_at is not None and lacking:
        problems.append(
            f"No prompt before the User Write stage of flow '{flow.slug}' asks for "
            f"{' and '.join(lacking)}: add prompt fields with those field keys to its Prompt "
            "stage (Flows and Stages > Prompts, then the Prompt stage's fields)."
        )
    return problems


def recovery_shape(client: AuthentikClient, flow: Flow) -> Shape:
    """Can recovery links made for a user let them set a new password with `flow`?"""
    bindings = client.flow_bindings(flow.pk)
    kinds = {b.stage.kind for b in bindings}
    problems: list[str] = []
    if not bindings:
        problems.append(
            f"Recovery flow '{flow.slug}' has no stages, so its links lead nowhere: bind a "
            "Prompt stage (password, password_repeat), a User Write stage and a User Login "
            f"stage ({_where(flow)})."
        )
    elif not {StageKind.PROMPT, StageKind.USER_WRITE} <= kinds:
        problems.append(
            f"Recovery flow '{flow.slug}' has no "
            f"{'Prompt' if StageKind.PROMPT not in kinds else 'User Write'} stage: a recovery "
            "link would not let the person set a new password. Bind a Prompt stage (password, "
            f"password_repeat) and a User Write stage ({_where(flow)})."
        )
    return Shape(flow, _described(bindings), tuple(problems))
