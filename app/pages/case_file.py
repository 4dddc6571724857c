"""Case files (staff): everything the dashboard knows about one member, in one place: the
Authentik account and who invited them, the invitations they made, their rooms and membership
in each, their sanctions (lift, extend, impose), every journey and audited action about them,
and moderators' private notes (append-only). Opened by username and/or Matrix ID, from a link
(`?member=` / `?matrix=`) or a search across names, IDs, notes and reasons."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.auth.identity import Identity
from app.services import case_file
from app.services.case_file import CaseFile
from app.ui import removal_preview, sanction_view
from app.ui.case_link import case_link, params
from app.ui.feedback import act, show_error, show_notice
from app.ui.guard import action, require_page, ui_only
from app.ui.text import md
from app.utils.enums import Role
from app.utils.errors import DashboardError
from app.utils.state import SessionKey as K

PREFIX = "case"
WHERE = {"note": "in a note", "sanction": "in a sanction", "journey": "in a journey"}


@ui_only
def _reload() -> None:
    st.session_state.pop(K.CASE_OPEN, None)


@action(Role.ADMIN, Role.MODERATOR)
def _add_note(identity: Identity, subject: str) -> None:
    state = st.session_state
    added = act(lambda: case_file.add_note(actor=identity.username, subject=subject,
                                           body=state.get(K.CASE_NOTE) or ""),
                lambda _: "Note added. It cannot be changed or deleted.",
                error_key=K.CASE_ERROR, notice_key=K.CASE_NOTICE)
    if added is not None:
        state[K.CASE_NOTE] = ""


def _asked() -> tuple[str, str]:
    """The member in the address (`?member=`, `?matrix=`), else as typed in the lookup form."""
    state = st.session_state
    member, matrix = st.query_params.get("member", ""), st.query_params.get("matrix", "")
    state.setdefault(K.CASE_USERNAME, member)
    state.setdefault(K.CASE_MATRIX, matrix)
    with st.form("case_lookup"):
        cols = st.columns([2, 2, 1], vertical_alignment="bottom")
        cols[0].text_input("Authentik username", key=K.CASE_USERNAME)
        cols[1].text_input("Matrix ID", key=K.CASE_MATRIX, placeholder="@someone:example.org")
        if cols[2].form_submit_button("Open", icon=":material/folder_open:", width="stretch"):
            member, matrix = state[K.CASE_USERNAME].strip(), state[K.CASE_MATRIX].strip()
            st.query_params.from_dict(params(username=member, matrix_user_id=matrix))
    return member.strip(), matrix.strip()


def _search() -> None:
    text = st.text_input("Search case files", key=K.CASE_SEARCH,
                         placeholder="Part of a name, username, Matrix ID, note or reason")
    if len(text.strip()) < 2:
        return
    try:
        hits = case_file.find(text)
    except DashboardError as err:
        show_error(err)
        return
    if not hits:
        st.caption("No member matches.")
    for hit in hits:
        matrix = hit.subject if hit.subject.startswith("@") else ""
        case_link(username="" if matrix else hit.subject, matrix_user_id=matrix,
                  label=f"{md(hit.subject)} ({WHERE.get(hit.where, hit.where)})")


def _opened(actor: str, member: str, matrix: str) -> CaseFile | None:
    """The open case file: looked up live once per member asked for, its records read again
    on every run (a note or a lift shows at once)."""
    state = st.session_state
    kept: tuple[tuple[str, str], CaseFile] | None = state.get(K.CASE_OPEN)
    if kept is None or kept[0] != (member, matrix):
        try:
            with st.spinner("Reading the account and rooms…"):
                case = case_file.open_case(actor=actor, authentik_username=member,
                                           matrix_user_id=matrix)
        except DashboardError as err:
            show_error(err)
            return None
        state[K.CASE_OPEN] = ((member, matrix), case)
        return case
    return case_file.with_records(kept[1], actor=actor)


def _account(case: CaseFile) -> None:
    st.subheader("Account")
    if not case.authentik_username:
        st.caption("No Authentik username given: enter it above to see the account.")
        return
    if case.account is None:
        st.warning(md(case.account_problem), icon=":material/person_alert:")
        return
    user = case.account
    joined = f"{user.date_joined:%Y-%m-%d}" if user.date_joined else "unknown"
    last = f"{user.last_login:%Y-%m-%d %H:%M} UTC" if user.last_login else "never"
    groups = ", ".join(user.group_names or ()) or "none"
    st.markdown(
        f"**{md(user.name or user.username)}** ({md(user.username)}) · "
        f"{'active' if user.is_active else 'inactive'}"
        f"{' · superuser' if user.is_superuser else ''}  \n"
        f"Email: {md(user.email or 'none')} · groups: {md(groups)}  \n"
        f"Joined: {joined} · last login: {last}"
    )
    if case.invited_by or case.invitation_used:
        used = f" '{md(case.invitation_used)}'" if case.invitation_used else ""
        by = f", made by {md(case.invited_by)}" if case.invited_by else ""
        st.caption(f"Joined with the invitation{used}{by}.")
    _invitations(case)


def _invitations(case: CaseFile) -> None:
    if not case.invitations_made:
        st.caption("No open invitation made by them through the dashboard.")
        return
    st.markdown(f"**Open invitations they made: {len(case.invitations_made)}**")
    st.dataframe(pd.DataFrame(
        [{"Invitation": i.name, "For": i.email or "", "Groups": ", ".join(i.intended_groups),
          "Single use": i.single_use,
          "Expires (UTC)": i.expires.strftime("%Y-%m-%d %H:%M") if i.expires else "never",
          "Ref": i.ref} for i in case.invitations_made],
        columns=["Invitation", "For", "Groups", "Single use", "Expires (UTC)", "Ref"],
    ), hide_index=True, width="stretch")


def _rooms(case: CaseFile) -> None:
    if not case.matrix_user_id:
        st.subheader("Rooms")
        st.caption("No Matrix ID known: enter it above to see their rooms.")
        return
    if case.rooms is None:
        st.subheader("Rooms")
        st.warning(md(case.rooms_problem), icon=":material/cloud_off:")
        return
    removal_preview.show(case.rooms)


def _sanctions(case: CaseFile) -> None:
    st.subheader("Sanctions")
    sanction_view.feedback()
    active = [s for s in case.sanctions if s.active]
    for sanction in active:
        sanction_view.controls(sanction, prefix=PREFIX)
    past = [s for s in case.sanctions if not s.active]
    if past:
        st.markdown("**Past sanctions**")
        sanction_view.table(past)
    if not case.sanctions:
        st.caption("None so far.")
    if case.rooms is not None:
        with st.expander("Impose a sanction"):
            sanction_view.impose_form(case.rooms, prefix=PREFIX)


def _notes(case: CaseFile) -> None:
    st.subheader("Notes")
    st.caption("Private to the dashboard's staff. A note can never be changed or deleted.")
    if error := st.session_state.get(K.CASE_ERROR):
        show_error(error)
    show_notice(st.session_state.get(K.CASE_NOTICE))
    with st.form("case_note_form"):
        st.text_area("New note", key=K.CASE_NOTE, max_chars=case_file.NOTE_MAX)
        st.form_submit_button("Add note", icon=":material/note_add:", on_click=_add_note,
                              args=(case.subject,))
    for note in case.notes:
        with st.container(border=True):
            st.caption(f"{note.created_at:%Y-%m-%d %H:%M} UTC · {md(note.author)}"
                       f" · about {md(note.subject)}")
            st.markdown(md(note.body))


def _history(case: CaseFile) -> None:
    st.subheader("Journeys")
    if case.journeys:
        st.dataframe(pd.DataFrame(
            [{"#": j.id, "Kind": j.kind, "Status": j.status, "By": j.actor,
              "Started (UTC)": j.created_at.strftime("%Y-%m-%d %H:%M")} for j in case.journeys],
            columns=["#", "Kind", "Status", "By", "Started (UTC)"],
        ), hide_index=True, width="stretch")
    else:
        st.caption("None.")
    st.subheader("Audit log")
    if case.events:
        st.dataframe(pd.DataFrame(
            [{"Time (UTC)": e.occurred_at.strftime("%Y-%m-%d %H:%M:%S"), "Actor": e.actor,
              "Action": e.action, "Target": e.target, "Outcome": e.outcome}
             for e in case.events],
            columns=["Time (UTC)", "Actor", "Action", "Target", "Outcome"],
        ), hide_index=True, width="stretch")
    else:
        st.caption("No audited action about them.")


def render() -> None:
    identity = require_page(__file__)
    st.title("Case files")
    member, matrix = _asked()
    _search()
    if not member and not matrix:
        st.caption("Open a member's case file by username or Matrix ID, or search above.")
        return
    case = _opened(identity.username, member, matrix)
    if case is None:
        return
    st.header(md(" · ".join(case.subjects)))
    st.button("Look up again", on_click=_reload, icon=":material/refresh:",
              help="Read the account and rooms again from Authentik and Matrix.")
    left, right = st.columns(2)
    with left:
        _account(case)
    with right:
        _notes(case)
    _rooms(case)
    _sanctions(case)
    _history(case)


if __name__ == "__main__":
    render()
