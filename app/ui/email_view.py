"""How emails look: each recipient's delivery, where it stands and why."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from app.services.emails import DeliveryView
from app.ui.text import md
from app.utils.enums import DeliveryStatus

BADGES = {
    DeliveryStatus.QUEUED: "⏳ queued",
    DeliveryStatus.WAITING: "⏳ waiting",
    DeliveryStatus.RETRYING: "🔁 retrying",
    DeliveryStatus.SENT: "✅ sent",
    DeliveryStatus.FAILED: "❌ failed",
    DeliveryStatus.SKIPPED: "⏭️ skipped",
}


def deliveries_table(deliveries: Sequence[DeliveryView], *, invite: bool = True) -> None:
    """One row per recipient (a dataframe: every value is shown as text)."""
    rows = [
        {
            "Recipient": d.recipient,
            **({"Invite": d.invite_name} if invite else {}),
            "Status": BADGES.get(DeliveryStatus(d.status), d.status),
            "Attempts": d.attempts,
            "Detail": d.reason,
            "Queued (UTC)": f"{d.created_at:%Y-%m-%d %H:%M:%S}",
            "Sent (UTC)": f"{d.sent_at:%Y-%m-%d %H:%M:%S}" if d.sent_at else "",
            "By": d.actor,
        }
        for d in deliveries
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def welcome_email(deliveries: Sequence[DeliveryView]) -> None:
    """Onboarding's welcome email, if one was queued, in a line."""
    for d in deliveries:
        badge = BADGES.get(DeliveryStatus(d.status), d.status)
        detail = f": {md(d.reason)}" if d.reason else ""
        st.caption(f"Welcome email to {md(d.recipient)}: {badge}{detail}")
