"""How journeys look: a step table, per-room results, live progress, and recent records to retry.

Progress is read from the journey's rows (what the engine has checkpointed), so it is the same
after a reload, in another tab, or on another replica.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence

import pandas as pd
import streamlit as st

from app.services.journeys import JourneyView, StepView
from app.ui.guard import checked
from app.ui.text import md
from app.utils.enums import JourneyStatus, StepStatus

BADGES = {
    StepStatus.PENDING: "⏳ pending",
    StepStatus.RUNNING: "🔄 running",
    StepStatus.DONE: "✅ done",
    StepStatus.FAILED: "❌ failed",
    StepStatus.SKIPPED: "⏭️ skipped",
}
JOURNEY_BADGES = {
    JourneyStatus.QUEUED: "⏳ queued",
    JourneyStatus.RUNNING: "🔄 in progress",
    JourneyStatus.DONE: "✅ done",
    JourneyStatus.FAILED: "❌ needs attention",
    JourneyStatus.CANCELLED: "⛔ cancelled",
}


def new_submission_id() -> str:
    """Minted when a form is shown: everything submitted under it is one journey."""
    return uuid.uuid4().hex


def badge(journey: JourneyView) -> str:
    return JOURNEY_BADGES.get(JourneyStatus(journey.status), journey.status)


def step_table(journey: JourneyView, titles: Mapping[str, str]) -> None:
    frame = pd.DataFrame(
        [
            {
                "Step": titles.get(s.name, s.name),
                "Status": BADGES.get(StepStatus(s.status), s.status),
                "Detail": s.reason,
                "Tries": s.attempts,
            }
            for s in journey.steps
        ]
    )
    st.dataframe(frame, hide_index=True, width="stretch")


def room_results(journey: JourneyView, step: str, names: Mapping[str, str]) -> None:
    """Per-room outcomes a step stored (invites, removals), if any."""
    rooms = journey.step(step).result.get("rooms") or {}
    if not rooms:
        return
    frame = pd.DataFrame(
        [
            {
                "Room": names.get(room, room),
                "Result": ("✅ " if r.get("ok") else "❌ ") + str(r.get("status", "…")),
                "Detail": r.get("reason", ""),
                **({"Message": r["message"]} if "message" in r else {}),
            }
            for room, r in rooms.items()
        ]
    )
    st.dataframe(frame, hide_index=True, width="stretch")


def progress(
    journey: JourneyView, steps: Sequence[str], titles: Mapping[str, str]
) -> tuple[float, str]:
    """How far the steps a person waits for are, with a line saying where it is: a step's
    rooms count as they are checkpointed."""
    watched = [s for s in journey.steps if s.name in steps]
    total = len(watched) or 1
    done_steps = sum(1 for s in watched if s.status not in (StepStatus.PENDING,
                                                            StepStatus.RUNNING))
    current = next((s for s in watched if s.status == StepStatus.RUNNING), None)
    fraction = done_steps / total
    if current is None:
        return min(1.0, fraction), "Finishing…" if fraction < 1 else "Done."
    chosen = _chosen_rooms(journey, current)
    rooms = current.result.get("rooms") or {}
    finished_rooms = sum(1 for r in rooms.values() if "ok" in r)
    text = f"{titles.get(current.name, current.name)}…"
    if chosen:
        fraction += min(1.0, finished_rooms / chosen) / total
        text = f"{titles.get(current.name, current.name)}: {finished_rooms} of {chosen} rooms"
    return min(1.0, fraction), text


def _chosen_rooms(journey: JourneyView, step: StepView) -> int:
    return len(journey.params.get("room_ids") or ()) if "rooms" in step.name else 0


def live_progress(
    label: str, steps: Sequence[str], titles: Mapping[str, str]
) -> Callable[[JourneyView], object]:
    """A progress bar under `label`, returned as the `report` of a journey wait."""
    bar = st.progress(0.0, text=label)

    def show(journey: JourneyView) -> None:
        fraction, text = progress(journey, steps, titles)
        bar.progress(fraction, text=text)

    return show


def recent_list(
    heading: str,
    journeys: Sequence[JourneyView],
    titles: Mapping[str, str],
    *,
    retry: Callable[[int], None],
    key_prefix: str,
) -> None:
    """Recent records, newest first, each with its steps and, when needed, a retry button."""
    st.divider()
    st.subheader(heading)
    if not journeys:
        st.caption("None yet.")
        return
    for journey in journeys:
        who = journey.member_name or journey.member
        label = (
            f"#{journey.id} · {md(who)} · {badge(journey)} · "
            f"{journey.created_at:%Y-%m-%d %H:%M} UTC by {md(journey.actor)}"
        )
        with st.expander(label, expanded=journey.status == JourneyStatus.FAILED):
            step_table(journey, titles)
            if journey.status == JourneyStatus.FAILED:
                st.button(
                    "Retry failed steps",
                    key=f"{key_prefix}_retry_{journey.id}",
                    on_click=checked(retry),
                    args=(journey.id,),
                    icon=":material/replay:",
                )
