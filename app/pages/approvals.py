"""Approvals (staff): requests waiting for a second admin under the two-person rule. Admins
approve or reject other people's requests (never their own); everyone sees where their own
requests stand and can withdraw one not yet decided."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.auth.identity import Identity
from app.services import approvals
from app.services.approvals import ApprovalView
from app.ui import approval_view
from app.ui.feedback import act, show_error, show_notice
from app.ui.guard import action, require_page
from app.ui.text import md
from app.utils.config import get_settings
from app.utils.enums import ApprovalStatus, Role
from app.utils.state import SessionKey as K

KEYS = {"error_key": K.APPROVALS_ERROR, "notice_key": K.APPROVALS_NOTICE}


@action(Role.ADMIN)
def _approve(identity: Identity, approval_id: int) -> None:
    act(lambda: approvals.approve(actor=identity.username, approval_id=approval_id),
        lambda _: f"Request #{approval_id} approved: it is running now.", **KEYS)


@action(Role.ADMIN)
def _reject(identity: Identity, approval_id: int) -> None:
    note = st.session_state.get(f"approvals_note_{approval_id}") or ""
    act(lambda: approvals.reject(actor=identity.username, approval_id=approval_id, note=note),
        lambda _: f"Request #{approval_id} rejected: it will never run.", **KEYS)


@action(Role.ADMIN, Role.MODERATOR)
def _withdraw(identity: Identity, approval_id: int) -> None:
    act(lambda: approvals.withdraw(actor=identity.username, approval_id=approval_id),
        lambda _: f"Request #{approval_id} withdrawn.", **KEYS)


def _pending(identity: Identity, waiting: list[ApprovalView]) -> None:
    st.subheader("Waiting for a second admin")
    if not waiting:
        st.caption("Nothing is waiting.")
    for item in waiting:
        own = item.requested_by == identity.username
        with st.container(border=True):
            st.markdown(f"**#{item.id} · {approval_view.kind_label(item)}** · asked by "
                        f"{md(item.requested_by)} at {item.requested_at:%Y-%m-%d %H:%M} UTC · "
                        f"{approval_view.time_left(item)}")
            st.markdown(md(item.summary))
            st.caption(f"Held because: {md(item.why)}.")
            if own:
                st.caption("You asked for this: another admin must approve or reject it.")
                st.button("Withdraw", key=f"approvals_withdraw_{item.id}", on_click=_withdraw,
                          args=(item.id,), icon=":material/undo:")
                continue
            if not identity.is_admin:
                continue
            st.text_input("Note (with a rejection)", key=f"approvals_note_{item.id}")
            cols = st.columns(2)
            cols[0].button("Approve and run", key=f"approvals_approve_{item.id}", type="primary",
                           on_click=_approve, args=(item.id,), icon=":material/check:")
            cols[1].button("Reject", key=f"approvals_reject_{item.id}", on_click=_reject,
                           args=(item.id,), icon=":material/block:")


def _history(title: str, items: list[ApprovalView]) -> None:
    st.subheader(title)
    if not items:
        st.caption("None yet.")
        return
    frame = pd.DataFrame(
        [
            {
                "#": a.id,
                "What": approval_view.kind_label(a),
                "Summary": a.summary,
                "Asked by": a.requested_by,
                "Asked (UTC)": a.requested_at.strftime("%Y-%m-%d %H:%M"),
                "State": approval_view.STATE_LABELS[a.state],
                "Decided by": a.decided_by,
                "Outcome": approval_view.outcome(a) or a.note,
            }
            for a in items
        ],
        columns=["#", "What", "Summary", "Asked by", "Asked (UTC)", "State", "Decided by",
                 "Outcome"],
    )
    st.dataframe(frame, hide_index=True, width="stretch")


def render() -> None:
    identity = require_page(__file__)
    st.title("Approvals")
    rule = get_settings().two_person_rule.strip()
    st.caption(f"The two-person rule holds: {md(rule)}." if rule else
               "The two-person rule is off (TWO_PERSON_RULE is empty): nothing waits.")
    if error := st.session_state.get(K.APPROVALS_ERROR):
        show_error(error)
    show_notice(st.session_state.get(K.APPROVALS_NOTICE))
    st.button("Refresh", icon=":material/refresh:")
    if identity.is_admin:
        _pending(identity, approvals.search(status=ApprovalStatus.PENDING))
        _history("Decided", [a for a in approvals.search(limit=100)
                             if a.state is not ApprovalStatus.PENDING])
    else:
        mine = approvals.search(requested_by=identity.username)
        _pending(identity, [a for a in mine if a.state is ApprovalStatus.PENDING])
        _history("Your requests", [a for a in mine if a.state is not ApprovalStatus.PENDING])


if __name__ == "__main__":
    render()
