"""Onboard a member in one step: Authentik account, Matrix account, rooms, graduation, welcome.

The journey runs on the durable engine (app.services.journey_runner): a double click, a second
tab or a second replica joins the same journey; a crash or restart resumes it. The Authentik lane
and the Matrix lane run at the same time; the welcome DM goes to the background queue, so the
admin waits only for the account, the invites and graduation; so does the welcome email, when
the member has an address and SMTP is configured (app.services.emails). The credential is made
here, in the admin's own request, once the account exists, and shown only to that admin: no
password or recovery link is ever stored, in the engine's tables or anywhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from app.services import connections, emails, journey_runner, journeys, protected
from app.services import onboarding_steps as steps
from app.services.journey_runner import Plan, Started, done, failed, finished, record
from app.services.journeys import JourneyView
from app.services.rooms import scopes
from app.services.users import CreatedUser, Credential, CredentialNotSet, display_name
from app.services.users import set_credential as make_credential
from app.utils.authentik import validation as check
from app.utils.config import get_settings
from app.utils.enums import AuditAction, JourneyKind, StepStatus
from app.utils.errors import InputError, NotConfigured
from app.utils.matrix import ids as matrix_ids

KIND = JourneyKind.ONBOARDING
PLAN = journey_runner.register(
    Plan(
        kind=KIND,
        steps=steps.STEP_NAMES,
        titles=steps.TITLES,
        lanes=steps.lanes(),
        follow_up=steps.follow_up,
        outside=(steps.CREDENTIAL,),
    )
)
# What the admin waits for on the page (the welcome DM follows in the background).
ADMIN_STEPS = (steps.AUTHENTIK, steps.MATRIX, steps.ROOMS, steps.GRADUATION)
ADMIN_WAIT_SECONDS = 30.0


@dataclass(frozen=True)
class OnboardingRequest:
    """What the admin entered. Either `existing_user_pk` (link an account found by search)
    or the fields of a new Authentik account."""

    first_name: str = ""
    last_name: str = ""
    username: str = ""
    email: str = ""
    groups: tuple[str, ...] = ()
    invited_by: str = ""
    interests: str = ""
    intro: str = ""
    organisation: str = ""
    credential: str = Credential.PASSWORD.value
    existing_user_pk: int | None = None
    existing_username: str = ""
    matrix_user_id: str = ""
    room_ids: tuple[str, ...] = ()
    skip_graduation: bool = False


@dataclass(frozen=True)
class OnboardingResult:
    journey: JourneyView
    # The one-time password or recovery link, for this admin's screen only; never stored.
    credential: CreatedUser | None = field(default=None, repr=False)
    joined: bool = False  # this submission joined a journey already under way
    note: str = ""  # why no credential is shown, when one was expected

    @property
    def password(self) -> str | None:
        return self.credential.password if self.credential else None

    @property
    def recovery_link(self) -> str | None:
        return self.credential.recovery_link if self.credential else None


def check_request(request: OnboardingRequest) -> OnboardingRequest:
    """Every field checked before any request is sent; returns the cleaned request."""
    settings = get_settings()
    if settings.authentik_missing:
        raise NotConfigured("Authentik", settings.authentik_missing)
    cleaned: dict[str, Any] = {}
    if request.existing_user_pk is None:
        display_name(request.first_name, request.last_name)
        cleaned["username"] = check.username(request.username)
        cleaned["email"] = check.email(request.email) or ""
        cleaned["groups"] = tuple(check.authentik_id(g, "groups") for g in request.groups)
        try:
            Credential(request.credential)
        except ValueError:
            raise InputError("credential", "choose a password or a recovery link") from None
    matrix = request.matrix_user_id.strip()
    if matrix:
        if settings.matrix_missing:
            raise NotConfigured("Matrix", settings.matrix_missing)
        cleaned["matrix_user_id"] = matrix_ids.user_id(matrix)
        if cleaned["matrix_user_id"] == settings.matrix_bot_user_id:
            raise InputError("Matrix user ID", f"{matrix} is the dashboard's own bot")
    if request.room_ids:
        if not matrix:
            raise InputError("Matrix user ID", "link a Matrix account to invite them to rooms")
        cleaned["room_ids"] = tuple(matrix_ids.room_list(request.room_ids))
    return OnboardingRequest(**{**asdict(request), **cleaned})


def begin(*, actor: str, request: OnboardingRequest, submission_id: str) -> Started:
    """Check the input, then find or start the journey of this submission (or the one already
    running for this member). Returns at once: `follow` waits for the admin's part."""
    request = check_request(request)
    scopes.check(actor=actor, room_ids=request.room_ids, action=AuditAction.ROOMS_INVITE,
                 member=request.matrix_user_id)
    if request.existing_user_pk is not None:  # a protected account is nobody to onboard
        linked = connections.authentik().get_user(request.existing_user_pk)
        if why := protected.authentik_reason(linked):
            raise InputError("existing account", why)
    name = " ".join(p for p in (request.first_name.strip(), request.last_name.strip()) if p)
    member = request.matrix_user_id or request.username or f"pk:{request.existing_user_pk}"
    started = journey_runner.start(
        kind=KIND,
        submission_id=submission_id,
        actor=actor,
        dedupe_key=f"{KIND}:{member}",
        params=asdict(request),
        member_name=name or request.existing_username,
        authentik_username=request.username or request.existing_username,
        authentik_pk=request.existing_user_pk,
        matrix_user_id=request.matrix_user_id,
    )
    emails.queue_welcome(started.journey)  # when they have an address; once per journey
    return started


def start(
    *,
    actor: str,
    request: OnboardingRequest,
    submission_id: str,
    report: Callable[[JourneyView], object] | None = None,
) -> OnboardingResult:
    """`begin`, then `follow`: the whole admin's wait in one call (CLI, tests, benchmarks)."""
    started = begin(actor=actor, request=request, submission_id=submission_id)
    result = follow(actor=actor, journey_id=started.journey.id, report=report)
    return replace(result, joined=not started.created)


def retry(
    *, actor: str, journey_id: int, report: Callable[[JourneyView], object] | None = None
) -> OnboardingResult:
    """Run again only what is not done; a credential never shown is made now, for this admin."""
    if journeys.get(journey_id).kind != KIND:
        raise InputError("Onboarding", f"record {journey_id} is not an onboarding")
    journey_runner.retry(actor=actor, journey_id=journey_id)
    emails.queue_welcome(journeys.get(journey_id))  # if none went out (no account before)
    return follow(actor=actor, journey_id=journey_id, report=report)


def follow(
    *, actor: str, journey_id: int, report: Callable[[JourneyView], object] | None = None
) -> OnboardingResult:
    """Wait for the account, make its credential for `actor` (if still to be made), then wait
    for the rest of the admin's part. The journey goes on by itself after the wait."""
    journey = journey_runner.wait(journey_id, until=finished(steps.AUTHENTIK),
                                  timeout=ADMIN_WAIT_SECONDS, report=report)
    credential, note = issue_credential(actor, journey)
    journey = journey_runner.wait(journey_id, until=finished(*ADMIN_STEPS),
                                  timeout=ADMIN_WAIT_SECONDS, report=report)
    return OnboardingResult(journey, credential, note=note)


def issue_credential(actor: str, journey: JourneyView) -> tuple[CreatedUser | None, str]:
    """Make the account's password or recovery link for `actor`'s eyes, once: of two admins
    (two tabs, two replicas) following the same journey, one gets it."""
    account, step = journey.step(steps.AUTHENTIK), journey.step(steps.CREDENTIAL)
    if account.status != StepStatus.DONE or not account.result.get("created"):
        return None, ""
    if step.status == StepStatus.DONE:
        return None, "The credential was shown when the account was created; it is not kept."
    if not journeys.claim_step(journey.id, steps.CREDENTIAL):
        return None, "The credential is being shown to another admin who runs this onboarding."
    method = Credential(journey.params["credential"])
    user = CreatedUser(
        pk=int(account.result["pk"]), username=str(account.result["username"]),
        name=journey.member_name, email=None, groups=(), credential=method,
    )
    try:
        made = make_credential(actor=actor, user=user)
    except CredentialNotSet as err:
        record(journey.id, steps.CREDENTIAL, failed(str(err)))
        journey_runner.settle_outside(journey.id)
        return None, str(err)
    what = "a password" if method is Credential.PASSWORD else "a recovery link"
    record(journey.id, steps.CREDENTIAL, done(f"{what}, shown once to {actor}"))
    journey_runner.settle_outside(journey.id)
    return made, ""


def awaiting(actor: str) -> JourneyView | None:
    """`actor`'s newest onboarding whose admin part has not finished: a page reloaded in the
    middle picks it up again (and makes the credential if that is still to do)."""
    for journey in journeys.search(kind=KIND, actor=actor, limit=5):
        if journey.active and not finished(*ADMIN_STEPS, steps.CREDENTIAL)(journey):
            return journey
    return None


def recent(limit: int = 20) -> list[JourneyView]:
    return journeys.recent(KIND, limit=limit)


def rooms_chosen(journey: JourneyView) -> Sequence[str]:
    return tuple(journey.params.get("room_ids") or ())
