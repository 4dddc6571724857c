"""Offboard member (admins and moderators): preview, then account, invitations and rooms in
one action, with a reason; every step recorded and retryable."""

from __future__ import annotations

import streamlit as st

from app.auth.identity import Identity
from app.services import journey_runner, offboarding
from app.services.journeys import JourneyView
from app.services.offboarding import OffboardingPreview, OffboardingRequest
from app.services.offboarding_steps import ROOMS, STEP_NAMES, TITLES
from app.ui import approval_view, journey_view, removal_preview
from app.ui.case_link import case_link, prefill
from app.ui.feedback import show_error
from app.ui.guard import action, require_page
from app.ui.journey_view import new_submission_id
from app.ui.removal_preview import ACTION_LABELS, CUSTOM_HELP, MESSAGES, PREEMPTIVE_LABEL
from app.ui.text import md
from app.utils.enums import Role
from app.utils.errors import DashboardError
from app.utils.state import SessionKey as K


def _clear(*keys: K) -> None:
    for key in keys:
        st.session_state.pop(key, None)


@action(Role.ADMIN, Role.MODERATOR)
def _preview(_identity: Identity) -> None:
    """A new preview: forget the last one; this run looks the member up, with progress."""
    state = st.session_state
    _clear(K.OFFBOARD_PREVIEW, K.OFFBOARD_RESULT, K.OFFBOARD_PROBLEM, K.OFFBOARD_FOLLOW)
    state[K.OFFBOARD_SUBMISSION] = new_submission_id()  # what follows is a new submission
    state[K.OFFBOARD_LOOKUP] = True


def _look_up(actor: str) -> None:
    """The preview asked for by `_preview`, with a progress bar while the rooms are read."""
    state = st.session_state
    if not state.pop(K.OFFBOARD_LOOKUP, False):
        return
    bar = st.progress(0.0, text="Looking up the account, invitations and rooms…")
    try:
        state[K.OFFBOARD_PREVIEW] = offboarding.preview(
            actor=actor,
            authentik_username=state.get(K.OFFBOARD_USERNAME, ""),
            matrix_user_id=state.get(K.OFFBOARD_MATRIX_ID, ""),
            on_progress=lambda p: bar.progress(p.fraction, text=p.text),
        )
    except DashboardError as err:
        state[K.OFFBOARD_PROBLEM] = err
    bar.empty()


def _request(preview: OffboardingPreview) -> OffboardingRequest:
    """What was typed and chosen; the preview only adds the rooms it found."""
    state = st.session_state
    rooms = tuple(r.room_id for r in preview.rooms.rooms) if preview.rooms else ()
    if preview.rooms and state.get(K.OFFBOARD_ACTION) == "ban" and state.get(
        K.OFFBOARD_PREEMPTIVE
    ):
        rooms += preview.rooms.elsewhere  # banned where they are not, before they come
    return OffboardingRequest(
        authentik_username=state.get(K.OFFBOARD_USERNAME, ""),
        matrix_user_id=state.get(K.OFFBOARD_MATRIX_ID, ""),
        reason=state.get(K.OFFBOARD_REASON, ""),
        action=state.get(K.OFFBOARD_ACTION, "kick"),
        message_key=state.get(K.OFFBOARD_MESSAGE, ""),
        custom_message=state.get(K.OFFBOARD_CUSTOM, ""),
        delete_account=bool(state.get(K.OFFBOARD_DELETE)),
        delete_confirmation=state.get(K.OFFBOARD_CONFIRM, ""),
        room_ids=rooms,
    )


@action(Role.ADMIN, Role.MODERATOR)
def _run(identity: Identity, preview: OffboardingPreview) -> None:
    """Start (or join) the journey of this preview's submission; the page follows it. Under
    the two-person rule, file the request for a second admin instead."""
    state = st.session_state
    if state.get(K.OFFBOARD_SUBMITTED) == state.get(K.OFFBOARD_SUBMISSION):
        return  # the same submission again (a double click): one journey
    _clear(K.OFFBOARD_PROBLEM)
    request = _request(preview)
    try:
        if offboarding.approval_rule(request):
            asked = offboarding.request_approval(
                actor=identity.username, request=request,
                submission_id=state[K.OFFBOARD_SUBMISSION])
            state[K.OFFBOARD_APPROVAL] = asked.id
        else:
            started = offboarding.begin(actor=identity.username, request=request,
                                        submission_id=state[K.OFFBOARD_SUBMISSION])
            state[K.OFFBOARD_FOLLOW] = started.journey.id
    except DashboardError as err:
        state[K.OFFBOARD_PROBLEM] = err
        return
    state[K.OFFBOARD_SUBMITTED] = state[K.OFFBOARD_SUBMISSION]
    _clear(K.OFFBOARD_RESULT, K.OFFBOARD_PREVIEW, K.OFFBOARD_REASON, K.OFFBOARD_CONFIRM,
           K.OFFBOARD_DELETE)


@action(Role.ADMIN, Role.MODERATOR)
def _retry(identity: Identity, journey_id: int) -> None:
    try:
        journey_runner.retry(actor=identity.username, journey_id=journey_id)
    except DashboardError as err:
        st.session_state[K.OFFBOARD_PROBLEM] = err
        return
    _clear(K.OFFBOARD_RESULT)
    st.session_state[K.OFFBOARD_FOLLOW] = journey_id


def _follow() -> None:
    """Wait for the followed journey, with progress from the engine's state."""
    state = st.session_state
    journey_id = state.get(K.OFFBOARD_FOLLOW)
    if journey_id is None or K.OFFBOARD_RESULT in state:
        return
    with st.status("Offboarding…", expanded=True) as status:
        show = journey_view.live_progress("Starting…", STEP_NAMES, TITLES)
        journey = offboarding.follow(journey_id, report=show)
        status.update(
            label="Still running in the background: see Journeys" if journey.active
            else "Offboarding finished",
            state="running" if journey.active else "complete", expanded=False,
        )
    state[K.OFFBOARD_RESULT] = journey


def _show_preview(preview: OffboardingPreview) -> None:
    typed = st.session_state
    case_link(username=typed.get(K.OFFBOARD_USERNAME, ""),
              matrix_user_id=typed.get(K.OFFBOARD_MATRIX_ID, ""))
    with st.container(border=True):
        st.markdown("**Authentik account**")
        if preview.authentik_user:
            user = preview.authentik_user
            state = "active" if user.is_active else "already deactivated"
            st.markdown(
                f"{md(user.username)} — {md(user.name)} ({md(user.email or 'no email')}), {state}"
            )
            if preview.invitations:
                st.markdown(
                    f"{len(preview.invitations)} open invitation(s) they created will be "
                    "revoked: " + ", ".join(md(i.name) for i in preview.invitations)
                )
            else:
                st.caption("No open invitations created by them.")
        elif preview.authentik_problem:
            st.warning(md(preview.authentik_problem), icon=":material/warning:")
        else:
            st.caption("No Authentik account given.")
    with st.container(border=True):
        st.markdown("**Matrix rooms**")
        if preview.rooms:
            removal_preview.show(preview.rooms)
        elif preview.matrix_problem:
            st.warning(md(preview.matrix_problem), icon=":material/warning:")
        else:
            st.caption("No Matrix account given.")


def _plan(identity: Identity, preview: OffboardingPreview) -> None:
    st.subheader("Offboard")
    if preview.protected:
        st.error(md(preview.protected), icon=":material/shield:")
        return
    st.text_input(
        "Reason",
        key=K.OFFBOARD_REASON,
        help="Required. Shown with the removal in each room and kept in the audit log.",
    )
    if preview.rooms and (preview.rooms.rooms or preview.rooms.elsewhere):
        action = st.radio(
            "In the rooms",
            list(ACTION_LABELS),
            key=K.OFFBOARD_ACTION,
            horizontal=True,
            format_func=ACTION_LABELS.__getitem__,
        )
        if action == "ban" and preview.rooms.elsewhere:
            st.checkbox(f"{PREEMPTIVE_LABEL} ({len(preview.rooms.elsewhere)})",
                        key=K.OFFBOARD_PREEMPTIVE)
        st.selectbox(
            "Message posted in each room first",
            list(MESSAGES),
            key=K.OFFBOARD_MESSAGE,
            format_func=MESSAGES.__getitem__,
        )
        st.text_area(
            "Custom text",
            key=K.OFFBOARD_CUSTOM,
            height=80,
            help=CUSTOM_HELP,
        )
    if (user := preview.authentik_user) and identity.is_admin:  # deleting is for admins
        delete = st.checkbox(
            f"Delete the Authentik account {md(user.username)} instead of "
            "deactivating it (cannot be undone)",
            key=K.OFFBOARD_DELETE,
        )
        if delete:
            st.text_input(f"Type {md(user.username)} to confirm the deletion",
                          key=K.OFFBOARD_CONFIRM)
    why = offboarding.approval_rule(_request(preview))
    approval_view.will_wait(why)
    st.button(
        "Ask a second admin" if why else "Offboard now",
        type="primary",
        on_click=_run,
        args=(preview,),
        icon=":material/person_off:",
    )


def _show_result(journey: JourneyView) -> None:
    with st.container(border=True):
        st.markdown(
            f"**Offboarding #{journey.id}: {md(journey.member)}** · {journey_view.badge(journey)}"
        )
        journey_view.step_table(journey, TITLES)
        journey_view.room_results(journey, ROOMS, {})


def render() -> None:
    identity = require_page(__file__)
    st.title("Offboard member")
    st.caption(
        "Deactivate their Authentik account, revoke the invitations they made, and "
        "remove them from every room — with a preview first."
    )
    _follow()
    approval_view.status_box(st.session_state.get(K.OFFBOARD_APPROVAL))
    if result := st.session_state.get(K.OFFBOARD_RESULT):
        _show_result(result)
    prefill(K.OFFBOARD_USERNAME, "member")  # from a link (case file, drift report)
    prefill(K.OFFBOARD_MATRIX_ID, "matrix")
    left, right = st.columns(2)
    left.text_input("Authentik username", key=K.OFFBOARD_USERNAME)
    right.text_input("Matrix user ID", key=K.OFFBOARD_MATRIX_ID, placeholder="@name:example.org")
    st.button("Preview", on_click=_preview, icon=":material/search:")
    _look_up(identity.username)
    if problem := st.session_state.get(K.OFFBOARD_PROBLEM):
        show_error(problem)
    if preview := st.session_state.get(K.OFFBOARD_PREVIEW):
        _show_preview(preview)
        _plan(identity, preview)
    journey_view.recent_list(
        "Recent offboardings",
        offboarding.recent(),
        TITLES,
        key_prefix="offboard",
        retry=_retry,
    )


if __name__ == "__main__":
    render()
