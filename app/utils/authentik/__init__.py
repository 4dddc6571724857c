"""Talking to Authentik: the client, its errors, the values it returns, and input checks.

What services use is here; the modules behind it are `client` (the REST calls), `transport`
(timeouts, retries, errors from statuses), `params` (request parameters), `models` (typed
results), `flows` and `flow_models` (flows, stages, prompts, the brand, the settings), `errors`,
`enrollment` (invite links and the flow they use), `links` (links on the public host) and
`validation`
(checks run before any request, imported as a module: `validation.username(...)`).
"""

from app.utils.authentik import validation
from app.utils.authentik.client import AuthentikClient
from app.utils.authentik.enrollment import ENROLLMENT_FLOW_VARIABLE, invite_link, invite_ref
from app.utils.authentik.errors import (
    AuthentikConfigError,
    AuthentikError,
    AuthentikNotFound,
    AuthentikPermissionDenied,
    AuthentikTokenRejected,
    AuthentikUnreachable,
    AuthentikValidationError,
)
from app.utils.authentik.flow_models import (
    Brand,
    CurrentBrand,
    FlowBinding,
    FlowRef,
    PageSizeCap,
    PolicyBinding,
    Prompt,
    Stage,
    StageKind,
    SystemSettings,
)
from app.utils.authentik.links import RECOVERY_LINK_LIFETIME, on_public_host
from app.utils.authentik.models import Flow, Group, Health, Invitation, Page, TokenOwner, User
from app.utils.authentik.params import UNSET, UserFilters, duration_string
from app.utils.authentik.transport import MAX_PAGE_SIZE

__all__ = [
    "ENROLLMENT_FLOW_VARIABLE",
    "MAX_PAGE_SIZE",
    "RECOVERY_LINK_LIFETIME",
    "UNSET",
    "AuthentikClient",
    "AuthentikConfigError",
    "AuthentikError",
    "AuthentikNotFound",
    "AuthentikPermissionDenied",
    "AuthentikTokenRejected",
    "AuthentikUnreachable",
    "AuthentikValidationError",
    "Brand",
    "CurrentBrand",
    "Flow",
    "FlowBinding",
    "FlowRef",
    "Group",
    "Health",
    "Invitation",
    "Page",
    "PageSizeCap",
    "PolicyBinding",
    "Prompt",
    "Stage",
    "StageKind",
    "SystemSettings",
    "TokenOwner",
    "User",
    "UserFilters",
    "duration_string",
    "invite_link",
    "invite_ref",
    "on_public_host",
    "validation",
]
