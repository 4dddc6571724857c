"""The Authentik setup check as people read it: the token's account, then each finding with
what to change in Authentik (Home and the Authentik setup page show it)."""

from __future__ import annotations

import streamlit as st

from app.services import authentik_setup
from app.services.authentik_setup import Level, SetupReport
from app.ui.text import md

_ICON = {
    Level.OK: (":material/check_circle:", "green"),
    Level.WARNING: (":material/warning:", "orange"),
    Level.PROBLEM: (":material/error:", "red"),
}


@st.cache_data(ttl=60, show_spinner="Checking Authentik's set-up…")
def report() -> SetupReport:
    """The setup check, at most a minute old (Home and the setup page share it)."""
    return authentik_setup.check.run()


def summary(result: SetupReport) -> str:
    if result.fatal:
        return "could not be checked"
    problems, warnings = len(result.problems), len(result.warnings)
    if not problems and not warnings:
        return "as the dashboard needs it"
    return f"{problems} problem(s), {warnings} warning(s)"


def owner_line(result: SetupReport) -> None:
    """Which account the API token belongs to, and whether that is a dedicated one."""
    owner = result.owner
    if owner is None:
        return
    kind = "a dedicated service account" if owner.is_service_account else (
        "a person's account: use a dedicated service account"
    )
    superuser = ", superuser" if owner.is_superuser else ""
    st.markdown(
        f":material/key: API token's account: **{md(owner.username)}** "
        f"({md(owner.type)}{superuser}; {kind})."
    )


def findings(result: SetupReport) -> None:
    """Each finding with its icon, and its fix underneath."""
    if result.fatal:
        st.error(md(result.fatal), icon=":material/error:")
        return
    for finding in result.findings:
        icon, color = _ICON[finding.level]
        st.markdown(f"{icon} **{md(finding.topic)}**: :{color}[{finding.level}] · "
                    f"{md(finding.summary)}")
        if finding.fix:
            st.caption(f"What to change: {md(finding.fix)}")
