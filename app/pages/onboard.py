"""Onboard member (admin): Authentik account, Matrix account, rooms, graduation, welcome — one
screen, one button; every step recorded, failed steps retryable."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from app.auth.identity import Identity
from app.services import emails, journey_runner, onboarding, rooms, users
from app.services.journey_runner import finished
from app.services.onboarding import OnboardingRequest, OnboardingResult
from app.services.onboarding_steps import ROOMS, TITLES, WELCOME
from app.services.users import Credential, UserQuery
from app.ui import account_fields, email_view, journey_view
from app.ui.account_fields import WIDGET_OF, AccountKeys, errors_by_widget
from app.ui.feedback import show_error, show_unavailable
from app.ui.guard import action, require_page, ui_only
from app.ui.journey_view import new_submission_id
from app.ui.text import md
from app.utils.config import get_settings
from app.utils.enums import Role
from app.utils.errors import DashboardError, FieldErrors, InputError
from app.utils.state import SessionKey as K

KEYS = AccountKeys(
    K.ONBOARD_FIRST_NAME,
    K.ONBOARD_LAST_NAME,
    K.ONBOARD_USERNAME,
    K.ONBOARD_SUGGESTED,
    K.ONBOARD_EMAIL,
    K.ONBOARD_GROUPS,
    K.ONBOARD_INVITED_BY,
    K.ONBOARD_ORGANISATION,
    K.ONBOARD_INTERESTS,
    K.ONBOARD_INTRO,
    K.ONBOARD_CREDENTIAL,
    K.ONBOARD_ERRORS,
    K.ONBOARD_PROBLEM,
)
NEW, EXISTING = "new", "existing"
TYPED = ""  # the Matrix picker's "type an ID" choice


def _request(actor: str) -> OnboardingRequest:
    state = st.session_state
    linking = state.get(K.ONBOARD_MODE) == EXISTING
    existing = state.get(K.ONBOARD_EXISTING)
    matrix = state.get(K.ONBOARD_MATRIX_PICK) or state.get(K.ONBOARD_MATRIX_TYPED, "")
    if linking:
        if existing is None:
            raise InputError("existing account", "search for the account and pick it")
        account = {"existing_user_pk": existing[0], "existing_username": existing[1]}
    else:
        entered = account_fields.entered(KEYS)
        entered["interests"] = state.get(KEYS.interests, "")
        entered["credential"] = str(entered["credential"])
        entered["groups"] = tuple(entered["groups"])
        account = entered
    return OnboardingRequest(
        **account,
        matrix_user_id=matrix.strip(),
        room_ids=tuple(_chosen_rooms(actor)),
        skip_graduation=bool(state.get(K.ONBOARD_SKIP_GRADUATION)),
    )


def _chosen_rooms(actor: str) -> list[str]:
    state = st.session_state
    chosen = list(state.get(K.ONBOARD_RECOMMENDED, [])) + list(state.get(K.ONBOARD_HAND, []))
    for category in state.get(K.ONBOARD_CATEGORIES, []):
        chosen += [r.room_id for r in rooms.listed_rooms(actor=actor, category=category)]
    return list(dict.fromkeys(chosen))


@action(Role.ADMIN)
def _submit(identity: Identity) -> None:
    """Start (or join) the journey; the page then follows it with progress. Submitting the
    same form again (a double click) changes nothing: it is one submission, one journey."""
    state = st.session_state
    for key in (K.ONBOARD_ERRORS, K.ONBOARD_PROBLEM):
        state.pop(key, None)
    try:
        request = _request(identity.username)
        submitted = repr(request)
        if state.get(K.ONBOARD_FOLLOW) and state.get(K.ONBOARD_SUBMITTED) == submitted:
            return  # the same submission again: it is under way or shown already
        if state.get(K.ONBOARD_SUBMITTED) not in (None, submitted):
            state[K.ONBOARD_SUBMISSION] = new_submission_id()  # another form: a new journey
        started = onboarding.begin(
            actor=identity.username, request=request, submission_id=state[K.ONBOARD_SUBMISSION]
        )
    except InputError as err:
        if err.field in WIDGET_OF:  # an account field: the message goes under it
            state[K.ONBOARD_ERRORS] = errors_by_widget({err.field: [err.message]})
        else:  # Matrix ID, rooms, existing account: under that section
            state[K.ONBOARD_PROBLEM] = err
        return
    except FieldErrors as err:
        state[K.ONBOARD_ERRORS] = errors_by_widget(err.errors)
        return
    except DashboardError as err:
        state[K.ONBOARD_PROBLEM] = err
        return
    state.pop(K.ONBOARD_RESULT, None)
    state[K.ONBOARD_FOLLOW] = started.journey.id
    state[K.ONBOARD_SUBMITTED] = submitted
    state[K.ONBOARD_JOINED] = not started.created


@action(Role.ADMIN)
def _retry(identity: Identity, journey_id: int) -> None:
    try:
        journey_runner.retry(actor=identity.username, journey_id=journey_id)
    except DashboardError as err:
        st.session_state[K.ONBOARD_PROBLEM] = err
        return
    st.session_state.pop(K.ONBOARD_RESULT, None)
    st.session_state[K.ONBOARD_FOLLOW] = journey_id
    st.session_state[K.ONBOARD_JOINED] = False


@ui_only
def _dismiss() -> None:
    """Done with this one: the next Onboard is a new submission, on a clear form."""
    state = st.session_state
    for key in (K.ONBOARD_RESULT, K.ONBOARD_FOLLOW, K.ONBOARD_SUBMITTED, K.ONBOARD_JOINED):
        state.pop(key, None)
    state[K.ONBOARD_SUBMISSION] = new_submission_id()
    account_fields.clear(KEYS)


def _resume(identity: Identity) -> None:
    """After a reload: keep showing the onboarding this admin left in the middle."""
    state = st.session_state
    if K.ONBOARD_FOLLOW not in state and (journey := onboarding.awaiting(identity.username)):
        state[K.ONBOARD_FOLLOW] = journey.id
        state[K.ONBOARD_SUBMITTED] = ""


def _follow(identity: Identity) -> None:
    """Wait for the followed journey's admin part, with progress from the engine's state."""
    state = st.session_state
    journey_id = state.get(K.ONBOARD_FOLLOW)
    if journey_id is None or K.ONBOARD_RESULT in state:
        return
    with st.status("Onboarding…", expanded=True) as status:
        show = journey_view.live_progress("Starting…", onboarding.ADMIN_STEPS, TITLES)
        result = onboarding.follow(actor=identity.username, journey_id=journey_id,
                                   report=show)
        still = not finished(*onboarding.ADMIN_STEPS)(result.journey)
        status.update(
            label="Still running in the background: see Journeys" if still else "Onboarded",
            state="running" if still else "complete", expanded=False,
        )
    state[K.ONBOARD_RESULT] = replace(result, joined=bool(state.get(K.ONBOARD_JOINED)))


def _show_result(result: OnboardingResult) -> None:
    journey = result.journey
    with st.container(border=True):
        who = journey.member_name or journey.member
        st.markdown(f"**Onboarding #{journey.id}: {md(who)}** · {journey_view.badge(journey)}")
        if result.joined:
            st.info(
                f"This member's onboarding was already under way (started by "
                f"{md(journey.actor)} at {journey.created_at:%H:%M} UTC): this is it, not a "
                "second one.", icon=":material/merge:",
            )
        journey_view.step_table(journey, TITLES)
        names = {
            r.room_id: r.label for r in rooms.rooms_by_id(onboarding.rooms_chosen(journey)).values()
        }
        journey_view.room_results(journey, ROOMS, names)
        if not journey.step(WELCOME).finished and journey.matrix_user_id:
            st.caption(
                "The welcome message goes out in the background (a short hello, then the "
                "welcome text); its result appears under Recent onboardings and Journeys."
            )
        email_view.welcome_email(emails.for_journey(journey.id))
        if result.note:
            st.caption(md(result.note))
        account_fields.show_credential(
            username=journey.authentik_username,
            name=journey.member_name,
            password=result.password,
            recovery_link=result.recovery_link,
            dismiss=_dismiss,
            key="onboard_dismiss",
        )


def _account_section(groups: list[users.GroupChoice]) -> None:
    st.subheader("1. Authentik account")
    mode = st.radio(
        "Account",
        [NEW, EXISTING],
        key=K.ONBOARD_MODE,
        horizontal=True,
        format_func={NEW: "Create a new account", EXISTING: "Link an existing one"}.get,
        label_visibility="collapsed",
    )
    if mode == NEW:
        account_fields.fields(
            KEYS,
            groups,
            on_interests=_recommend,
            interests_help="Separated by commas; also used to recommend rooms below",
        )
        return
    search = st.text_input(
        "Find the account", key=K.ONBOARD_SEARCH, placeholder="username, name or email"
    )
    matches = (
        users.page(query=UserQuery(search=search), page_size=20).rows
        if search.strip()
        else ()
    )
    options = {
        (u.pk, u.username): f"{u.username} — {u.name} ({u.email or 'no email'})" for u in matches
    }
    st.selectbox(
        "Account",
        list(options),
        key=K.ONBOARD_EXISTING,
        format_func=options.__getitem__,
        index=None,
        placeholder="Type above, then pick" if not options else "Pick one",
    )
    _section_problem("existing account")
    st.text_input(
        "Interests",
        key=KEYS.interests,
        on_change=_recommend,
        help="Separated by commas; used to recommend rooms below",
    )


def _matrix_section(problem: DashboardError | None) -> None:
    st.subheader("2. Matrix account")
    if problem is not None:
        show_unavailable(problem, meanwhile="Until then, onboarding skips the Matrix steps "
                         "(account, rooms, welcome message).")
        return
    try:
        members = rooms.welcome_room_members()
    except DashboardError:
        members = []
    options = {m.user_id: f"{m.display_name or m.user_id} ({m.user_id})" for m in members}
    st.selectbox(
        "From the welcome room (as of the last room sync)",
        [TYPED, *options],
        key=K.ONBOARD_MATRIX_PICK,
        format_func=lambda v: options.get(v, "— type an ID below —"),
    )
    if not st.session_state.get(K.ONBOARD_MATRIX_PICK):
        st.text_input("Matrix user ID", key=K.ONBOARD_MATRIX_TYPED, placeholder="@name:example.org")
    _section_problem("Matrix user ID")


def _section_problem(field: str) -> None:
    """The error about `field`, right under its section."""
    problem = st.session_state.get(K.ONBOARD_PROBLEM)
    if isinstance(problem, InputError) and problem.field == field:
        st.error(f"**{md(problem.field)}**: {md(problem.message)}", icon=":material/error:")


@action(Role.ADMIN)
def _recommend(identity: Identity) -> None:
    """New interests: preselect the rooms they suggest (an explainable ranking)."""
    interests = st.session_state.get(KEYS.interests, "")
    found = (rooms.recommend_rooms(interests, actor=identity.username, limit=10)
             if interests.strip() else [])
    st.session_state[K.ONBOARD_RECOMMENDATIONS] = found
    st.session_state[K.ONBOARD_RECOMMENDED] = [r.room.room_id for r in found]


def _rooms_section(actor: str) -> None:
    st.subheader("3. Rooms")
    recommended: list[rooms.Recommendation] = st.session_state.get(K.ONBOARD_RECOMMENDATIONS, [])
    labels = {r.room_id: r.label for r in rooms.listed_rooms(actor=actor)}
    labels.update({r.room.room_id: r.room.label for r in recommended})
    if recommended:
        st.caption(
            "Recommended from the interests: "
            + "; ".join(f"**{md(r.room.label)}** ({md(', '.join(r.reasons))})" for r in recommended)
        )
    elif not labels:
        st.caption("No rooms yet: sync them on the Rooms page.")
    st.multiselect(
        "Recommended rooms",
        list(labels),
        key=K.ONBOARD_RECOMMENDED,
        format_func=labels.__getitem__,
        placeholder="Enter interests above",
    )
    st.multiselect(
        "All rooms of these categories",
        [c.name for c in rooms.categories(actor=actor)],
        key=K.ONBOARD_CATEGORIES,
    )
    st.multiselect("More rooms", list(labels), key=K.ONBOARD_HAND, format_func=labels.__getitem__)
    st.caption(f"{len(_chosen_rooms(actor))} room(s) chosen.")
    _section_problem("Rooms")


def _welcome_section() -> None:
    settings = get_settings()
    st.subheader("4. Welcome room and message")
    if not settings.auto_remove_from_indoc:
        st.caption("AUTO_REMOVE_FROM_INDOC is off: members stay in the welcome room.")
    elif not settings.matrix_welcome_room_id:
        st.caption("MATRIX_WELCOME_ROOM_ID is not set: there is no welcome room to leave.")
    st.checkbox("Keep them in the welcome room this time", key=K.ONBOARD_SKIP_GRADUATION)
    st.caption(
        f"A direct message follows: a short hello, then after "
        f"{settings.welcome_dm_delay_seconds:g} s the welcome text (see Templates)."
    )


def render() -> None:
    identity = require_page(__file__)
    st.title("Onboard member")
    st.session_state.setdefault(KEYS.credential, Credential.PASSWORD)
    st.session_state.setdefault(K.ONBOARD_SUBMISSION, new_submission_id())
    _resume(identity)
    _follow(identity)
    if result := st.session_state.get(K.ONBOARD_RESULT):
        _show_result(result)
    problem = st.session_state.get(K.ONBOARD_PROBLEM)
    if problem is not None and not isinstance(problem, InputError):
        show_error(problem)
    groups = account_fields.authentik_groups()
    if groups is None:
        return
    _account_section(groups)
    matrix_problem = rooms.matrix_problem()
    _matrix_section(matrix_problem)
    if matrix_problem is None:
        _rooms_section(identity.username)
        _welcome_section()
    st.button(
        "Onboard",
        type="primary",
        on_click=_submit,
        icon=":material/person_add:",
    )
    journey_view.recent_list(
        "Recent onboardings",
        onboarding.recent(),
        TITLES,
        key_prefix="onboard",
        retry=_retry,
    )


if __name__ == "__main__":
    render()
