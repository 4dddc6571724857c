"""Drift report (admin): where Authentik and Matrix disagree. Five lists (accounts without a
Matrix ID, room members without an account, deactivated accounts still in rooms, members in no
room, invitations expired unused), each exportable as CSV; pick a row for what to do about it.

Admins only: it lists Authentik accounts, which only admins see elsewhere (Users directory)."""

from __future__ import annotations

import functools

import pandas as pd
import streamlit as st

from app.services.insight import drift
from app.services.insight.drift import Action, DriftList, DriftRow
from app.ui.case_link import (
    INVITE_TO_ROOMS_PAGE,
    OFFBOARD_PAGE,
    REMOVE_PAGE,
    case_link,
    member_link,
)
from app.ui.guard import guarded_download, require_page
from app.ui.insight_view import snapshot
from app.ui.text import md
from app.utils.enums import Role
from app.utils.state import SessionKey

ONBOARD_PAGE = "app/pages/onboard.py"
INVITE_LINKS_PAGE = "app/pages/invites.py"
COLUMNS = {"username": "Username", "name": "Name", "matrix_user_id": "Matrix ID",
           "invitation": "Invitation", "detail": "Detail"}


def render() -> None:
    require_page(__file__)
    st.title("Drift report")
    st.caption("Where Authentik and Matrix disagree, from Authentik now, the room directory as "
               "of the last room sync, and the Matrix IDs journeys linked to usernames.")
    if (snap := snapshot(accounts=True, key=SessionKey.DRIFT_REFRESH)) is None:
        return
    lists = drift.report(snap)
    for found in lists:
        _section(found)


def _section(found: DriftList) -> None:
    st.subheader(f"{found.title} ({len(found.rows)})")
    st.caption(found.explanation)
    if found.unavailable:
        st.warning(f"Cannot be listed now: {md(found.unavailable)}", icon=":material/warning:")
        return
    if not found.rows:
        st.success("Nobody.", icon=":material/check_circle:")
        return
    st.download_button(
        "Export CSV", data=guarded_download(functools.partial(drift.to_csv, found), Role.ADMIN),
        file_name=f"drift-{found.key}.csv", mime="text/csv", icon=":material/download:",
        key=f"{SessionKey.DRIFT_EXPORT}_{found.key}",
    )
    shown = [c for c in COLUMNS if any(getattr(r, c) for r in found.rows)]
    frame = pd.DataFrame([{COLUMNS[c]: getattr(r, c) for c in shown} for r in found.rows],
                         columns=[COLUMNS[c] for c in shown])
    picked = st.dataframe(frame, hide_index=True, on_select="rerun",
                          selection_mode="single-row",
                          key=f"{SessionKey.DRIFT_PICKED}_{found.key}")
    rows = [found.rows[i] for i in picked.selection.rows if 0 <= i < len(found.rows)]
    if rows:
        _actions(found.actions, rows[0])
    else:
        st.caption("Pick a row for what to do about it.")


def _actions(actions: tuple[Action, ...], row: DriftRow) -> None:
    who = {"username": row.username, "matrix_user_id": row.matrix_user_id}
    cols = st.columns(len(actions))
    for col, action in zip(cols, actions, strict=True):
        with col:
            if action is Action.CASE_FILE:
                case_link(**who)
            elif action is Action.OFFBOARD:
                member_link(OFFBOARD_PAGE, label="Offboard", icon=":material/person_off:", **who)
            elif action is Action.REMOVE and row.matrix_user_id:
                member_link(REMOVE_PAGE, label="Remove from rooms",
                            icon=":material/person_remove:", matrix_user_id=row.matrix_user_id)
            elif action is Action.INVITE_TO_ROOMS and row.matrix_user_id:
                member_link(INVITE_TO_ROOMS_PAGE, label="Invite to rooms",
                            icon=":material/group_add:", matrix_user_id=row.matrix_user_id)
            elif action is Action.ONBOARD:
                st.page_link(ONBOARD_PAGE, label="Onboard (link a Matrix ID)",
                             icon=":material/waving_hand:")
            elif action is Action.INVITE_LINKS:
                st.page_link(INVITE_LINKS_PAGE, label="Invite links (revoke, make anew)",
                             icon=":material/forward_to_inbox:")


if __name__ == "__main__":
    render()
