"""The connection checks Home shows, kept 30 s (Home's "Check again" clears them; the server
fills them at start-up, app.server.warm_up)."""

from __future__ import annotations

import streamlit as st

from app.services import status


@st.cache_data(ttl=30, show_spinner="Checking connections…")
def statuses() -> list[status.ComponentStatus]:
    return status.check_all()
