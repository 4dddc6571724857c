"""Which enrollment flow invite links use, and the links themselves.

An invite link is `{AUTHENTIK_PUBLIC_URL}/if/flow/{flow slug}/?itoken={invitation pk}`; a guessed
path such as `/if/flow/enrollment/<id>/` gives 404. The flow is the one AUTHENTIK_ENROLLMENT_FLOW
names (checked against Authentik) or, when that is unset, the only enrollment flow that has an
invitation stage. An enrollment flow WITHOUT one does not take invitations: a fresh Authentik's
only enrollment flow, `default-source-enrollment`, is made for SSO sign-ups (a policy admits only
those), and the flow executor answers its invite links with "Flow does not apply to current
user." So such a flow is refused here, before any invitation is made.

The invitation pk *is* the link's secret: whoever has it can enroll. Records (audit log, server
log) name an invitation by `invite_ref(pk)` instead.
"""

from __future__ import annotations

import hashlib
from typing import Protocol

from app.utils.authentik.errors import AuthentikConfigError, AuthentikNotFound
from app.utils.authentik.flow_models import Stage, StageKind
from app.utils.authentik.models import Flow

ENROLLMENT_FLOW_VARIABLE = "AUTHENTIK_ENROLLMENT_FLOW"
SETUP_HINT = (
    "The dashboard can create a working one: Authentik setup page, 'Create the flows for me' "
    "(or see the README, 'Authentik set-up')."
)


class FlowSource(Protocol):
    def get_flow(self, slug: str) -> Flow: ...

    def list_flows(
        self, *, designation: str | None = None, slug: str | None = None
    ) -> list[Flow]: ...

    def stages(self, kind: StageKind, *, name: str | None = None) -> list[Stage]: ...


def invite_ref(invitation_pk: str) -> str:
    """A short, non-reversible reference to an invitation: 12 hex digits of SHA-256 of its pk.

    Safe to store and show; the Invite links page can show it beside each invitation for matching.
    """
    return hashlib.sha256(invitation_pk.encode()).hexdigest()[:12]


def invite_link(public_base_url: str, flow_slug: str, invitation_pk: str) -> str:
    """The link a person opens to enroll: `{base}/if/flow/{slug}/?itoken={pk}`."""
    return f"{public_base_url.rstrip('/')}/if/flow/{flow_slug}/?itoken={invitation_pk}"


def invitation_flows(source: FlowSource) -> list[Flow]:
    """Enrollment flows that have an invitation stage, by slug (one request)."""
    found: dict[str, Flow] = {}
    for stage in source.stages(StageKind.INVITATION):
        for ref in stage.flows:
            if ref.designation == "enrollment":
                found[ref.slug] = Flow(ref.pk, ref.slug, ref.name, ref.title, ref.designation)
    return [found[slug] for slug in sorted(found)]


def resolve_enrollment_flow(source: FlowSource, configured_slug: str | None) -> Flow:
    """The configured flow if it is an enrollment flow with an invitation stage, else the only
    enrollment flow with one; or a config error saying what to change."""
    if configured_slug:
        return _configured(source, configured_slug)
    flows = invitation_flows(source)
    if len(flows) == 1:
        return flows[0]
    slugs = [flow.slug for flow in flows]
    if not flows:
        others = [f.slug for f in source.list_flows(designation="enrollment")]
        which = (
            f" ({', '.join(others)} {'has' if len(others) == 1 else 'have'} none: "
            "an invite link to it would be refused with 'Flow does not apply to current user')"
            if others
            else ""
        )
        message = (
            f"Authentik has no enrollment flow with an invitation stage{which}. {SETUP_HINT} "
            f"Then leave {ENROLLMENT_FLOW_VARIABLE} unset or set it to that flow's slug."
        )
    else:
        message = (
            f"Authentik has {len(flows)} enrollment flows with an invitation stage: set "
            f"{ENROLLMENT_FLOW_VARIABLE} to one of: {', '.join(slugs)}."
        )
    raise AuthentikConfigError(ENROLLMENT_FLOW_VARIABLE, message, choices=slugs)


def _configured(source: FlowSource, slug: str) -> Flow:
    try:
        flow: Flow | None = source.get_flow(slug)
    except AuthentikNotFound:
        flow = None
    if flow is not None and flow.designation == "enrollment":
        if any(flow.slug == f.slug for f in invitation_flows(source)):
            return flow
        raise AuthentikConfigError(
            ENROLLMENT_FLOW_VARIABLE,
            f"{ENROLLMENT_FLOW_VARIABLE} is {slug!r}, but that flow has no invitation stage, so "
            "Authentik would refuse its invite links ('Flow does not apply to current user'). "
            "In Authentik, bind an Invitation stage (continue flow without invitation: off) as "
            f"its first stage. {SETUP_HINT}",
            choices=[f.slug for f in invitation_flows(source)],
        )
    slugs = [f.slug for f in source.list_flows(designation="enrollment")]
    problem = (
        "Authentik has no flow with that slug"
        if flow is None
        else f"that is a {flow.designation} flow, not an enrollment flow"
    )
    hint = (
        f"set it to one of: {', '.join(slugs)}"
        if slugs
        else "create an enrollment flow in Authentik first"
    )
    raise AuthentikConfigError(
        ENROLLMENT_FLOW_VARIABLE,
        f"{ENROLLMENT_FLOW_VARIABLE} is {slug!r}, but {problem}; {hint}.",
        choices=slugs,
    )
