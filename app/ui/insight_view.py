"""Shared by the overview and the drift report: the snapshot they are computed from (cached,
with its time and a refresh), the period picker and the weekly chart."""

from __future__ import annotations

from datetime import UTC, datetime

import altair as alt
import pandas as pd
import streamlit as st

from app.services import insight
from app.services.insight.figures import PERIODS, Weekly
from app.ui.text import md
from app.utils.state import SessionKey

CACHE_SECONDS = 600


@st.cache_data(ttl=CACHE_SECONDS, show_spinner="Counting…")
def _snapshot(accounts: bool, since: datetime | None) -> insight.Snapshot:
    return insight.gather(accounts=accounts, joined_since=since)


def snapshot(*, accounts: bool, key: str, since: datetime | None = None) -> insight.Snapshot:
    """The cached snapshot (accounts: with Authentik's part, for admins; since: only the
    accounts that joined since then), under a line saying how old it is and a Refresh button
    (`key`: the button's)."""
    cols = st.columns([4, 1], vertical_alignment="center")
    if cols[1].button("Refresh", icon=":material/refresh:", key=key, width="stretch"):
        _snapshot.clear()
    snap = _snapshot(accounts, since)
    age = int((datetime.now(UTC) - snap.taken_at).total_seconds() // 60)
    cols[0].caption(f"As of {snap.taken_at:%Y-%m-%d %H:%M} UTC ({age} min ago; kept "
                    f"{CACHE_SECONDS // 60} min). Rooms as of the last room sync"
                    + (f", {snap.rooms_synced_at:%Y-%m-%d %H:%M} UTC." if snap.rooms_synced_at
                       else ": never synced."))
    for problem in snap.problems:  # may quote a remote's error: text, never markdown
        st.warning(md(problem), icon=":material/warning:")
    return snap


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
