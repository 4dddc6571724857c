"""Home: is everything connected? Database, Authentik and Matrix, stated plainly; is
Authentik set up as the dashboard needs it (the setup check: the token's account, invite and
recovery flows, page size); and the overview of the community (app.ui.overview)."""

from __future__ import annotations

import streamlit as st

from app.services import status
from app.ui import overview, setup_report, status_checks
from app.ui.guard import require_page
from app.ui.text import md

_BADGE = {
    status.OK: (":material/check_circle:", "green", "connected"),
    status.NOT_CONFIGURED: (":material/radio_button_unchecked:", "gray", "not configured"),
    status.ERROR: (":material/error:", "red", "error"),
}


def render() -> None:
    identity = require_page(__file__)
    st.title("Community Dashboard")
    st.markdown(f"Hello, {md(identity.label)}.")
    head = st.columns([4, 1])
    head[0].subheader("Connections")
    if head[1].button("Check again", icon=":material/refresh:"):
        status_checks.statuses.clear()
        setup_report.report.clear()
    statuses = status_checks.statuses()
    for component in statuses:
        icon, color, word = _BADGE[component.state]
        with st.container(border=True):
            st.markdown(f"{icon} **{component.name}**: :{color}[{word}]")
            st.caption(md(component.detail))
    # Only when Authentik answers: an unreachable one is said above, without a second wait.
    if any(c.name == "Authentik" and c.state == status.OK for c in statuses):
        _authentik_setup(admin=identity.is_admin)
    st.divider()
    overview.render(actor=identity.username, admin=identity.is_admin)


def _authentik_setup(*, admin: bool) -> None:
    """The setup check, folded unless something is wrong; admins get the way to fix it."""
    result = setup_report.report()
    st.subheader("Authentik set-up")
    setup_report.owner_line(result)
    wrong = bool(result.fatal or result.problems)
    with st.expander(f"Setup check: {setup_report.summary(result)}", expanded=wrong):
        setup_report.findings(result)
    if admin and wrong:
        st.page_link(
            "app/pages/authentik_setup.py",
            label="Fix it: Authentik setup ('Create the flows for me')",
            icon=":material/build:",
        )


if __name__ == "__main__":
    render()
