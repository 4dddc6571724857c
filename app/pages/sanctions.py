"""Sanctions (staff): timed bans, mutes and kicks. Impose one on a member for 1 hour to 1 year
or until lifted; see the active and past ones with their time left; lift now or set a new end.
They lift themselves on time, on any replica, after any restart (a durable timer)."""

from __future__ import annotations

import streamlit as st

from app.services import removal, rooms, sanctions
from app.ui import sanction_view
from app.ui.case_link import prefill
from app.ui.feedback import show_error, show_unavailable
from app.ui.guard import require_page, ui_only
from app.ui.pick import pick
from app.ui.scope_note import show_scope
from app.ui.text import md
from app.utils.errors import DashboardError
from app.utils.state import SessionKey as K

PREFIX = "sanctions"
SHOW = {"active": "Active", "past": "Past", "all": "All"}
ACTIVE = {"active": True, "past": False, "all": None}


@ui_only
def _forget_member() -> None:
    st.session_state.pop(K.SANCTIONS_PREVIEW, None)


def _impose_section(actor: str) -> None:
    st.subheader("Impose a sanction")
    prefill(K.SANCTIONS_MEMBER, "member")  # from a case file's link
    cols = st.columns([4, 1], vertical_alignment="bottom")
    member = cols[0].text_input("Matrix ID", key=K.SANCTIONS_MEMBER, on_change=_forget_member,
                                placeholder="@someone:example.org")
    if cols[1].button("Find their rooms", icon=":material/search:", width="stretch"):
        try:
            st.session_state[K.SANCTIONS_PREVIEW] = removal.preview_removal(member, actor=actor)
        except DashboardError as err:
            show_error(err)
    preview: removal.RemovalPreview | None = st.session_state.get(K.SANCTIONS_PREVIEW)
    if preview is None:
        st.caption("Find the member's rooms first: the sanction applies there, and in any "
                   "other room of the bot you add.")
        return
    st.caption(f"{md(preview.display_name or preview.user_id)} is in {len(preview.rooms)} "
               "room(s) shared with the bot.")
    sanction_view.impose_form(preview, prefix=PREFIX)


def _list_section(actor: str) -> None:
    st.subheader("Sanctions")
    cols = st.columns([1, 3])
    show = cols[0].selectbox("Show", list(SHOW), key=K.SANCTIONS_SHOW,
                             format_func=SHOW.__getitem__)
    text = cols[1].text_input("Search", key=K.SANCTIONS_SEARCH,
                              placeholder="Part of a Matrix ID or a reason")
    found = sanctions.search(actor=actor, user_id=text, active=ACTIVE[show or "active"],
                             limit=200)
    sanction_view.table(found)
    if not found:
        st.caption("No sanction matches.")
        return
    chosen = pick(found, label="Sanction", key=K.SANCTIONS_SELECTED,
                  describe=lambda s: f"{s.matrix_user_id} · {sanction_view.time_left(s)}")
    if chosen is not None:
        sanction_view.controls(chosen, prefix=PREFIX)


def render() -> None:
    identity = require_page(__file__)
    st.title("Sanctions")
    st.caption("Timed bans, mutes and kicks. Each lifts itself when its time is up, even if the "
               "dashboard restarts in between.")
    sanction_view.feedback()
    show_scope(identity.username)
    if (problem := rooms.matrix_problem()) is not None:
        show_unavailable(problem, meanwhile="Until then, new sanctions cannot be imposed; the "
                         "list below shows the ones recorded.")
    else:
        _impose_section(identity.username)
    _list_section(identity.username)


if __name__ == "__main__":
    render()
