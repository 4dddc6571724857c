"""Requests under the two-person rule as pages show them: where the requester's request stands,
and the notice that an action will wait for a second admin."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import streamlit as st

from app.services import approvals
from app.services.approvals import ApprovalView
from app.ui.text import md
from app.utils.enums import ApprovalKind, ApprovalStatus

APPROVALS_PAGE = "app/pages/approvals.py"
KIND_LABELS = {
    ApprovalKind.USERS_BULK: "Bulk action on Authentik users",
    ApprovalKind.OFFBOARDING: "Offboarding",
    ApprovalKind.REMOVAL: "Removal from rooms",
}
STATE_LABELS = {
    ApprovalStatus.PENDING: "⏳ waiting for a second admin",
    ApprovalStatus.APPROVED: "▶️ approved, running",
    ApprovalStatus.DONE: "✅ approved and done",
    ApprovalStatus.FAILED: "❌ approved, but it failed",
    ApprovalStatus.REJECTED: "🚫 rejected",
    ApprovalStatus.WITHDRAWN: "↩️ withdrawn",
    ApprovalStatus.EXPIRED: "⌛ expired (nobody decided in time)",
}


def kind_label(approval: ApprovalView) -> str:
    return KIND_LABELS.get(ApprovalKind(approval.kind), approval.kind)


def time_left(approval: ApprovalView) -> str:
    left = approval.expires_at - datetime.now(UTC)
    if left <= timedelta(0):
        return "expired"
    hours, rest = divmod(int(left.total_seconds()) // 60, 60)
    return f"{hours} h {rest} min left" if hours else f"{rest} min left"


def outcome(approval: ApprovalView) -> str:
    """What came of it, in words (for a done or failed request)."""
    result = approval.result
    if "error" in result:
        return f"failed: {result['error']}"
    if "journey" in result:
        return f"journey #{result['journey']} (see Journeys)"
    if "done" in result:
        return f"{result['done']} done, {result['failed']} failed"
    return ""


def will_wait(why: str) -> None:
    """Say, before the click, that this action will wait for a second admin."""
    if why:
        st.info(f"{md(why)} needs a second admin's approval (two-person rule): your click files "
                "a request; it runs once another admin approves it.", icon=":material/group:")


def status_box(approval_id: int | None) -> None:
    """Where the requester's request stands, with a way to the Approvals page."""
    if approval_id is None:
        return
    current = approvals.get(approval_id)
    state = current.state
    with st.container(border=True):
        st.markdown(f"**Request #{current.id}: {kind_label(current)}** · {STATE_LABELS[state]}")
        st.caption(md(current.summary))
        if state is ApprovalStatus.PENDING:
            st.caption(f"{time_left(current)} for another admin to approve or reject it.")
        elif state is ApprovalStatus.REJECTED and current.note:
            st.caption(f"Rejected by {md(current.decided_by)}: {md(current.note)}")
        elif state in (ApprovalStatus.DONE, ApprovalStatus.FAILED):
            st.caption(f"Approved by {md(current.decided_by)}: {md(outcome(current))}")
        cols = st.columns([1, 1])
        cols[0].page_link(APPROVALS_PAGE, label="Open Approvals", icon=":material/group:")
        cols[1].button("Refresh", key=f"approval_refresh_{current.id}",
                       icon=":material/refresh:")
