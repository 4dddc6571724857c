"""'Create the flows for me': the dashboard's own enrollment and recovery flows, through
Authentik's API, previewed first, idempotent, audited.

`plan()` reads Authentik and says what would be created or changed; `apply()` plans again,
refuses if that differs from the preview the admin saw, then does it, in one audited action.
Only what is needed is touched:
- the enrollment flow when invite links have no working flow (a fresh install: only the
  SSO-only `default-source-enrollment`); a working flow, the operator's own included, is left
  alone;
- the recovery flow when the brand has none (or an empty one, or the dashboard's own).
Every object is found by its unique name or slug before anything is created, and an existing
one is changed only where it differs from the blueprint: a second run changes nothing, and a
run that stopped half-way is finished by the next. Flows the dashboard did not make are never
changed; the brand's recovery flow is set only when it has none that works.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from app.db import audit_log
from app.services import connections
from app.services.authentik_setup import blueprint
from app.services.authentik_setup.blueprint import PROMPTS, FlowSpec, StageSpec, binding_order
from app.services.authentik_setup.flow_shape import enrollment_shape, recovery_shape
from app.utils.authentik import (
    ENROLLMENT_FLOW_VARIABLE,
    AuthentikClient,
    AuthentikConfigError,
    AuthentikError,
    AuthentikNotFound,
    Flow,
    Prompt,
)
from app.utils.authentik.enrollment import invitation_flows
from app.utils.config import get_settings
from app.utils.enums import AuditAction
from app.utils.errors import DashboardError

logger = logging.getLogger(__name__)


class Change(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    KEEP = "keep"


@dataclass(frozen=True)
class Step:
    """One object of the plan: what it is, its name, and what happens to it."""

    what: str  # prompt field, Invitation stage, flow, binding, brand, ...
    name: str
    change: Change
    detail: str = ""


@dataclass(frozen=True)
class SetupPlan:
    steps: tuple[Step, ...] = ()
    notes: tuple[str, ...] = ()  # what else to do (a setting), what is left alone and why

    @property
    def changes(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.change is not Change.KEEP)


class PlanChanged(DashboardError):
    """Authentik changed between the preview and the click: nothing was done."""


@dataclass
class _Run:
    """One pass over the blueprint: planning only, or acting (same code, same decisions)."""

    client: AuthentikClient
    act: bool
    steps: list[Step] = field(default_factory=list)
    prompts: dict[str, Prompt] | None = None
    seen: set[str] = field(default_factory=set)  # prompt fields already in the plan

    def step(self, what: str, name: str, change: Change, detail: str = "") -> None:
        self.steps.append(Step(what, name, change, detail))

    # -- prompts and stages ---------------------------------------------------------------------

    def prompt_pk(self, key: str) -> str | None:
        spec = PROMPTS[key]
        if self.prompts is None:
            self.prompts = {p.name: p for p in self.client.prompts()}
        found = self.prompts.get(spec.name)
        if spec.name in self.seen:  # shared by both flows: one step, the first time
            return found.pk if found else None
        self.seen.add(spec.name)
        wanted = spec.settings
        if found is None:
            self.step("prompt field", spec.name, Change.CREATE, f"{spec.field_key} ({spec.type})")
            if not self.act:
                return None
            found = self.client.create_prompt(name=spec.name, settings=wanted)
            self.prompts[spec.name] = found
            return found.pk
        current = {"field_key": found.field_key, "label": found.label, "type": found.type,
                   "required": found.required, "order": found.order}
        differs = {k: v for k, v in wanted.items() if k in current and current[k] != v}
        if differs:
            self.step("prompt field", spec.name, Change.UPDATE, _said(differs))
            if self.act:
                self.client.update_prompt(found.pk, differs)
        else:
            self.step("prompt field", spec.name, Change.KEEP)
        return found.pk

    def stage_pk(self, spec: StageSpec) -> str | None:
        wanted: dict[str, Any] = dict(spec.settings)
        if spec.fields:
            pks = [self.prompt_pk(key) for key in spec.fields]
            wanted["fields"] = pks if all(pks) else None  # None: prompts still to be created
        (found,) = self.client.stages(spec.kind, name=spec.name) or (None,)
        what = spec.kind.label
        if found is None:
            self.step(what, spec.name, Change.CREATE, _said(_shown(wanted)))
            if not self.act:
                return None
            return self.client.create_stage(spec.kind, name=spec.name, settings=wanted).pk
        differs = {k: v for k, v in wanted.items() if found.settings.get(k) != v}
        had = found.settings.get("fields")
        if "fields" in differs and had is not None and set(had) == set(wanted["fields"] or ()):
            differs.pop("fields")  # the same fields: their order is each prompt's own
        if differs:
            self.step(what, spec.name, Change.UPDATE, _said(_shown(differs)))
            if self.act:
                self.client.update_stage(spec.kind, found.pk, differs)
        else:
            self.step(what, spec.name, Change.KEEP)
        return found.pk

    # -- flows and bindings ---------------------------------------------------------------------

    def flow(self, spec: FlowSpec) -> Flow | None:
        stage_pks = [self.stage_pk(stage) for stage in spec.stages]
        (found,) = self.client.list_flows(slug=spec.slug) or (None,)
        if found is None:
            self.step("flow", spec.slug, Change.CREATE, f"{spec.designation}: {spec.title}")
            if self.act:
                found = self.client.create_flow(slug=spec.slug, **spec.settings)
        else:
            current = {"name": found.name, "title": found.title,
                       "designation": found.designation, "authentication": found.authentication}
            differs = {k: v for k, v in spec.settings.items() if current[k] != v}
            if differs:
                self.step("flow", spec.slug, Change.UPDATE, _said(differs))
                if self.act:
                    found = self.client.update_flow(spec.slug, differs)
            else:
                self.step("flow", spec.slug, Change.KEEP)
        bound = {b.stage.pk: b for b in self.client.flow_bindings(found.pk)} if found else {}
        for index, (stage, pk) in enumerate(zip(spec.stages, stage_pks, strict=True)):
            order = binding_order(index)
            name = f"{spec.slug}: {stage.name}"
            binding = bound.get(pk or "")
            if binding is None:
                self.step("stage binding", name, Change.CREATE, f"order {order}")
                if self.act and found is not None and pk is not None:
                    self.client.bind_stage(flow_pk=found.pk, stage_pk=pk, order=order)
            elif binding.order != order:
                self.step("stage binding", name, Change.UPDATE, f"order {binding.order} -> {order}")
                if self.act:
                    self.client.move_binding(binding.pk, order)
            else:
                self.step("stage binding", name, Change.KEEP, f"order {order}")
        return found

    def brand_recovery(self, flow: Flow | None, slug: str) -> None:
        brand = self.client.current_brand()
        (record,) = self.client.brands(domain=brand.domain) or (None,)
        if brand.recovery_flow_slug == slug:
            self.step("brand", brand.domain, Change.KEEP, f"recovery flow {slug}")
            return
        was = brand.recovery_flow_slug or "none"
        self.step("brand", brand.domain, Change.UPDATE, f"recovery flow: {was} -> {slug}")
        if self.act and flow is not None and record is not None:
            self.client.set_recovery_flow(record.uuid, flow.pk)


def _shown(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Settings as a person reads them: prompt pks are not worth showing."""
    return {k: ("(the prompt fields above)" if k == "fields" else v) for k, v in settings.items()}


def _said(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{key.replace('_', ' ')}: {value}" for key, value in values.items())


def _needs_enrollment(client: AuthentikClient, notes: list[str]) -> bool:
    configured = get_settings().authentik_enrollment_flow
    try:
        flow = client.enrollment_flow(configured)
    except AuthentikConfigError:
        flow = None
    if flow is not None and enrollment_shape(client, flow).ok:
        notes.append(f"Invite links already use a working flow, '{flow.slug}': left as it is.")
        return False
    mine = blueprint.ENROLLMENT_SLUG
    if configured and configured != mine:
        notes.append(
            f"{ENROLLMENT_FLOW_VARIABLE} is '{configured}': set it to '{mine}' (or unset it) "
            "for invite links to use the new flow."
        )
    elif not configured and any(f.slug != mine for f in invitation_flows(client)):
        notes.append(
            f"Another enrollment flow has an invitation stage: set {ENROLLMENT_FLOW_VARIABLE}="
            f"{mine} for invite links to use the new flow."
        )
    return True


def _needs_recovery(client: AuthentikClient, notes: list[str]) -> bool:
    slug = client.current_brand().recovery_flow_slug
    if slug is None or slug == blueprint.RECOVERY_SLUG:
        return True
    try:
        working = recovery_shape(client, client.get_flow(slug)).ok
    except AuthentikNotFound:
        working = False
    if working:
        notes.append(f"The brand's recovery flow '{slug}' works: left as it is.")
        return False
    notes.append(f"The brand's recovery flow '{slug}' does not work: it is replaced.")
    return True


def _pass(client: AuthentikClient, *, act: bool) -> SetupPlan:
    notes: list[str] = []
    run = _Run(client, act)
    if _needs_enrollment(client, notes):
        run.flow(blueprint.enrollment(get_settings().authentik_user_path))
    if _needs_recovery(client, notes):
        spec = blueprint.recovery()
        run.brand_recovery(run.flow(spec), spec.slug)
    return SetupPlan(tuple(run.steps), tuple(notes))


def plan() -> SetupPlan:
    """What 'Create the flows for me' would do now (reads only)."""
    return _pass(connections.authentik(), act=False)


def apply(*, actor: str, expected: SetupPlan | None = None) -> SetupPlan:
    """Do the plan, if it is still the one previewed (`expected`); audited as one action.

    Returns what was done (KEEP steps were left as they were)."""
    client = connections.authentik()
    current = _pass(client, act=False)
    if expected is not None and current.steps != expected.steps:
        raise PlanChanged(
            "Authentik changed since the preview, so nothing was done: look at the new plan "
            "and run it again."
        )
    if not current.changes:
        logger.info("Authentik flows: nothing to do")
        return current
    with audit_log.audited(
        actor=actor,
        action=AuditAction.SETUP_FLOWS,
        target=", ".join(sorted({s.name.split(":")[0] for s in current.changes if s.what in
                                 ("flow", "stage binding")})) or "brand",
        details={"planned": [f"{s.change} {s.what} {s.name}" for s in current.changes]},
        errors=AuthentikError,
    ) as entry:
        done = _pass(client, act=True)
        entry.details["done"] = [f"{s.change} {s.what} {s.name}" for s in done.changes]
    return done
