"""Invite to rooms: one Matrix user, rooms chosen by category, search, all, by hand or from
their interests; one result per room."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.services import journeys, room_journeys, rooms
from app.services.journeys import JourneyView
from app.services.outcomes import describe_outcome
from app.ui import journey_view
from app.ui.case_link import prefill
from app.ui.feedback import disabled_help, show_error, show_unavailable
from app.ui.guard import require_page
from app.ui.journey_view import new_submission_id
from app.ui.scope_note import show_scope
from app.ui.text import md
from app.utils.errors import DashboardError
from app.utils.matrix import RoomOutcome, Status
from app.utils.state import SessionKey

BY_CATEGORY, BY_SEARCH, ALL_ROOMS, BY_HAND, BY_INTERESTS = (
    "By category", "By search", "All rooms", "Pick rooms", "From interests")
MODES = (BY_INTERESTS, BY_CATEGORY, BY_SEARCH, BY_HAND, ALL_ROOMS)


def _recommended(actor: str) -> list[str]:
    interests = st.text_area(
        "Interests", key=SessionKey.INVITE_ROOMS_INTERESTS,
        placeholder="e.g. hiking, Python, board games",
        help="Free text; rooms are ranked by their categories, keywords, names and topics.",
    )
    found = rooms.recommend_rooms(interests, actor=actor, limit=10) if interests.strip() else []
    if interests.strip() and not found:
        st.info("No room matches these interests; try other words or pick rooms by hand.")
    if not found:
        return []
    st.dataframe(
        pd.DataFrame([{"Room": r.room.label, "Score": r.score, "Why": "; ".join(r.reasons)}
                      for r in found]),
        hide_index=True, width="stretch",
    )
    labels = {r.room.room_id: r.room.label for r in found}
    # Unkeyed: new interests give new options and defaults, hence a fresh widget.
    return st.multiselect("Rooms to invite to", list(labels), default=list(labels),
                          format_func=labels.__getitem__)


def _selection(actor: str) -> tuple[list[str], dict[str, str]]:
    """The room IDs chosen, and labels for every room listed for `actor`."""
    listed = rooms.listed_rooms(actor=actor)
    labels = {r.room_id: r.label for r in listed}
    mode = st.radio("Choose rooms", MODES, key=SessionKey.INVITE_ROOMS_MODE, horizontal=True)
    if mode == BY_INTERESTS:
        return _recommended(actor), labels
    if mode == BY_HAND:
        return st.multiselect("Rooms", list(labels), key=SessionKey.INVITE_ROOMS_PICKED,
                              format_func=lambda r: labels.get(r, r)), labels
    if mode == BY_CATEGORY:
        names = [c.name for c in rooms.categories(actor=actor)]
        if not names:
            st.info("No categories yet: an admin adds them on the Rooms page.")
            return [], labels
        category = st.selectbox("Category", names, key=SessionKey.INVITE_ROOMS_CATEGORY)
        chosen = rooms.listed_rooms(actor=actor, category=category or "")
    elif mode == BY_SEARCH:
        term = st.text_input("Search", key=SessionKey.INVITE_ROOMS_SEARCH,
                             placeholder="Name, topic, alias or keyword")
        chosen = rooms.listed_rooms(actor=actor, search=term) if term.strip() else []
    else:
        chosen = listed
    if chosen:
        st.caption("Rooms: " + ", ".join(md(r.label) for r in chosen))
    weak = [md(r.label) for r in chosen if not r.bot_may_invite]
    if weak:
        st.warning("At the last sync the bot lacked the power to invite in: " + ", ".join(weak))
    return [r.room_id for r in chosen], labels


def _invite(actor: str, user_id: str, room_ids: list[str]) -> None:
    """Start (or join) the invite journey; a repeat of the same choice is the same submission."""
    state = st.session_state
    state.pop(SessionKey.INVITE_ROOMS_ERROR, None)
    submitted = repr((user_id.strip(), sorted(room_ids)))
    if state.get(SessionKey.INVITE_ROOMS_SUBMITTED) != submitted:
        state[SessionKey.INVITE_ROOMS_SUBMISSION] = new_submission_id()
    try:
        started = room_journeys.begin_invites(
            actor=actor, user_id=user_id, room_ids=room_ids,
            submission_id=state[SessionKey.INVITE_ROOMS_SUBMISSION],
        )
    except DashboardError as err:
        state[SessionKey.INVITE_ROOMS_ERROR] = err
        return
    state[SessionKey.INVITE_ROOMS_SUBMITTED] = submitted
    state[SessionKey.INVITE_ROOMS_FOLLOW] = started.journey.id


def _follow() -> JourneyView | None:
    journey_id = st.session_state.get(SessionKey.INVITE_ROOMS_FOLLOW)
    if journey_id is None:
        return None
    journey = journeys.get(journey_id)
    if journey.active:
        show = journey_view.live_progress(
            "Checking the account…", (room_journeys.INVITE_STEP,), room_journeys.INVITE_TITLES
        )
        journey = room_journeys.follow(journey_id, report=show)
    return journey


def _results(journey: JourneyView, labels: dict[str, str]) -> None:
    step = journey.step(room_journeys.INVITE_STEP)
    entries = step.result.get("rooms") or {}
    chosen = list(journey.params.get("room_ids") or ())
    done = sum(1 for r in entries.values() if r.get("status") == Status.DONE)
    already = sum(1 for r in entries.values() if r.get("status") == Status.ALREADY)
    unknown = sum(1 for r in entries.values() if r.get("status") == Status.UNKNOWN)
    failed = len(chosen) - done - already - unknown
    text = (
        f"{md(journey.matrix_user_id)}: invited to {done} room(s); {already} already there; "
        f"{failed} not done. {journey_view.badge(journey)}"
    )
    if unknown:
        text += f" {unknown} not confirmed: retry the journey to re-check them."
    (st.success if failed == unknown == 0 else st.warning)(text)
    if step.status == "failed" and not entries:
        st.error(md(step.reason), icon=":material/error:")
    st.dataframe(
        pd.DataFrame([{"Room": labels.get(room, room),
                       "Result": _describe(entries.get(room)), "Room ID": room}
                      for room in chosen]),
        hide_index=True, width="stretch",
    )


def _describe(entry: dict[str, object] | None) -> str:
    if entry is None or "ok" not in entry:
        return "not done yet"
    outcome = RoomOutcome("", Status(str(entry["status"])), str(entry.get("reason", "")))
    return describe_outcome(outcome, done="invited")


def render() -> None:
    identity = require_page(__file__)
    st.title("Invite to rooms")
    if (problem := rooms.matrix_problem()) is not None:
        show_unavailable(problem)
        return
    prefill(SessionKey.INVITE_ROOMS_USER, "matrix")  # from a link (drift report)
    user_id = st.text_input("Matrix user ID", key=SessionKey.INVITE_ROOMS_USER,
                            placeholder="@name:example.org")
    show_scope(identity.username)
    room_ids, labels = _selection(identity.username)
    if st.button(f"Invite to {len(room_ids)} room(s)", type="primary",
                 key=SessionKey.INVITE_ROOMS_SUBMIT, disabled=not room_ids,
                 help=disabled_help(None if room_ids else "choose at least one room above.")):
        _invite(identity.username, user_id, room_ids)
    if error := st.session_state.get(SessionKey.INVITE_ROOMS_ERROR):
        show_error(error)
    if journey := _follow():
        _results(journey, labels)


if __name__ == "__main__":
    render()
