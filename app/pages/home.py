"""Home: is everything connected? Database, Authentik and Matrix, stated plainly."""

from __future__ import annotations

import streamlit as st

from app.services import status
from app.ui.guard import require_page
from app.ui.text import md

_BADGE = {
    status.OK: (":material/check_circle:", "green", "connected"),
    status.NOT_CONFIGURED: (":material/radio_button_unchecked:", "gray", "not configured"),
    status.ERROR: (":material/error:", "red", "error"),
}


@st.cache_data(ttl=30, show_spinner="Checking connections…")
def _statuses() -> list[status.ComponentStatus]:
    return status.check_all()


def render() -> None:
    identity = require_page(__file__)
    st.title("Community Dashboard")
    st.markdown(f"Hello, {md(identity.label)}.")
    head = st.columns([4, 1])
    head[0].subheader("Connections")
    if head[1].button("Check again", icon=":material/refresh:"):
        _statuses.clear()
    for component in _statuses():
        icon, color, word = _BADGE[component.state]
        with st.container(border=True):
            st.markdown(f"{icon} **{component.name}**: :{color}[{word}]")
            st.caption(md(component.detail))


if __name__ == "__main__":
    render()
