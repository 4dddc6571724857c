"""Audit log (admin): who did what, filterable, paginated, exportable as CSV."""

from __future__ import annotations

import functools
from datetime import date

import pandas as pd
import streamlit as st

from app.services import audit, undo
from app.ui import undo_view
from app.ui.case_link import case_link
from app.ui.guard import guarded_download, require_page
from app.ui.text import md
from app.utils.enums import AuditAction, AuditOutcome, Role
from app.utils.state import SessionKey

PAGE_SIZE = 50
ANY = ""


def _filters() -> audit.AuditFilter:
    known = audit.known_values()
    with st.form("audit_filters"):
        cols = st.columns(4)
        actor = cols[0].selectbox("Actor", [ANY, *known["actor"]], format_func=lambda v: v or "Any")
        action = cols[1].selectbox(
            "Action", [ANY, *known["action"]], format_func=lambda v: v or "Any"
        )
        outcome = cols[2].selectbox(
            "Outcome", [ANY, *AuditOutcome], format_func=lambda v: v or "Any"
        )
        member = cols[3].text_input("Member or target", help="Part of a username or Matrix ID")
        cols = st.columns(4)
        since: date | None = cols[0].date_input("From", value=None)
        until: date | None = cols[1].date_input("To (inclusive)", value=None)
        applied = st.form_submit_button("Apply filters")
    flt = audit.AuditFilter(
        actor=actor, action=action, outcome=outcome, member=member, since=since, until=until
    )
    if applied or SessionKey.AUDIT_FILTER not in st.session_state:
        st.session_state[SessionKey.AUDIT_FILTER] = flt
        st.session_state[SessionKey.AUDIT_PAGE] = 1
    applied_filter: audit.AuditFilter = st.session_state[SessionKey.AUDIT_FILTER]
    return applied_filter


def render() -> None:
    require_page(__file__)
    st.title("Audit log")
    flt = _filters()
    if flt.since and flt.until and flt.since > flt.until:
        st.error("**From** must not be after **To**.")
        return
    page_number = st.session_state.get(SessionKey.AUDIT_PAGE, 1)
    result = audit.search(flt, page=page_number, page_size=PAGE_SIZE)
    top = st.columns([3, 1, 1])
    top[0].markdown(f"**{result.total}** matching events, page {result.page} of {result.pages}")
    top[1].number_input(
        "Page",
        min_value=1,
        max_value=result.pages,
        key=SessionKey.AUDIT_PAGE,
        label_visibility="collapsed",
    )
    top[2].download_button(
        "Export CSV",
        data=guarded_download(functools.partial(audit.export_csv, flt), Role.ADMIN),
        file_name="audit-log.csv",
        mime="text/csv",
        icon=":material/download:",
    )
    frame = pd.DataFrame(
        [
            {
                "Time (UTC)": r.occurred_at.strftime("%Y-%m-%d %H:%M:%S"),
                "Actor": r.actor,
                "Action": r.action,
                "Target": r.target,
                "Member": r.member,
                "Outcome": r.outcome,
                "Details": ", ".join(f"{k}={v}" for k, v in r.details.items()),
            }
            for r in result.rows
        ],
        columns=["Time (UTC)", "Actor", "Action", "Target", "Member", "Outcome", "Details"],
    )
    picked = st.dataframe(frame, hide_index=True, width="stretch", on_select="rerun",
                          selection_mode="single-row", key=SessionKey.AUDIT_PICKED)
    _member_link([result.rows[i] for i in picked.selection.rows if 0 <= i < len(result.rows)])


def _member_link(picked: list[audit.AuditRow]) -> None:
    """The case file of the member in the row picked; its undo, for a bulk action."""
    if not picked:
        st.caption("Pick a row to open its member's case file, or to undo a bulk action.")
        return
    row = picked[0]
    if row.action == AuditAction.USER_BULK:
        undo_view.panel(undo.BATCH, row.id, prefix="audit")
    elif (row.action == AuditAction.JOURNEY_START
          and str(row.target).split(" #")[0] in undo.UNDOABLE):
        undo_view.panel(undo.JOURNEY, int(row.details["journey"]), prefix="audit")
    member = row.member
    if not member:
        st.caption("That event is about no member.")
        return
    if member.startswith("@"):
        case_link(matrix_user_id=member, label=f"Open the case file of {md(member)}")
    else:
        case_link(username=member, label=f"Open the case file of {md(member)}")


if __name__ == "__main__":
    render()
