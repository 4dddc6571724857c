"""The fake Authentik's flows as a store: seeding stages, prompts, bindings and policies, and
reading them back as the executor and the serializers need them (mixed into AuthentikFake)."""

from __future__ import annotations

import threading
import uuid
from typing import Any

from tests.support import authentik_fake_install as installs
from tests.support.authentik_fake_executor import enroll
from tests.support.authentik_fake_flow_records import (
    FakeBinding,
    FakePolicy,
    FakePolicyBinding,
    FakePrompt,
    FakeStage,
    stage_json,
)
from tests.support.authentik_fake_records import FakeFlow, FakeUser


class FlowStore:
    """What AuthentikFake keeps about flows (the dicts and the lock are the fake's own)."""

    flows: dict[str, FakeFlow]
    stages: dict[str, FakeStage]
    prompts: dict[str, FakePrompt]
    bindings: dict[str, FakeBinding]
    policies: dict[str, FakePolicy]
    policy_bindings: dict[str, FakePolicyBinding]
    _lock: threading.RLock

    def add_flow(
        self,
        slug: str,
        designation: str,
        *,
        name: str | None = None,
        title: str | None = None,
        authentication: str = "none",
    ) -> FakeFlow:
        with self._lock:
            name = name or slug.replace("-", " ").title()
            flow = FakeFlow(
                pk=str(uuid.uuid4()),
                slug=slug,
                name=name,
                title=title or name,
                designation=designation,
                authentication=authentication,
            )
            self.flows[slug] = flow
            return flow

    def remove_flow(self, slug: str) -> None:
        with self._lock:
            flow = self.flows.pop(slug)
            for binding in self.bindings_of(flow.pk):
                del self.bindings[binding.pk]

    # -- people using the flows (what the flow executor does) ---------------------------------

    def enroll(
        self, flow_slug: str, *, itoken: str | None, answers: dict[str, Any]
    ) -> FakeUser:
        """Sign up through `flow_slug` with invite link token `itoken`, answering the prompts
        with `answers`; the new user, or FlowDenied as the executor would show it."""
        with self._lock:
            return enroll(self, flow_slug, itoken=itoken, answers=answers)

    def add_invitation_flow(self, slug: str) -> FakeFlow:
        """Another enrollment flow that takes invitations: its own invitation stage, then the
        configured install's prompt, user-write and user-login stages (when there)."""
        with self._lock:
            flow = self.add_flow(slug, "enrollment", authentication="require_unauthenticated")
            stages = [self.add_stage("invitation", f"{slug}-invitation")]
            stages += [s for s in self.stages.values() if s.name in installs.SHARED_STAGES]
            for order, stage in enumerate(stages):
                self.bind(slug, stage.pk, 10 * (order + 1))
            return flow

    def add_stage(self, kind: str, name: str, **settings: Any) -> FakeStage:
        with self._lock:
            stage = FakeStage(str(uuid.uuid4()), kind, name, dict(settings))
            self.stages[stage.pk] = stage
            return stage

    def add_prompt(self, name: str, **values: Any) -> FakePrompt:
        with self._lock:
            prompt = FakePrompt(str(uuid.uuid4()), name, **values)
            self.prompts[prompt.pk] = prompt
            return prompt

    def bind(self, flow_slug: str, stage_pk: str, order: int) -> FakeBinding:
        with self._lock:
            binding = FakeBinding(str(uuid.uuid4()), self.flows[flow_slug].pk, stage_pk, order)
            self.bindings[binding.pk] = binding
            return binding

    def add_policy(self, name: str, expression: str) -> FakePolicy:
        with self._lock:
            policy = FakePolicy(str(uuid.uuid4()), name, expression)
            self.policies[policy.pk] = policy
            return policy

    def bind_policy(self, policy_pk: str, target: str, order: int = 0) -> FakePolicyBinding:
        with self._lock:
            binding = FakePolicyBinding(str(uuid.uuid4()), policy_pk, target, order)
            self.policy_bindings[binding.pk] = binding
            return binding

    def bindings_of(self, flow_pk: str) -> list[FakeBinding]:
        """The stages bound to a flow, in the order the executor runs them."""
        return sorted((b for b in self.bindings.values() if b.target == flow_pk),
                      key=lambda b: b.order)

    def stages_of(self, flow_slug: str) -> list[FakeStage]:
        return [self.stages[b.stage] for b in self.bindings_of(self.flows[flow_slug].pk)]

    def bound_count(self, policy_pk: str) -> int:
        return sum(1 for b in self.policy_bindings.values() if b.policy == policy_pk)

    def stage_json(self, stage: FakeStage, *, base_only: bool = False) -> dict[str, Any]:
        flow_pks = {b.target for b in self.bindings.values() if b.stage == stage.pk}
        flows = [f for f in self.flows.values() if f.pk in flow_pks]
        return stage_json(stage, flows, base_only=base_only)

    def stage_base_json(self, stage_pk: str) -> dict[str, Any]:
        return self.stage_json(self.stages[stage_pk], base_only=True)
