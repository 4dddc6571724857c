"""Which enrollment flow invite links use, and the links themselves.

An invite link is `{AUTHENTIK_PUBLIC_URL}/if/flow/{flow slug}/?itoken={invitation pk}`; a guessed
path such as `/if/flow/enrollment/<id>/` gives 404. The slug comes from AUTHENTIK_ENROLLMENT_FLOW
(checked against Authentik) or, when that is unset, from the only enrollment flow Authentik has.

The invitation pk *is* the link's secret: whoever has it can enroll. Records (audit log, server
log) name an invitation by `invite_ref(pk)` instead.
"""

from __future__ import annotations

import hashlib
from typing import Protocol

from app.utils.authentik.errors import AuthentikConfigError, AuthentikNotFound
from app.utils.authentik.models import Flow

ENROLLMENT_FLOW_VARIABLE = "AUTHENTIK_ENROLLMENT_FLOW"


class FlowSource(Protocol):
    def get_flow(self, slug: str) -> Flow: ...

    def list_flows(self, *, designation: str | None = None) -> list[Flow]: ...


def invite_ref(invitation_pk: str) -> str:
    """A short, non-reversible reference to an invitation: 12 hex digits of SHA-256 of its pk.

    Safe to store and show; the Invite links page can show it beside each invitation for matching.
    """
    return hashlib.sha256(invitation_pk.encode()).hexdigest()[:12]


def invite_link(public_base_url: str, flow_slug: str, invitation_pk: str) -> str:
    """The link a person opens to enroll: `{base}/if/flow/{slug}/?itoken={pk}`."""
    return f"{public_base_url.rstrip('/')}/if/flow/{flow_slug}/?itoken={invitation_pk}"


def resolve_enrollment_flow(source: FlowSource, configured_slug: str | None) -> Flow:
    """The configured flow if it is an enrollment flow, else the only one; or a config error."""
    if configured_slug:
        return _configured(source, configured_slug)
    flows = source.list_flows(designation="enrollment")
    if len(flows) == 1:
        return flows[0]
    slugs = [flow.slug for flow in flows]
    if not flows:
        message = (
            'Authentik has no enrollment flow: create one (designation "enrollment") '
            f"and set {ENROLLMENT_FLOW_VARIABLE} to its slug."
        )
    else:
        message = (
            f"Authentik has {len(flows)} enrollment flows: set {ENROLLMENT_FLOW_VARIABLE} "
            f"to one of: {', '.join(slugs)}."
        )
    raise AuthentikConfigError(ENROLLMENT_FLOW_VARIABLE, message, choices=slugs)


def _configured(source: FlowSource, slug: str) -> Flow:
    try:
        flow: Flow | None = source.get_flow(slug)
    except AuthentikNotFound:
        flow = None
    if flow is not None and flow.designation == "enrollment":
        return flow
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
