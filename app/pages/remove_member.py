"""Remove from rooms: find where a member really is, review, kick or ban with a reason and an
optional message, see one result per room, retry the rooms that failed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from app.services import removal, rooms
from app.services.outcomes import describe_outcome
from app.ui import removal_preview
from app.ui.feedback import show_error
from app.ui.guard import require_page, ui_only
from app.ui.removal_preview import ACTION_LABELS, CUSTOM_HELP, MESSAGES
from app.utils.errors import DashboardError, InputError
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


@dataclass(frozen=True)
class RemovalRun:
    plan: RemovalPlan
    outcomes: tuple[removal.RemovalOutcome, ...]


@ui_only
def _clear(*keys: SessionKey) -> None:
    for key in keys:
        st.session_state.pop(key, None)


def _find(user_id: str) -> None:
    _clear(SessionKey.REMOVE_ERROR, SessionKey.REMOVE_PREVIEW, SessionKey.REMOVE_PLAN,
           SessionKey.REMOVE_RESULT)
    bar = st.progress(0.0, text="Looking up the member's rooms…")
    try:
        preview = removal.preview_removal(
            user_id, on_progress=lambda p: bar.progress(p.fraction, text=p.text))
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
        if not st.form_submit_button("Review removal"):
            return
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
    _clear(SessionKey.REMOVE_ERROR, SessionKey.REMOVE_RESULT)
    st.session_state[SessionKey.REMOVE_PLAN] = RemovalPlan(
        preview.user_id, preview.display_name, action, tuple(chosen), why, key, custom, text)
    st.rerun()


def _confirm(actor: str, plan: RemovalPlan) -> None:
    verb = "Kick" if plan.action == "kick" else "Ban"
    text = (f"**{verb} {plan.user_id}** from **{len(plan.room_ids)}** room(s), reason: "
            f"“{plan.reason}”.")
    if plan.message_text:
        quoted = "> " + plan.message_text.replace("\n", "\n> ")
        text += f"\n\nFirst posted in each room:\n\n{quoted}"
    st.warning(text, icon=":material/gavel:")
    left, right = st.columns([1, 4])
    confirmed = left.button(f"Confirm {plan.action}", type="primary",
                            key=SessionKey.REMOVE_CONFIRM)
    right.button("Cancel", key=SessionKey.REMOVE_CANCEL, on_click=_clear,
                 args=(SessionKey.REMOVE_PLAN,))
    if confirmed:
        _run(plan, lambda progress: removal.remove_from_rooms(
            actor=actor, user_id=plan.user_id, room_ids=plan.room_ids, action=plan.action,
            reason=plan.reason, message_key=plan.message_key or None,
            custom_message=plan.custom_message, display_name=plan.display_name,
            on_progress=progress))


def _run(
    plan: RemovalPlan,
    work: Callable[[rooms.ProgressCallback], Sequence[removal.RemovalOutcome]],
    previous: RemovalRun | None = None,
) -> None:
    """Run `work(on_progress)` with a progress bar; keep the (merged) outcomes; redraw."""
    bar = st.progress(0.0, text="Checking the bot's power…")
    try:
        outcomes = work(lambda p: bar.progress(p.fraction, text=p.text))
    except DashboardError as err:
        st.session_state[SessionKey.REMOVE_ERROR] = err
    else:
        if previous is not None:
            outcomes = removal.merge_outcomes(previous.outcomes, outcomes)
        st.session_state[SessionKey.REMOVE_RESULT] = RemovalRun(plan, tuple(outcomes))
        _clear(SessionKey.REMOVE_PLAN, SessionKey.REMOVE_ERROR)
    st.rerun()


def _results(actor: str, run: RemovalRun, labels: dict[str, str]) -> None:
    plan = run.plan
    ok = sum(1 for o in run.outcomes if o.ok)
    summary = f"{plan.user_id}: {DONE_WORDS[plan.action]} in {ok} of {len(run.outcomes)} room(s)."
    (st.success if ok == len(run.outcomes) else st.warning)(summary)
    st.dataframe(
        pd.DataFrame([
            {"Room": labels.get(o.room_id, o.room_id),
             "Result": describe_outcome(o, done=DONE_WORDS[plan.action]),
             "Message": o.message, "Room ID": o.room_id}
            for o in run.outcomes
        ]),
        hide_index=True, width="stretch",
    )
    failed = removal.failed_rooms(run.outcomes)
    if failed and st.button(f"Retry failed rooms ({len(failed)})", key=SessionKey.REMOVE_RETRY,
                            icon=":material/replay:"):
        _run(plan, lambda progress: removal.retry_failed(
            actor=actor, user_id=plan.user_id, outcomes=run.outcomes, action=plan.action,
            reason=plan.reason, message_key=plan.message_key or None,
            custom_message=plan.custom_message, display_name=plan.display_name,
            on_progress=progress), previous=run)


def render() -> None:
    identity = require_page(__file__)
    st.title("Remove from rooms")
    if (problem := rooms.matrix_problem()) is not None:
        show_error(problem)
        return
    with st.form("remove_find"):
        user_id = st.text_input("Matrix user ID", key=SessionKey.REMOVE_USER,
                                placeholder="@name:example.org")
        find = st.form_submit_button("Find rooms", icon=":material/search:")
    if find:
        _find(user_id)
    if error := st.session_state.get(SessionKey.REMOVE_ERROR):
        show_error(error)
    preview: removal.RemovalPreview | None = st.session_state.get(SessionKey.REMOVE_PREVIEW)
    run: RemovalRun | None = st.session_state.get(SessionKey.REMOVE_RESULT)
    labels = {r.room_id: r.name for r in preview.rooms} if preview else {}
    if preview is not None and run is None:
        removal_preview.show(preview)
        if plan := st.session_state.get(SessionKey.REMOVE_PLAN):
            _confirm(identity.username, plan)
        elif preview.rooms:
            _plan_form(preview)
    if run is not None:
        _results(identity.username, run, labels)


if __name__ == "__main__":
    render()
