"""Rooms: the directory of the bot's Matrix rooms, how fresh it is, a sync button, admin tags."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.auth.identity import Identity
from app.services import rooms
from app.ui.feedback import disabled_help, show_error, show_notice, show_unavailable
from app.ui.guard import action, require_page
from app.ui.scope_note import show_scope
from app.ui.text import md
from app.utils.enums import Role, SyncStatus
from app.utils.errors import DashboardError
from app.utils.state import SessionKey

PAGE_SIZE = 200
ALL = ""


def _sync(actor: str) -> None:
    """Run a sync here, with progress, and keep its result for the next run."""
    bar = st.progress(0.0, text="Listing the bot's rooms…")
    st.session_state.pop(SessionKey.ROOMS_ERROR, None)
    try:
        result = rooms.sync_rooms(
            actor=actor, on_progress=lambda p: bar.progress(p.fraction, text=p.text)
        )
    except DashboardError as err:
        st.session_state[SessionKey.ROOMS_ERROR] = err
        st.session_state.pop(SessionKey.ROOMS_SYNC_RESULT, None)
    else:
        st.session_state[SessionKey.ROOMS_SYNC_RESULT] = result
    st.rerun()


def _sync_section(identity: Identity, problem: DashboardError | None) -> None:
    fresh = rooms.freshness()
    left, right = st.columns([4, 1])
    with left:
        if fresh.last_success is not None and fresh.synced_at is not None:
            run = fresh.last_success
            st.caption(
                f"Last synced {fresh.synced_at:%Y-%m-%d %H:%M} UTC by {run.actor}: "
                f"{run.rooms_synced} of {run.rooms_total} rooms read."
            )
        elif problem is None:
            st.caption("Not synced yet: press **Sync now** to read the bot's rooms.")
        else:
            st.caption("Not synced yet: once Matrix can be used (see above), press **Sync now**.")
        if fresh.running is not None:
            since = f" since {fresh.running.since:%H:%M:%S} UTC" if fresh.running.since else ""
            st.info(f"A sync by {md(fresh.running.actor)} is running{since}.")
    if right.button(
        "Sync now",
        icon=":material/sync:",
        key=SessionKey.ROOMS_SYNC,
        disabled=problem is not None,
        help=disabled_help(
            "Matrix cannot be used yet (see the message above)." if problem else None,
            "Read every room the bot is in: names, topics, members, power levels.",
        ),
    ):
        _sync(identity.username)
    if error := st.session_state.get(SessionKey.ROOMS_ERROR):
        show_error(error)
    if result := st.session_state.get(SessionKey.ROOMS_SYNC_RESULT):
        if result.status == SyncStatus.OK:
            show_notice(result.message)
        elif result.status == SyncStatus.FAILED:
            st.error(md(result.message))
        else:
            st.warning(md(result.message))


def _directory(actor: str) -> list[rooms.RoomView]:
    names = [c.name for c in rooms.categories(actor=actor)]
    cols = st.columns([3, 2, 1])
    search = cols[0].text_input(
        "Search", key=SessionKey.ROOMS_SEARCH, placeholder="Name, topic, alias or keyword"
    )
    category = cols[1].selectbox(
        "Category",
        [ALL, *names],
        key=SessionKey.ROOMS_CATEGORY,
        format_func=lambda c: c or "All categories",
    )
    show_small = cols[2].checkbox("Show small rooms", key=SessionKey.ROOMS_SHOW_SMALL)
    page = rooms.page(
        actor=actor, search=search, category=category or "", include_small=show_small,
        limit=PAGE_SIZE,
    )
    summary = f"**{page.total}** room(s)"
    if page.total > len(page.rooms):
        summary += f", showing the {len(page.rooms)} biggest: refine the search to see others"
    if page.hidden_small and not show_small:
        summary += f"; {page.hidden_small} with fewer than {page.min_members} members hidden"
    st.markdown(summary)
    frame = pd.DataFrame(
        [
            {
                "Room": r.label,
                "Alias": r.canonical_alias,
                "Members": r.joined_members,
                "Invited": r.invited_members,
                "Categories": ", ".join(r.categories),
                "Keywords": ", ".join(r.keywords),
                "Topic": r.topic,
                "Encrypted": r.encrypted,
                "Bot power": rooms.power_label(r.bot_level),
                "Room ID": r.room_id,
            }
            for r in page.rooms
        ],
        columns=["Room", "Alias", "Members", "Invited", "Categories", "Keywords", "Topic",
                 "Encrypted", "Bot power", "Room ID"],
    )
    st.dataframe(frame, hide_index=True, width="stretch")
    return page.rooms


def _keep(action_notice: str) -> None:
    st.session_state[SessionKey.ROOMS_NOTICE] = action_notice
    st.session_state.pop(SessionKey.ROOMS_ERROR, None)
    st.session_state.pop(SessionKey.ROOMS_SYNC_RESULT, None)


@action(Role.ADMIN)
def _add_category(identity: Identity) -> None:
    try:
        name = st.session_state[SessionKey.ROOMS_NEW_CATEGORY]
        made = rooms.create_category(actor=identity.username, name=name)
    except DashboardError as err:
        st.session_state[SessionKey.ROOMS_ERROR] = err
    else:
        st.session_state[SessionKey.ROOMS_NEW_CATEGORY] = ""
        _keep(f"Category '{made.name}' added.")


@action(Role.ADMIN)
def _delete_category(identity: Identity) -> None:
    name = st.session_state.get(SessionKey.ROOMS_DELETE_CATEGORY)
    try:
        rooms.delete_category(actor=identity.username, name=name or "")
    except DashboardError as err:
        st.session_state[SessionKey.ROOMS_ERROR] = err
    else:
        _keep(f"Category '{name}' deleted and removed from its rooms.")


def _tag_editor(actor: str, shown: list[rooms.RoomView]) -> None:
    st.subheader("Categories and keywords")
    st.caption("Admins group rooms and add interest keywords; they drive search and room "
               "recommendations, and survive every sync.")
    show_notice(st.session_state.pop(SessionKey.ROOMS_NOTICE, None))
    names = [c.name for c in rooms.categories(actor=actor)]
    left, right = st.columns(2)
    with left, st.container(border=True):
        by_id = {r.room_id: r for r in shown}
        room_id = st.selectbox(
            "Room", list(by_id), key=SessionKey.ROOMS_EDIT_ROOM,
            format_func=lambda r: by_id[r].label if r in by_id else r,
            help="One of the rooms listed above.",
        )
        if room_id is not None and room_id in by_id:
            room = by_id[room_id]
            with st.form("rooms_tags"):
                # Unkeyed on purpose: another room means other defaults, hence fresh widgets.
                chosen = st.multiselect(
                    "Categories", names, default=list(room.categories), accept_new_options=True,
                    help="Pick existing ones or type a new name.",
                )
                words = st.text_input("Keywords", value=", ".join(room.keywords),
                                      help="Comma-separated, e.g. python, web, backend")
                if st.form_submit_button("Save tags", type="primary"):
                    try:
                        rooms.set_room_tags(actor=actor, room_id=room.room_id,
                                            categories=chosen, keywords=words)
                    except DashboardError as err:
                        st.session_state[SessionKey.ROOMS_ERROR] = err
                    else:
                        _keep(f"Tags of '{room.label}' saved.")
                    st.rerun()
    with right, st.container(border=True):
        with st.form("rooms_category_new", border=False):
            st.text_input("New category", key=SessionKey.ROOMS_NEW_CATEGORY)
            st.form_submit_button("Add category", on_click=_add_category)
        if names:
            st.selectbox("Category to delete", names, key=SessionKey.ROOMS_DELETE_CATEGORY)
            st.button("Delete category", key=SessionKey.ROOMS_DELETE, on_click=_delete_category)


def render() -> None:
    identity = require_page(__file__)
    st.title("Rooms")
    problem = rooms.matrix_problem()
    if problem is not None:
        show_unavailable(problem, meanwhile="Until then, Sync now is disabled and the directory "
                         "below shows what the last sync stored, if any.")
    _sync_section(identity, problem)
    show_scope(identity.username)
    shown = _directory(identity.username)
    if identity.is_admin:
        _tag_editor(identity.username, shown)


if __name__ == "__main__":
    render()
