"""Shared by the overview and the drift report: the snapshot they are computed from (cached,
with its time and a refresh), the period picker and the weekly chart."""

from __future__ import annotations

from datetime import UTC, datetime

import altair as alt
import pandas as pd
import streamlit as st

from app.services import insight
from app.services.insight import kept
from app.services.insight.figures import PERIODS, Weekly
from app.ui.guard import rerun_by_itself
from app.ui.text import md
from app.utils.state import SessionKey

POLL_SECONDS = 1.0


def snapshot(*, accounts: bool, key: str, since: datetime | None = None
             ) -> insight.Snapshot | None:
    """The newest snapshot (accounts: with Authentik's part, for admins; since: only the
    accounts that joined since then), under a line saying how old it is and a Refresh button
    (`key`: the button's); None, said, while the first is counted in the background. The page
    reruns by itself when a count under way is done."""
    cols = st.columns([4, 1], vertical_alignment="center")
    recount = cols[1].button("Refresh", icon=":material/refresh:", key=key, width="stretch")
    snap = kept.latest(accounts=accounts, joined_since=since, recount=recount)
    counting = kept.counting(accounts=accounts, joined_since=since)
    if counting:
        _rerun_when_counted(accounts, since)
    if snap is None and not counting and (why := kept.failure(accounts=accounts,
                                                               joined_since=since)):
        cols[0].error(f"The figures could not be counted: {md(why)}. They are counted again "
                      "when the page next runs, or press Refresh.", icon=":material/error:")
        return None
    if snap is None:
        cols[0].caption("Counting… the figures appear here when they are ready (Authentik's "
                        "accounts are read page by page, in the background).")
        return None
    age = int((datetime.now(UTC) - snap.taken_at).total_seconds() // 60)
    cols[0].caption(f"As of {snap.taken_at:%Y-%m-%d %H:%M} UTC ({age} min ago; counted again "
                    f"after {kept.KEPT_FOR.seconds // 60} min). Rooms as of the last room sync"
                    + (f", {snap.rooms_synced_at:%Y-%m-%d %H:%M} UTC." if snap.rooms_synced_at
                       else ": never synced.")
                    + (" Counting again…" if counting else ""))
    for problem in snap.problems:  # may quote a remote's error: text, never markdown
        st.warning(md(problem), icon=":material/warning:")
    return snap


@st.fragment(run_every=POLL_SECONDS)
def _rerun_when_counted(accounts: bool, since: datetime | None) -> None:
    """Checks the count under way every POLL_SECONDS; once done, the page shows it."""
    if not kept.counting(accounts=accounts, joined_since=since):
        rerun_by_itself()


def period() -> int:
    """The period picked (weeks; figures.ALL_TIME for all)."""
    names = list(PERIODS)
    chosen = st.selectbox("Period", names, index=1, key=SessionKey.HOME_PERIOD)
    return PERIODS[chosen or names[1]]


def weekly_chart(data: Weekly, *, value: str, alt_text: str) -> None:
    """Stacked bars per week (labelled by its Monday), one colour per series."""
    frame = pd.DataFrame(
        [{**row, "week": f"{row['week']:%Y-%m-%d}"} for row in data.rows()],
        columns=["week", "series", "count"])
    chart = alt.Chart(frame).mark_bar().encode(
        x=alt.X("week:O", title="Week starting", axis=alt.Axis(labelAngle=-45)),
        y=alt.Y("count:Q", title=value, stack=True, axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("series:N", sort=list(data.series), title=None),
        tooltip=[alt.Tooltip("week:O", title="Week of"), alt.Tooltip("series:N", title=""),
                 alt.Tooltip("count:Q", title=value)],
    )
    st.altair_chart(chart, width="stretch", alt=alt_text)


def bar_chart(rows: list[tuple[str, int]], *, label: str, value: str, alt_text: str) -> None:
    """One bar per label, in the order given."""
    frame = pd.DataFrame(rows, columns=[label, value])
    chart = alt.Chart(frame).mark_bar().encode(
        x=alt.X(f"{label}:N", sort=[r[0] for r in rows], title=label,
                axis=alt.Axis(labelAngle=0)),
        y=alt.Y(f"{value}:Q", title=value, axis=alt.Axis(tickMinStep=1)),
        tooltip=[f"{label}:N", f"{value}:Q"],
    )
    st.altair_chart(chart, width="stretch", alt=alt_text)
