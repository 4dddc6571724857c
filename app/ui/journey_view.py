"""How onboarding and offboarding records look: a step table, and recent records to retry."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pandas as pd
import streamlit as st

from app.services.journeys import JourneyView, StepView
from app.ui.guard import checked
from app.ui.text import md
from app.utils.enums import StepStatus

BADGES = {
    StepStatus.PENDING: "⏳ pending",
    StepStatus.RUNNING: "🔄 running",
    StepStatus.DONE: "✅ done",
    StepStatus.FAILED: "❌ failed",
    StepStatus.SKIPPED: "⏭️ skipped",
}
JOURNEY_BADGES = {
    StepStatus.DONE: "✅ done",
    StepStatus.FAILED: "❌ needs attention",
    StepStatus.RUNNING: "🔄 in progress",
}


def _status(step: StepView) -> str:
    return "⚠️ interrupted" if step.stale else BADGES.get(step.status, step.status)


def step_table(journey: JourneyView, titles: Mapping[str, str]) -> None:
    frame = pd.DataFrame(
        [
            {
                "Step": titles.get(s.name, s.name),
                "Status": _status(s),
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
                "Result": ("✅ " if r.get("ok") else "❌ ") + str(r.get("status", "")),
                "Detail": r.get("reason", ""),
                **({"Message": r["message"]} if "message" in r else {}),
            }
            for room, r in rooms.items()
        ]
    )
    st.dataframe(frame, hide_index=True, width="stretch")


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
            f"#{journey.id} · {md(who)} · {JOURNEY_BADGES.get(journey.status, journey.status)} · "
            f"{journey.created_at:%Y-%m-%d %H:%M} UTC by {md(journey.actor)}"
        )
        with st.expander(label, expanded=journey.status == StepStatus.FAILED):
            step_table(journey, titles)
            if journey.status == StepStatus.FAILED:
                st.button(
                    "Retry failed steps",
                    key=f"{key_prefix}_retry_{journey.id}",
                    on_click=checked(retry),
                    args=(journey.id,),
                    icon=":material/replay:",
                )
