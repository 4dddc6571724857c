"""Onboard a member in one step: Authentik account, Matrix account, rooms, graduation, welcome.

Every step's state lives in a journey record (app.services.journeys); a retry runs only the
steps that are not done, and inside a step only the parts not done yet (rooms already invited,
a graduation message already posted, an account already created). The Authentik lane and the
Matrix lane run at the same time; the welcome DM runs in the background, so the admin waits
only for the account and the invites.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import asdict, dataclass, field
from typing import Any

from app.services import background, journeys
from app.services import onboarding_steps as steps
from app.services.journey_runner import run_parallel, run_step
from app.services.journeys import JourneyView
from app.services.users import Credential, display_name
from app.utils.authentik import validation as check
from app.utils.config import get_settings
from app.utils.enums import JourneyKind, StepStatus
from app.utils.errors import InputError, NotConfigured
from app.utils.matrix import ids as matrix_ids

KIND = JourneyKind.ONBOARDING


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
    password: str | None = field(default=None, repr=False)  # shown once; never stored
    recovery_link: str | None = field(default=None, repr=False)
    welcome: Future[Any] | None = None  # the background welcome DM, if it was started


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
    if request.room_ids:
        if not matrix:
            raise InputError("Matrix user ID", "link a Matrix account to invite them to rooms")
        cleaned["room_ids"] = tuple(matrix_ids.room_list(request.room_ids))
    return OnboardingRequest(**{**asdict(request), **cleaned})


def start(*, actor: str, request: OnboardingRequest) -> OnboardingResult:
    """Check the input, record the journey, run it; returns before the welcome DM is sent."""
    request = check_request(request)
    name = " ".join(p for p in (request.first_name.strip(), request.last_name.strip()) if p)
    journey = journeys.create(
        kind=KIND,
        actor=actor,
        steps=steps.STEP_NAMES,
        member_name=name or request.existing_username,
        authentik_username=request.username or request.existing_username,
        authentik_pk=request.existing_user_pk,
        matrix_user_id=request.matrix_user_id,
        params=asdict(request),
    )
    return _run(actor, journey.id)


def retry(*, actor: str, journey_id: int) -> OnboardingResult:
    """Run again only what is not done (failed, pending, or left running by a dead process)."""
    journey = journeys.get(journey_id)
    if journey.kind != KIND:
        raise InputError("Onboarding", f"record {journey_id} is not an onboarding")
    return _run(actor, journey_id)


def _run(actor: str, journey_id: int) -> OnboardingResult:
    box = steps.SecretBox()
    run_parallel(journey_id, steps.lanes(actor, box), actor=actor)
    welcome: Future[Any] | None = None
    journey = journeys.get(journey_id)
    if journey.step(steps.WELCOME).retryable:
        if journey.step(steps.MATRIX).status == StepStatus.DONE:
            # The slow part, off the admin's wait.
            welcome = background.submit(run_step, journey_id, steps.welcome_step(), actor=actor)
        else:  # skipped or failed at once: nothing to wait for
            run_step(journey_id, steps.welcome_step(), actor=actor)
    return OnboardingResult(
        journey=journeys.get(journey_id),
        password=box.password,
        recovery_link=box.recovery_link,
        welcome=welcome,
    )


def recent(limit: int = 20) -> list[JourneyView]:
    return journeys.recent(KIND, limit=limit)


def rooms_chosen(journey: JourneyView) -> Sequence[str]:
    return tuple(journey.params.get("room_ids") or ())
