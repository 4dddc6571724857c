"""Authentik setup (admin): the setup check, and 'Create the flows for me', previewed first."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.auth.identity import Identity
from app.services.authentik_setup import SetupPlan, provision
from app.ui import setup_report
from app.ui.feedback import show_error, show_unavailable
from app.ui.guard import action, require_page, ui_only
from app.ui.kept import kept_read
from app.ui.text import md
from app.utils.enums import Role
from app.utils.errors import DashboardError
from app.utils.state import SessionKey as K


@ui_only
def _check_again() -> None:
    setup_report.report.clear()
    st.session_state.pop(K.AK_SETUP_RESULT, None)
    st.session_state.pop(K.AK_SETUP_PROBLEM, None)
    st.session_state.pop(K.AK_SETUP_PLAN, None)


@action(Role.ADMIN)
def _create(identity: Identity, previewed: SetupPlan) -> None:
    """Do the previewed plan (refused, unchanged, if Authentik changed since)."""
    state = st.session_state
    state.pop(K.AK_SETUP_PROBLEM, None)
    try:
        done = provision.apply(actor=identity.username, expected=previewed)
    except DashboardError as err:
        state[K.AK_SETUP_PROBLEM] = err
        return
    finally:
        setup_report.report.clear()  # whatever happened, check afresh
    state[K.AK_SETUP_RESULT] = done


def _result() -> None:
    done: SetupPlan | None = st.session_state.get(K.AK_SETUP_RESULT)
    if done is None:
        return
    made = [f"{s.change} {s.what} {s.name}" for s in done.changes]
    if made:
        st.success(
            f"Done in Authentik ({len(made)} change(s)): " + md("; ".join(made)),
            icon=":material/check_circle:",
        )
    else:
        st.info("Nothing needed changing.", icon=":material/check_circle:")


def _preview() -> None:
    st.subheader("Create the flows for me")
    st.caption(
        "An enrollment flow for invite links (invitation, prompt, user write, user login, in "
        "that order) and a recovery flow on the brand, made through Authentik's API. Only what "
        "is missing or broken is touched; objects are found by name first, so running it again "
        "changes nothing. Recorded in the audit log."
    )
    plan = kept_read(K.AK_SETUP_PLAN, "plan", provision.plan)  # a rerun reads nothing again
    for note in plan.notes:
        st.caption(md(note))
    if not plan.changes:
        st.info("Nothing to create: invite links and recovery links have working flows.",
                icon=":material/check_circle:")
        return
    frame = pd.DataFrame(
        [{"Change": s.change.value, "What": s.what, "Name": s.name, "Detail": s.detail}
         for s in plan.steps],
        columns=["Change", "What", "Name", "Detail"],
    )
    st.dataframe(frame, hide_index=True, width="stretch")
    st.button(
        f"Create the flows for me ({len(plan.changes)} change(s))",
        type="primary",
        on_click=_create,
        args=(plan,),
        icon=":material/build:",
    )


def render() -> None:
    require_page(__file__)
    st.title("Authentik setup")
    head = st.columns([4, 1])
    head[0].caption("Is Authentik set up the way the dashboard needs it? What to change if not.")
    head[1].button("Check again", on_click=_check_again, icon=":material/refresh:")
    if problem := st.session_state.get(K.AK_SETUP_PROBLEM):
        show_error(problem)
    _result()
    result = setup_report.report()
    setup_report.owner_line(result)
    setup_report.findings(result)
    if result.fatal:
        return
    try:
        _preview()
    except DashboardError as err:
        show_unavailable(err)


if __name__ == "__main__":
    render()
