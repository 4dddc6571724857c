"""The Authentik setup check: is Authentik set up the way the dashboard needs it?

Read-only. It looks at what a real Authentik does that its API schema does not say, and says
for each finding what to change in Authentik:
- the API token's account: a dedicated service account, or a person's account (deactivating
  the token's owner kills the token at once: every call then answers 403 "Token
  invalid/expired"); a superuser or not, and what the API tells of its permissions;
- the enrollment flow invite links use: an invitation stage (continue without invitation off),
  a prompt, a user-write and a user-login stage, in order, and no SSO-only policy;
- a recovery flow on the brand the dashboard's calls get (else recovery links fail with
  "No recovery flow set.");
- the page size cap (System > Settings), and the host links are shown on.

Shown on Home, by `python -m app check-authentik` (exit 0 ok, 1 problems found, 2 Authentik
not configured, unreachable or refusing the token) and on the Authentik setup page.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from app.services import connections
from app.services.authentik_setup import blueprint
from app.services.authentik_setup.flow_shape import enrollment_shape, recovery_shape
from app.utils.authentik import (
    ENROLLMENT_FLOW_VARIABLE,
    AuthentikClient,
    AuthentikConfigError,
    AuthentikError,
    AuthentikNotFound,
    AuthentikPermissionDenied,
    AuthentikTokenRejected,
    AuthentikUnreachable,
    TokenOwner,
)
from app.utils.authentik.enrollment import SETUP_HINT
from app.utils.config import Settings, get_settings
from app.utils.errors import DashboardError, NotConfigured

logger = logging.getLogger(__name__)


class Level(StrEnum):
    OK = "ok"
    WARNING = "warning"
    PROBLEM = "problem"


@dataclass(frozen=True)
class Finding:
    topic: str  # what was checked, in a few words
    level: Level
    summary: str
    fix: str = ""  # what to change in Authentik (empty when nothing)


@dataclass(frozen=True)
class SetupReport:
    findings: tuple[Finding, ...] = ()
    owner: TokenOwner | None = None
    fatal: str = ""  # nothing could be checked: not configured, unreachable, token refused
    enrollment_flow: str | None = None  # the slug invite links use, when it works
    recovery_flow: str | None = None  # the brand's recovery flow slug, when it works

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.level is Level.PROBLEM]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level is Level.WARNING]

    @property
    def exit_code(self) -> int:
        """0 all good (warnings allowed), 1 problems found, 2 nothing could be checked."""
        return 2 if self.fatal else 1 if self.problems else 0


ENROLLMENT_FIX = (
    "Use 'Create the flows for me' (Authentik setup page), or in Authentik: Flows and Stages > "
    "Flows > Create (designation Enrollment), then bind, in this order: an Invitation stage "
    "('Continue flow without invitation' off), a Prompt stage with fields username, name, email, "
    "password, password_repeat, a User Write stage ('Always create'), a User Login stage. "
    f"Leave {ENROLLMENT_FLOW_VARIABLE} unset if it is the only enrollment flow with an "
    "invitation stage, else set it to the flow's slug."
)
RECOVERY_FIX = (
    "Use 'Create the flows for me' (Authentik setup page), or in Authentik: create a flow "
    "(designation Recovery) with a Prompt stage (password, password_repeat), a User Write "
    "stage and a User Login stage, then set it as the Recovery flow of the brand (System > "
    "Brands > edit > Default flows)."
)
OWNER_FIX = (
    "Create a dedicated service account (Directory > Users > Create Service Account), give it "
    "the permissions the dashboard needs (a role, or the superuser group), create an API token "
    "for it (Directory > Tokens and App passwords, intent API) and set AUTHENTIK_TOKEN to it."
)


def run() -> SetupReport:
    """Check everything; findings in a fixed order. Never raises a DashboardError."""
    settings = get_settings()
    try:
        client = connections.authentik()
        owner = client.check_token()
    except NotConfigured as err:
        return SetupReport(fatal=f"{err}.")
    except (AuthentikUnreachable, AuthentikTokenRejected) as err:
        return SetupReport(fatal=str(err))
    except DashboardError as err:
        return SetupReport(fatal=str(err))
    findings = [_token(client, owner), _permissions(client, owner)]
    enrollment, flow_slug = _guarded("Invite links", lambda: _enrollment(client, settings))
    recovery, recovery_slug = _guarded("Recovery links", lambda: _recovery(client))
    findings += [*enrollment, *recovery]
    findings += _guarded("Page size", lambda: ([_page_size(client)], None))[0]
    findings.append(_links(settings))
    return SetupReport(tuple(findings), owner, "", flow_slug, recovery_slug)


Part = tuple[list[Finding], str | None]


def _guarded(topic: str, check: Callable[[], Part]) -> Part:
    """A part that fails for a reason of its own (say, no permission) is a finding, not a stop."""
    try:
        return check()
    except AuthentikPermissionDenied as err:
        return [Finding(topic, Level.PROBLEM, f"Could not check: {err}")], None
    except AuthentikError as err:
        logger.warning("setup check of %s failed: %s", topic, err)
        return [Finding(topic, Level.PROBLEM, f"Could not check: {err}")], None


def _token(client: AuthentikClient, owner: TokenOwner) -> Finding:
    topic = "API token's account"
    if owner.is_service_account:
        return Finding(
            topic,
            Level.OK,
            f"The API token belongs to '{owner.username}', a service account: a dedicated "
            "account no person logs in with.",
        )
    facts = [f"type {owner.type}"]
    if owner.is_superuser:
        facts.append("superuser")
    try:
        last = client.get_user(owner.pk).last_login
    except AuthentikError:
        last = None
    if last is not None:
        facts.append(f"last login {last:%Y-%m-%d %H:%M} UTC")
    return Finding(
        topic,
        Level.WARNING,
        f"The API token belongs to '{owner.username}' ({', '.join(facts)}), an account people "
        "log in with, not a dedicated one. Deactivating or deleting the token's owner kills "
        "the token at once (every call then gets 403 'Token invalid/expired'), and Authentik "
        "records it as the creator of every invitation.",
        OWNER_FIX,
    )


_PROBES = (
    ("view users", "authentik_core.view_user"),
    ("view groups", "authentik_core.view_group"),
    ("view invitations", "authentik_stages_invitation.view_invitation"),
    ("view flows", "authentik_flows.view_flow"),
)


def _permissions(client: AuthentikClient, owner: TokenOwner) -> Finding:
    topic = "Permissions"
    if owner.is_superuser:
        return Finding(
            topic,
            Level.OK,
            f"'{owner.username}' is a superuser: Authentik allows it everything the dashboard "
            "does (and more; a role with only the permissions below is the narrower choice).",
        )
    probes: dict[str, Callable[[], object]] = {
        "view users": lambda: client.list_users(page_size=1, include_groups=False),
        "view groups": lambda: client.list_groups(page_size=1),
        "view invitations": lambda: client.list_invitations(page_size=1),
        "view flows": lambda: client.list_flows(designation="enrollment"),
    }
    refused = []
    for what, permission in _PROBES:
        try:
            probes[what]()
        except AuthentikPermissionDenied:
            refused.append(f"{what} ({permission})")
    granted = ", ".join(owner.system_permissions) or "none reported"
    if refused:
        return Finding(
            topic,
            Level.PROBLEM,
            f"'{owner.username}' may not {'; '.join(refused)}. System permissions: {granted}.",
            "Give the account a role (Directory > Roles) with the view, add, change and delete "
            "permissions on users, groups and invitations, and view on flows and stages (or "
            "put it in the superuser group).",
        )
    return Finding(
        topic,
        Level.OK,
        f"'{owner.username}' may read users, groups, invitations and flows. Whether it may "
        f"also change them shows only when it tries. System permissions: {granted}.",
    )


def _enrollment(client: AuthentikClient, settings: Settings) -> Part:
    topic = "Invite links"
    try:
        flow = client.enrollment_flow(settings.authentik_enrollment_flow)
    except AuthentikConfigError as err:
        return _no_invitation_flow(client, settings, str(err)), None
    shape = enrollment_shape(client, flow)
    findings = [Finding(topic, Level.PROBLEM, p, SETUP_HINT) for p in shape.problems]
    findings += [Finding(topic, Level.WARNING, w) for w in shape.warnings]
    if shape.ok:
        findings.insert(
            0,
            Finding(
                topic,
                Level.OK,
                f"Invite links use flow '{flow.slug}': {', '.join(shape.stages)}.",
            ),
        )
    return findings, flow.slug if shape.ok else None


def _no_invitation_flow(client: AuthentikClient, settings: Settings, reason: str) -> list[Finding]:
    """Why no flow takes invitations: each enrollment flow's own problems, then the fix."""
    topic = "Invite links"
    findings = [Finding(topic, Level.PROBLEM, reason, ENROLLMENT_FIX)]
    if settings.authentik_enrollment_flow:
        return findings
    for flow in client.list_flows(designation="enrollment"):
        shape = enrollment_shape(client, flow)
        if shape.problems:
            findings.append(Finding(topic, Level.PROBLEM, " ".join(shape.problems)))
    return findings


def _recovery(client: AuthentikClient) -> Part:
    topic = "Recovery links"
    brand = client.current_brand()
    if brand.recovery_flow_slug is None:
        return [
            Finding(
                topic,
                Level.PROBLEM,
                f"Brand '{brand.domain}' has no recovery flow: recovery links (Create user, "
                "Onboard member, Users directory > Reset) fail with 'No recovery flow set.'",
                RECOVERY_FIX,
            )
        ], None
    try:
        flow = client.get_flow(brand.recovery_flow_slug)
    except AuthentikNotFound:
        return [
            Finding(topic, Level.PROBLEM, f"Brand '{brand.domain}' names a recovery flow "
                    f"'{brand.recovery_flow_slug}' that cannot be read.", RECOVERY_FIX)
        ], None
    shape = recovery_shape(client, flow)
    if not shape.ok:
        return [Finding(topic, Level.PROBLEM, p, RECOVERY_FIX) for p in shape.problems], None
    mine = " (made by the dashboard)" if flow.slug == blueprint.RECOVERY_SLUG else ""
    return [
        Finding(
            topic,
            Level.OK,
            f"Brand '{brand.domain}' has recovery flow '{flow.slug}'{mine}: "
            f"{', '.join(shape.stages)}.",
        )
    ], flow.slug


def _page_size(client: AuthentikClient) -> Finding:
    cap = client.page_size_cap()
    if cap.size is None:
        return Finding(
            "Page size", Level.OK, "Authentik has fewer users than any page size cap: every "
            "page size works (System > Settings > Pagination caps it, 100 by default)."
        )
    source = (
        "System > Settings > Pagination max page size"
        if cap.source == "settings"
        else "measured; System > Settings > Pagination max page size"
    )
    return Finding(
        "Page size",
        Level.OK,
        f"Authentik serves at most {cap.size} rows per page ({source}); the Users directory "
        "offers only sizes up to that, and exports follow every page.",
    )


def _links(settings: Settings) -> Finding:
    public = str(settings.authentik_public_url or "").rstrip("/")
    if public:
        return Finding(
            "Link host", Level.OK, f"Invite and recovery links are shown on {public}."
        )
    api = str(settings.authentik_url or "").rstrip("/")
    host = urlsplit(api).hostname or ""
    if _internal(host):
        return Finding(
            "Link host",
            Level.WARNING,
            f"AUTHENTIK_PUBLIC_URL is not set: invite and recovery links use {api}, which "
            "people outside this machine or network cannot open.",
            "Set AUTHENTIK_PUBLIC_URL to the address people reach Authentik at.",
        )
    return Finding("Link host", Level.OK, f"Invite and recovery links are shown on {api}.")


def _internal(host: str) -> bool:
    if host in ("localhost", "") or "." not in host:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_private or address.is_loopback
