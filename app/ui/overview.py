"""The overview on Home: figures per week over a chosen period, and the onboarding funnel.
Moderators see the parts about rooms (rooms by size, moderation actions); admins see all."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from app.services.insight import Snapshot, figures, funnel
from app.services.insight.snapshot import within
from app.services.rooms import scopes
from app.ui.insight_view import bar_chart, period, snapshot, weekly_chart
from app.ui.text import md
from app.utils.state import SessionKey


def render(*, actor: str, admin: bool) -> None:
    st.subheader("Overview")
    weeks = period()
    # Admins: the accounts that joined in the period (all the figures and the funnel need).
    since = figures.period_start(datetime.now(UTC), weeks) if admin else None
    snap = snapshot(accounts=admin, key=SessionKey.HOME_REFRESH, since=since)
    if snap is None:
        return
    if not admin and (scope := scopes.scope_of(actor)).limited:
        snap = within(snap, scopes.split(scope, [r.room_id for r in snap.rooms])[0])
        st.caption(f"Rooms: those of your scope, {md(scope.describe())}.")
    if admin:
        _people(snap, weeks)
    _rooms(snap, weeks)
    if admin:
        _funnel(snap, weeks)


def _people(snap: Snapshot, weeks: int) -> None:
    accounts = figures.accounts_per_week(snap, weeks)
    onboardings = figures.onboardings_per_week(snap, weeks)
    invitations = figures.invitations_per_week(snap, weeks)
    cols = st.columns(4)
    cols[0].metric("New accounts", accounts.total())
    cols[1].metric("Onboardings", onboardings.total())
    cols[2].metric("Invitations made", invitations.total())
    cols[3].metric("Invitations used", invitations.total(figures.USED))
    left, right = st.columns(2)
    with left:
        st.markdown("**Members: Authentik accounts created per week** (active or not now)")
        weekly_chart(accounts, value="Accounts", alt_text="Accounts created per week")
        st.markdown("**Invitations made per week**, by what became of them")
        weekly_chart(invitations, value="Invitations", alt_text="Invitations per week")
    with right:
        st.markdown("**Onboardings started per week**, by outcome")
        weekly_chart(onboardings, value="Onboardings", alt_text="Onboardings per week")


def _rooms(snap: Snapshot, weeks: int) -> None:
    left, right = st.columns(2)
    with left:
        st.markdown(f"**Rooms by joined members** ({len(snap.rooms)} rooms)")
        bar_chart(figures.rooms_by_size(snap), label="Members", value="Rooms",
                  alt_text="Rooms by member count")
    with right:
        st.markdown("**Moderation actions per week** (kicks, bans, removals, sanctions)")
        weekly_chart(figures.moderation_per_week(snap, weeks), value="Actions",
                     alt_text="Moderation actions per week")


def _percent(share: float | None) -> str:
    return "" if share is None else f"{share:.0%}"


def _funnel(snap: Snapshot, weeks: int) -> None:
    st.subheader("Onboarding funnel")
    st.caption("Invitations the dashboard made in the period, step by step: used by an "
               "account, the account active, a Matrix ID linked, in a room besides the "
               "welcome room, out of the welcome room. Pick a step to see who is stuck there.")
    result = funnel.funnel(snap, weeks)
    frame = pd.DataFrame(
        [{"Step": s.name, "Reached": s.count, "Of the step before": _percent(s.of_previous),
          "Of invitations made": _percent(s.of_created), "Stuck here": len(s.stuck)}
         for s in result.steps])
    picked = st.dataframe(frame, hide_index=True, on_select="rerun",
                          selection_mode="single-row", key=SessionKey.HOME_FUNNEL_PICKED)
    rows = [i for i in picked.selection.rows if 0 <= i < len(result.steps)]
    if rows:
        _stuck(result.steps[rows[0]])
    st.markdown("**Per inviter**")
    # A plain table: a few rows, nothing to pick, and drawn at once (a data grid's canvas and
    # its accessible copy take the browser another 0.3 s on Home).
    st.table(pd.DataFrame(
        [{"Inviter": who, **dict(zip(funnel.STEPS, counts, strict=True))}
         for who, counts in result.by_inviter.items()],
        columns=["Inviter", *funnel.STEPS]).set_index("Inviter"))


def _stuck(step: funnel.Step) -> None:
    st.markdown(f"**Stuck at “{step.name}”**: {len(step.stuck)}")
    if not step.stuck:
        st.caption("Nobody: everyone who reached this step went on (or it is the last).")
        return
    st.dataframe(pd.DataFrame(
        [{"Invitation": p.invitation, "Inviter": p.inviter, "Email": p.email,
          "Username": p.username, "Name": p.name, "Matrix ID": p.matrix_user_id}
         for p in step.stuck]), hide_index=True)
