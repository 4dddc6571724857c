"""Authentik's flows through its API: flows, stage bindings, stages, prompts, the policies bound
to a flow, the brand and the system settings.

What the setup check reads and what the flow set-up ("Create the flows for me") writes. A part
of `AuthentikClient` (a base class it inherits), kept apart so that the client's file stays
about users, groups and invitations.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from app.utils.authentik import validation as check
from app.utils.authentik.enrollment import ENROLLMENT_FLOW_VARIABLE, resolve_enrollment_flow
from app.utils.authentik.errors import AuthentikTokenRejected
from app.utils.authentik.flow_models import (
    Brand,
    CurrentBrand,
    FlowBinding,
    PageSizeCap,
    PolicyBinding,
    Prompt,
    Stage,
    StageKind,
    SystemSettings,
)
from app.utils.authentik.models import Flow
from app.utils.authentik.transport import MAX_PAGE_SIZE, AuthentikHTTP

logger = logging.getLogger(__name__)

LIST_PAGE = 100  # Authentik's default cap (pagination_max_page_size): ask for no more


class FlowCalls:
    """Flows, stages, prompts, the brand and settings; mixed into AuthentikClient."""

    _api: AuthentikHTTP

    # -- flows --------------------------------------------------------------------------------

    def list_flows(self, *, designation: str | None = None, slug: str | None = None) -> list[Flow]:
        params = {"designation": designation, "slug": slug, "ordering": "slug",
                  "page_size": LIST_PAGE}
        pages = self._api.pages("/flows/instances/", params, Flow.from_api)
        return [flow for page in pages for flow in page.items]

    def get_flow(self, slug: str) -> Flow:
        path = f"/flows/instances/{check.flow_slug(slug, ENROLLMENT_FLOW_VARIABLE)}/"
        return Flow.from_api(self._api.json("GET", path))

    def enrollment_flow(self, configured_slug: str | None = None) -> Flow:
        """The flow invite links go to: the configured one (checked), else the only
        enrollment flow with an invitation stage.

        AuthentikConfigError (naming AUTHENTIK_ENROLLMENT_FLOW, with `choices`) otherwise.
        """
        return resolve_enrollment_flow(self, configured_slug)

    def create_flow(
        self, *, slug: str, name: str, title: str, designation: str, authentication: str
    ) -> Flow:
        body = {
            "slug": check.flow_slug(slug, "slug"),
            "name": name,
            "title": title,
            "designation": designation,
            "authentication": authentication,
        }
        flow = Flow.from_api(self._api.json("POST", "/flows/instances/", json=body))
        logger.info("Authentik: created flow %s", flow.slug)
        return flow

    def update_flow(self, slug: str, changes: Mapping[str, Any]) -> Flow:
        path = f"/flows/instances/{check.flow_slug(slug, 'slug')}/"
        flow = Flow.from_api(self._api.json("PATCH", path, json=dict(changes)))
        logger.info("Authentik: updated flow %s (%s)", slug, ", ".join(sorted(changes)))
        return flow

    # -- stage bindings and policies ----------------------------------------------------------

    def flow_bindings(self, flow_pk: str) -> list[FlowBinding]:
        """The stages bound to a flow, in the order the flow runs them."""
        params = {"target": check.authentik_id(flow_pk, "flow"), "ordering": "order",
                  "page_size": LIST_PAGE}
        pages = self._api.pages("/flows/bindings/", params, FlowBinding.from_api)
        return sorted((b for page in pages for b in page.items), key=lambda b: b.order)

    def bind_stage(self, *, flow_pk: str, stage_pk: str, order: int) -> FlowBinding:
        body = {
            "target": check.authentik_id(flow_pk, "flow"),
            "stage": check.authentik_id(stage_pk, "stage"),
            "order": int(order),
        }
        binding = FlowBinding.from_api(self._api.json("POST", "/flows/bindings/", json=body))
        logger.info("Authentik: bound stage %s to flow %s at %d", stage_pk, flow_pk, order)
        return binding

    def move_binding(self, binding_pk: str, order: int) -> FlowBinding:
        path = f"/flows/bindings/{check.authentik_id(binding_pk, 'binding')}/"
        return FlowBinding.from_api(self._api.json("PATCH", path, json={"order": int(order)}))

    def flow_policies(self, flow_pk: str) -> list[PolicyBinding]:
        """What is bound to the flow itself: it applies to a person only if these pass."""
        params = {"target": check.authentik_id(flow_pk, "flow"), "page_size": LIST_PAGE}
        pages = self._api.pages("/policies/bindings/", params, PolicyBinding.from_api)
        return [b for page in pages for b in page.items]

    def policy_expression(self, policy_pk: str) -> str:
        path = f"/policies/expression/{check.authentik_id(policy_pk, 'policy')}/"
        return str(self._api.json("GET", path).get("expression") or "")

    # -- stages and prompts -------------------------------------------------------------------

    def stages(self, kind: StageKind, *, name: str | None = None) -> list[Stage]:
        """Stages of one kind (all pages), each with the flows it is bound to."""
        params = {"name": name, "page_size": LIST_PAGE}
        pages = self._api.pages(kind.path, params, Stage.from_api)
        return [stage for page in pages for stage in page.items]

    def stage(self, kind: StageKind, pk: str) -> Stage | None:
        params = {"stage_uuid": check.authentik_id(pk, "stage")}
        found = self._api.page(kind.path, params, Stage.from_api).items
        return found[0] if found else None

    def create_stage(self, kind: StageKind, *, name: str, settings: Mapping[str, Any]) -> Stage:
        body = {"name": name, **settings}
        stage = Stage.from_api(self._api.json("POST", kind.path, json=body))
        logger.info("Authentik: created %s %s", kind.label, name)
        return stage

    def update_stage(self, kind: StageKind, pk: str, settings: Mapping[str, Any]) -> Stage:
        path = f"{kind.path}{check.authentik_id(pk, 'stage')}/"
        stage = Stage.from_api(self._api.json("PATCH", path, json=dict(settings)))
        logger.info("Authentik: updated %s %s (%s)", kind.label, pk, ", ".join(sorted(settings)))
        return stage

    def prompts(self, *, name: str | None = None) -> list[Prompt]:
        params = {"name": name, "page_size": LIST_PAGE}
        pages = self._api.pages("/stages/prompt/prompts/", params, Prompt.from_api)
        return [prompt for page in pages for prompt in page.items]

    def create_prompt(self, *, name: str, settings: Mapping[str, Any]) -> Prompt:
        body = {"name": name, **settings}
        prompt = Prompt.from_api(self._api.json("POST", "/stages/prompt/prompts/", json=body))
        logger.info("Authentik: created prompt %s", name)
        return prompt

    def update_prompt(self, pk: str, settings: Mapping[str, Any]) -> Prompt:
        path = f"/stages/prompt/prompts/{check.authentik_id(pk, 'prompt')}/"
        return Prompt.from_api(self._api.json("PATCH", path, json=dict(settings)))

    # -- the brand and the system settings ----------------------------------------------------

    def current_brand(self) -> CurrentBrand:
        """The brand Authentik applies to this client's requests (its recovery flow is the one
        recovery links use)."""
        return CurrentBrand.from_api(self._api.json("GET", "/core/brands/current/"))

    def brands(self, *, domain: str | None = None) -> list[Brand]:
        params = {"domain": domain, "page_size": LIST_PAGE}
        pages = self._api.pages("/core/brands/", params, Brand.from_api)
        return [brand for page in pages for brand in page.items]

    def set_recovery_flow(self, brand_uuid: str, flow_pk: str) -> Brand:
        path = f"/core/brands/{check.authentik_id(brand_uuid, 'brand')}/"
        body = {"flow_recovery": check.authentik_id(flow_pk, "flow")}
        brand = Brand.from_api(self._api.json("PATCH", path, json=body))
        logger.info("Authentik: brand %s recovery flow set to %s", brand.domain, flow_pk)
        return brand

    def system_settings(self) -> SystemSettings:
        return SystemSettings.from_api(self._api.json("GET", "/admin/settings/"))

    def page_size_cap(self) -> PageSizeCap:
        """Authentik's most rows per page: its setting when the token may read the system
        settings, else measured from one users page asked for at the client's maximum."""
        try:
            return PageSizeCap(self.system_settings().max_page_size, "settings")
        except AuthentikTokenRejected:
            pass  # not allowed to read the settings: measure
        params = {"page": 1, "page_size": MAX_PAGE_SIZE, "include_groups": False,
                  "ordering": "pk"}
        page = self._api.page("/core/users/", params, lambda item: item)
        served = page.end_index - page.start_index + 1 if page.items else 0
        if served < min(page.count, MAX_PAGE_SIZE):
            return PageSizeCap(served, "measured")
        return PageSizeCap(None, "unknown")
