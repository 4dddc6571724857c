"""What Authentik's flow executor does when a person opens an invite link and signs up.

    user = fake.enroll("default-enrollment-flow", itoken=invite.pk,
                       answers={"username": "ada", "password": "...", ...})

The link `/if/flow/<slug>/?itoken=<invitation pk>` runs the flow's plan; this replays it
with the stages the fake knows, following Authentik's own code (2025.12-2026.5):

- planning (FlowPlanner): the policies bound to the flow must pass, else the executor shows
  `ak-stage-access-denied` "Flow does not apply to current user." The fresh install's
  `return ak_is_sso_flow` is false for anyone who did not come through an SSO source.
- invitation stage: the invitation must exist, be unexpired and belong to this flow (or to no
  flow), else "Invalid invite/invite not found" unless `continue_flow_without_invitation`.
  Its `fixed_data` is merged into the prompt data the later stages read.
- prompt stage: the person answers the stage's fields (pre-filled from that data); required
  fields, matching password/password_repeat and a free username are checked.
- user-write stage (`UserWriteStageView.update_user`): for each key of the prompt data, a
  setter (`password`), a field the user has (`username`, `name`, `email`, ...), `attributes`
  (merged), or a key starting `attributes.` / `attributes_`, written by `write_attribute`,
  which first REPLACES EVERY `_` WITH `.` and then nests: `attributes.intended_groups` lands as
  `{"intended": {"groups": ...}}`. Any other key is dropped ("discarding key", kept here in
  `fake.discarded_keys`): `intended_groups` is lost, and `groups` is refused outright. A
  single-use invitation is deleted once used.
- user-login stage: the new user is logged in (`last_login` set).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tests.support.authentik_fake_records import FakeFlow, FakeUser, now

if TYPE_CHECKING:
    from tests.support.authentik_fake import AuthentikFake

ACCESS_DENIED = "ak-stage-access-denied"
_USER_FIELDS = frozenset({"username", "name", "email", "path", "type", "is_active"})
_REFUSED_KEYS = frozenset({"groups"})  # UserWriteStageView.disallowed_user_attributes


class FlowDenied(Exception):
    """The executor showed an error stage instead of going on."""

    def __init__(self, component: str, message: str) -> None:
        super().__init__(f"{component}: {message}")
        self.component = component
        self.message = message


def _policy_passes(expression: str) -> bool:
    text = " ".join(expression.split())
    known = {"return ak_is_sso_flow": False, "return True": True, "return False": False}
    if text not in known:
        raise NotImplementedError(f"the fake cannot evaluate policy expression {expression!r}")
    return known[text]


def write_attribute(attributes: dict[str, Any], key: str, value: Any) -> None:
    """Authentik's `UserWriteStageView.write_attribute`: `_` becomes `.`, then nest."""
    parts = key.replace("_", ".").split(".")
    if parts[0] == "attributes":
        parts = parts[1:]
    node = attributes
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def _merge(into: dict[str, Any], extra: Mapping[str, Any]) -> None:
    """deepmerge's always_merger, as the invitation stage merges fixed_data."""
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


class _Run:
    def __init__(self, fake: AuthentikFake, flow: FakeFlow, itoken: str | None) -> None:
        self.fake, self.flow, self.itoken = fake, flow, itoken
        self.prompt: dict[str, Any] = {}
        self.invitation: str | None = None
        self.user: FakeUser | None = None

    def invitation_stage(self, settings: Mapping[str, Any]) -> None:
        invitation = self.fake.invitations.get(self.itoken or "")
        usable = (
            invitation is not None
            and (invitation.expires is None or invitation.expires > datetime.now(UTC))
            and invitation.flow in (None, self.flow.pk)
        )
        if not usable or invitation is None:
            if settings.get("continue_flow_without_invitation"):
                return
            raise FlowDenied(ACCESS_DENIED, "Invalid invite/invite not found")
        self.invitation = invitation.pk
        _merge(self.prompt, invitation.fixed_data)

    def prompt_stage(self, settings: Mapping[str, Any], answers: Mapping[str, Any]) -> None:
        fields = [self.fake.prompts[pk] for pk in settings.get("fields", [])]
        given: dict[str, Any] = {}
        for field in fields:
            value = answers.get(field.field_key, self.prompt.get(field.field_key))
            if field.required and value in (None, ""):
                raise FlowDenied("ak-stage-prompt", f"{field.field_key}: This field is required.")
            if field.type == "username" and any(
                u.username == value for u in self.fake.users.values()
            ):
                raise FlowDenied("ak-stage-prompt", "username: Username is already taken.")
            if value is not None:
                given[field.field_key] = value
        if "password_repeat" in given and given.get("password") != given["password_repeat"]:
            raise FlowDenied("ak-stage-prompt", "Passwords don't match.")
        self.prompt.update(given)

    def user_write_stage(self, settings: Mapping[str, Any]) -> None:
        mode = settings.get("user_creation_mode", "create_when_required")
        if mode == "never_create" and self.user is None:
            raise FlowDenied(ACCESS_DENIED, "No user found and can't create new user.")
        values: dict[str, Any] = {"attributes": {}}
        password: str | None = None
        for key, value in self.prompt.items():
            if key == "password":
                password = value
            elif key in _REFUSED_KEYS:
                self.fake.discarded_keys.append(key)
            elif key == "attributes" and isinstance(value, Mapping):
                values["attributes"].update(value)
            elif key.startswith(("attributes.", "attributes_")):
                write_attribute(values["attributes"], key, value)
            elif key in _USER_FIELDS:
                values[key] = value
            else:
                self.fake.discarded_keys.append(key)
        if not values.get("username"):
            raise FlowDenied(ACCESS_DENIED, "Aborting write to empty username")
        attributes = values.pop("attributes")
        user = self.fake.add_user(
            values.pop("username"),
            name=values.pop("name", ""),
            email=values.pop("email", ""),
            path=values.pop("path", settings.get("user_path_template") or "users"),
            type=values.pop("type", settings.get("user_type", "external")),
            is_active=not settings.get("create_users_as_inactive", False),
            attributes=attributes,
        )
        if password is not None:
            user.password_sha256 = hashlib.sha256(password.encode()).hexdigest()
        if settings.get("create_users_group"):
            self.fake.set_member(settings["create_users_group"], user.pk, True)
        self.user = user
        invitation = self.fake.invitations.get(self.invitation or "")
        if invitation is not None and invitation.single_use:
            del self.fake.invitations[invitation.pk]

    def user_login_stage(self) -> None:
        if self.user is None or not self.user.is_active:
            raise FlowDenied(ACCESS_DENIED, "No Pending user to login.")
        self.user.last_login = now()


def enroll(
    fake: AuthentikFake, flow_slug: str, *, itoken: str | None, answers: Mapping[str, Any]
) -> FakeUser:
    """Run the enrollment flow `flow_slug` as a person who opened its invite link."""
    flow = fake.flows.get(flow_slug)
    if flow is None:
        raise FlowDenied("ak-stage-flow-error", "Flow not found.")
    policies = [b for b in fake.policy_bindings.values() if b.target == flow.pk and b.enabled]
    if policies and not any(_policy_passes(fake.policies[b.policy].expression) for b in policies):
        raise FlowDenied(ACCESS_DENIED, "Flow does not apply to current user.")
    run = _Run(fake, flow, itoken)
    for binding in fake.bindings_of(flow.pk):
        stage = fake.stages[binding.stage]
        if stage.kind == "invitation":
            run.invitation_stage(stage.settings)
        elif stage.kind == "prompt":
            run.prompt_stage(stage.settings, answers)
        elif stage.kind == "user_write":
            run.user_write_stage(stage.settings)
        elif stage.kind == "user_login":
            run.user_login_stage()
    if run.user is None:
        raise FlowDenied(ACCESS_DENIED, "The flow ended without creating a user.")
    return run.user
