"""Remove from rooms: find where a member really is, review, kick or ban with a reason and an
optional message, see one result per room, retry the rooms that failed."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from app.auth.identity import Identity
from app.services import journey_runner, journeys, removal, room_journeys, rooms
from app.services.journeys import JourneyView
from app.services.offboarding_steps import ROOMS as REMOVAL_STEP
from app.services.offboarding_steps import TITLES as REMOVAL_TITLES
from app.services.outcomes import describe_outcome
from app.ui import approval_view, journey_view, removal_preview
from app.ui.case_link import case_link, prefill
from app.ui.feedback import show_error, show_unavailable
from app.ui.guard import require_page, ui_only
from app.ui.journey_view import new_submission_id
from app.ui.removal_preview import ACTION_LABELS, CUSTOM_HELP, MESSAGES, PREEMPTIVE_LABEL
from app.ui.text import md
from app.utils.enums import JourneyStatus
from app.utils.errors import DashboardError, InputError
from app.utils.matrix import RoomOutcome, Status
from app.utils.state import SessionKey

DONE_WORDS = {"kick": "removed", "ban": "banned"}


@dataclass(frozen=True)
class RemovalPlan:
    """What the moderator asked for, waiting for confirmation."""

    user_id: str
    display_name: str
    action: removal.Action
    room_ids: tuple[str, ...]
    reason: str
    message_key: str
    custom_message: str
    message_text: str
    submission_id: str  # minted with the plan: confirming it twice is one journey


@ui_only
def _clear(*keys: SessionKey) -> None:
    for key in keys:
        st.session_state.pop(key, None)


def _find(actor: str, user_id: str) -> None:
    _clear(SessionKey.REMOVE_ERROR, SessionKey.REMOVE_PREVIEW, SessionKey.REMOVE_PLAN,
           SessionKey.REMOVE_FOLLOW)
    bar = st.progress(0.0, text="Looking up the member's rooms…")
    try:
        preview = removal.preview_removal(
            user_id, actor=actor, on_progress=lambda p: bar.progress(p.fraction, text=p.text))
    except DashboardError as err:
        st.session_state[SessionKey.REMOVE_ERROR] = err
    else:
        st.session_state[SessionKey.REMOVE_PREVIEW] = preview
    bar.empty()


def _plan_form(preview: removal.RemovalPreview) -> None:
    labels = {r.room_id: r.name for r in preview.rooms}
    action = st.radio("Action", removal.ACTIONS, key=SessionKey.REMOVE_ACTION,
                      format_func=ACTION_LABELS.__getitem__, horizontal=True)
    with st.form("remove_review"):
        # Unkeyed: the default (rooms where the bot may do this) follows the action.
        chosen = st.multiselect("Rooms", list(labels), default=preview.room_ids(action),
                                format_func=labels.__getitem__)
        reason = st.text_input("Reason", key=SessionKey.REMOVE_REASON,
                               help="Recorded in the room and in the audit log.")
        key = st.selectbox("Message posted in each room first", list(MESSAGES),
                           key=SessionKey.REMOVE_MESSAGE, format_func=MESSAGES.__getitem__)
        custom = st.text_area("Custom text", key=SessionKey.REMOVE_CUSTOM,
                              help=CUSTOM_HELP)
        preemptive = action == "ban" and bool(preview.elsewhere) and st.checkbox(
            f"{PREEMPTIVE_LABEL} ({len(preview.elsewhere)})", key=SessionKey.REMOVE_PREEMPTIVE)
        if not st.form_submit_button("Review removal"):
            return
    if preemptive:
        chosen = [*chosen, *(r for r in preview.elsewhere if r not in chosen)]
    try:
        why = removal.clean_reason(reason)
        if not chosen:
            raise InputError("Rooms", "choose at least one room")
        text = removal.removal_message(
            user_id=preview.user_id, display_name=preview.display_name, reason=why,
            message_key=key, custom_message=custom).text if key else ""
    except DashboardError as err:
        show_error(err)
        return
    _clear(SessionKey.REMOVE_ERROR, SessionKey.REMOVE_FOLLOW)
    st.session_state[SessionKey.REMOVE_PLAN] = RemovalPlan(
        preview.user_id, preview.display_name, action, tuple(chosen), why, key, custom, text,
        new_submission_id())
    st.rerun()


def _confirm(actor: str, plan: RemovalPlan) -> None:
    verb = "Kick" if plan.action == "kick" else "Ban"
    text = (f"**{verb} {md(plan.user_id)}** from **{len(plan.room_ids)}** room(s), reason: "
            f"“{md(plan.reason)}”.")
    if plan.message_text:
        quoted = "\n".join(f"> {md(line)}" for line in plan.message_text.splitlines())
        text += f"\n\nFirst posted in each room:\n\n{quoted}"
    st.warning(text, icon=":material/gavel:")
    request = room_journeys.RemovalRequest(
        user_id=plan.user_id, room_ids=plan.room_ids, action=plan.action,
        reason=plan.reason, message_key=plan.message_key,
        custom_message=plan.custom_message, display_name=plan.display_name,
    )
    why = room_journeys.removal_approval_rule(request)
    approval_view.will_wait(why)
    left, right = st.columns([1, 4])
    confirmed = left.button("Ask a second admin" if why else f"Confirm {plan.action}",
                            type="primary", key=SessionKey.REMOVE_CONFIRM)
    right.button("Cancel", key=SessionKey.REMOVE_CANCEL, on_click=_clear,
                 args=(SessionKey.REMOVE_PLAN,))
    if not confirmed:
        return
    try:  # a second click is the same submission: the same journey, or the same request
        if why:
            asked = room_journeys.request_removal_approval(
                actor=actor, request=request, submission_id=plan.submission_id)
            st.session_state[SessionKey.REMOVE_APPROVAL] = asked.id
        else:
            started = room_journeys.begin_removal(actor=actor, request=request,
                                                  submission_id=plan.submission_id)
            st.session_state[SessionKey.REMOVE_FOLLOW] = started.journey.id
    except DashboardError as err:
        st.session_state[SessionKey.REMOVE_ERROR] = err
        st.rerun()
    _clear(SessionKey.REMOVE_PLAN, SessionKey.REMOVE_ERROR)
    st.rerun()


def _follow() -> JourneyView | None:
    """The removal journey this page shows: followed with progress until it ends (or the
    page's wait does; it goes on by itself, see Journeys)."""
    journey_id = st.session_state.get(SessionKey.REMOVE_FOLLOW)
    if journey_id is None:
        return None
    journey = journeys.get(journey_id)
    if journey.active:
        show = journey_view.live_progress("Starting…", (REMOVAL_STEP,), REMOVAL_TITLES)
        journey = room_journeys.follow(journey_id, report=show)
    return journey


def _results(identity: Identity, journey: JourneyView, labels: dict[str, str]) -> None:
    action = str(journey.params.get("action", "kick"))
    chosen = list(journey.params.get("room_ids") or ())
    rooms_done = journey.step(REMOVAL_STEP).result.get("rooms") or {}
    ok = sum(1 for r in rooms_done.values() if r.get("ok"))
    summary = (f"{md(journey.matrix_user_id)}: {DONE_WORDS.get(action, action)} in {ok} of "
               f"{len(chosen)} room(s). {journey_view.badge(journey)}")
    (st.success if ok == len(chosen) else st.warning)(summary)
    st.dataframe(
        pd.DataFrame([
            {"Room": labels.get(room, room),
             "Result": _describe(rooms_done.get(room), action),
             "Message": (rooms_done.get(room) or {}).get("message", ""), "Room ID": room}
            for room in chosen
        ]),
        hide_index=True, width="stretch",
    )
    if journey.status == JourneyStatus.FAILED and st.button(
        "Retry failed rooms", key=SessionKey.REMOVE_RETRY, icon=":material/replay:"
    ):
        try:
            journey_runner.retry(actor=identity.username, journey_id=journey.id)
        except DashboardError as err:
            st.session_state[SessionKey.REMOVE_ERROR] = err
        st.rerun()


def _describe(entry: dict[str, object] | None, action: str) -> str:
    if entry is None or "ok" not in entry:
        return "not done yet"
    outcome = RoomOutcome(str(entry.get("room_id", "")), Status(str(entry["status"])),
                          str(entry.get("reason", "")))
    return describe_outcome(outcome, done=DONE_WORDS.get(action, action))


def render() -> None:
    identity = require_page(__file__)
    st.title("Remove from rooms")
    if (problem := rooms.matrix_problem()) is not None:
        show_unavailable(problem)
        return
    prefill(SessionKey.REMOVE_USER, "matrix")  # from a link (drift report)
    with st.form("remove_find"):
        user_id = st.text_input("Matrix user ID", key=SessionKey.REMOVE_USER,
                                placeholder="@name:example.org")
        find = st.form_submit_button("Find rooms", icon=":material/search:")
    if find:
        _find(identity.username, user_id)
    if error := st.session_state.get(SessionKey.REMOVE_ERROR):
        show_error(error)
    approval_view.status_box(st.session_state.get(SessionKey.REMOVE_APPROVAL))
    preview: removal.RemovalPreview | None = st.session_state.get(SessionKey.REMOVE_PREVIEW)
    journey = _follow()
    labels = {r.room_id: r.name for r in preview.rooms} if preview else {}
    if preview is not None and journey is None:
        removal_preview.show(preview)
        case_link(matrix_user_id=preview.user_id)
        if plan := st.session_state.get(SessionKey.REMOVE_PLAN):
            _confirm(identity.username, plan)
        elif preview.rooms:
            _plan_form(preview)
    if journey is not None:
        _results(identity, journey, labels)


if __name__ == "__main__":
    render()
