"""The rooms a member is in and what the bot may do there: shown before any removal."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.services import removal, rooms
from app.ui.text import md

MESSAGES = {
    "": "No message",
    "removal_spam": "Spam",
    "removal_inactive": "Inactivity",
    "removal_safety": "Safety",
    "removal_custom": "Custom text (below)",
}
ACTION_LABELS = {"kick": "Kick (they may come back if invited)", "ban": "Ban (they cannot rejoin)"}
PREEMPTIVE_LABEL = "Also ban them in the bot's other rooms, where they are not (yet)"
CUSTOM_HELP = "For 'Custom text'. Placeholders: {mention} {name} {matrix_id} {username} {reason}"
SOURCES = {
    "admin-api": ":material/verified: Live, from the homeserver's admin API.",
    "live-membership": ":material/verified: Live, read room by room.",
}


def show(preview: removal.RemovalPreview) -> None:
    who = (
        f"{md(preview.display_name)} ({md(preview.user_id)})"
        if preview.display_name
        else md(preview.user_id)
    )
    st.subheader(f"{who} is in {len(preview.rooms)} room(s) shared with the bot")
    if preview.source == "cache":
        st.warning(md(preview.note), icon=":material/history:")
    else:
        st.caption(f"{SOURCES[preview.source]} {md(preview.note)}")
    if preview.unchecked:
        st.warning(
            f"{len(preview.unchecked)} room(s) could not be checked, e.g. "
            f"{md(preview.unchecked[0].room_id)}: {md(preview.unchecked[0].reason)}"
        )
    if preview.other_rooms:
        st.caption(
            f"They are also in {preview.other_rooms} room(s) the bot is not in; the bot "
            "cannot act there."
        )
    if preview.elsewhere:
        st.caption(
            f"The bot is in {len(preview.elsewhere)} more room(s) where they are not (left or "
            "never joined): with a ban you may ban them there too, before they ever come."
        )
    if preview.banned:
        st.caption(f"They are banned already in {len(preview.banned)} of the bot's rooms.")
    if preview.scope:
        st.info(
            f"Your scope: rooms of {md(', '.join(preview.scope))}. {preview.outside_scope} of "
            "the bot's rooms are outside it: they were not checked and are left alone (an "
            "admin or an unscoped moderator acts there).",
            icon=":material/filter_alt:",
        )
    if preview.rooms:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Room": r.name,
                        "Membership": r.membership,
                        "A kick": r.what_happens("kick"),
                        "A ban": r.what_happens("ban"),
                        "Their power": rooms.power_label(r.user_level),
                        "Bot power": rooms.power_label(r.bot_level),
                        "Room ID": r.room_id,
                    }
                    for r in preview.rooms
                ]
            ),
            hide_index=True,
            width="stretch",
        )
