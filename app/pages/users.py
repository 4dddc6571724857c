"""Users directory (admin): search Authentik's users, act on a selection, export as CSV.

A selection is a list of row positions in the table on screen, so the page keeps the rows it
showed (USERS_SHOWN) while anything is selected: a refetch in between could move other users
under those positions. Changing a filter or the page clears the selection. With nothing
selected, the rows are kept across reruns while fresh (app.ui.kept): one Authentik request per
page view.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from app.auth.identity import Identity
from app.services import undo, users
from app.services.users import (
    LABELS,
    NEEDS_GROUP,
    BulkAction,
    GroupChoice,
    Selected,
    UserPage,
    UserQuery,
    UserRow,
)
from app.ui import account_fields, approval_view, undo_view, user_detail
from app.ui.account_fields import authentik_groups
from app.ui.case_link import case_link
from app.ui.feedback import field_error, show_error
from app.ui.guard import action, require_page, ui_only
from app.ui.journey_view import new_submission_id
from app.ui.kept import kept_read
from app.ui.text import md
from app.utils.enums import Role
from app.utils.errors import DashboardError, InputError
from app.utils.state import SessionKey as K

ACTIVE = {"any": None, "active": True, "inactive": False}
ACTIVE_LABELS = {"any": "Active and inactive", "active": "Active only", "inactive": "Inactive only"}
NO_SELECTION: dict[str, Any] = {"selection": {"rows": [], "columns": [], "cells": []}}


def _clear_selection() -> None:
    st.session_state[K.USERS_TABLE] = NO_SELECTION
    st.session_state.pop(K.USERS_SHOWN, None)
    st.session_state.pop(K.USERS_INTENDED_RESULT, None)


@ui_only
def _filters_changed() -> None:
    st.session_state[K.USERS_PAGE] = 1
    _clear_selection()


@ui_only
def _go(delta: int) -> None:
    _go_to(int(st.session_state.get(K.USERS_PAGE, 1)) + delta)


@ui_only
def _go_to(number: int) -> None:
    """First, last, or page N: one action. Past the end, the service serves the last page."""
    st.session_state[K.USERS_PAGE] = max(1, number)
    _clear_selection()


@ui_only
def _jump() -> None:
    _go_to(int(st.session_state.get(K.USERS_PAGE_JUMP) or 1))


@st.cache_data(ttl=600, show_spinner=False)
def _page_sizes() -> tuple[int, ...]:
    """The sizes Authentik honours (its page size cap changes rarely)."""
    return users.page_sizes()


def _query() -> UserQuery:
    state = st.session_state
    return UserQuery(
        search=state.get(K.USERS_SEARCH, ""),
        active=ACTIVE[state.get(K.USERS_ACTIVE, "any")],
        group_pk=state.get(K.USERS_GROUP),
        ordering=state.get(K.USERS_ORDERING, "username"),
    )


def _filters(groups: list[GroupChoice]) -> None:
    names = {g.pk: g.name for g in groups}
    cols = st.columns([3, 2, 2, 2, 1])
    cols[0].text_input(
        "Search",
        key=K.USERS_SEARCH,
        on_change=_filters_changed,
        placeholder="Username, name or email",
    )
    cols[1].selectbox(
        "Status",
        list(ACTIVE),
        key=K.USERS_ACTIVE,
        format_func=ACTIVE_LABELS.__getitem__,
        on_change=_filters_changed,
    )
    cols[2].selectbox(
        "Group",
        list(names),
        index=None,
        key=K.USERS_GROUP,
        format_func=names.__getitem__,
        placeholder="Any group",
        on_change=_filters_changed,
    )
    cols[3].selectbox(
        "Order",
        list(users.ORDERINGS),
        key=K.USERS_ORDERING,
        format_func=users.ORDERINGS.__getitem__,
        on_change=_filters_changed,
    )
    sizes = _page_sizes()
    if st.session_state.get(K.USERS_PAGE_SIZE) not in sizes:  # before the widget exists
        st.session_state[K.USERS_PAGE_SIZE] = min(sizes, key=lambda n: abs(n - 50))
    cols[4].selectbox(
        "Per page",
        sizes,
        key=K.USERS_PAGE_SIZE,
        on_change=_filters_changed,
        help="Only sizes Authentik serves in full (its page size setting caps the rest).",
    )


def _shown(query: UserQuery) -> UserPage:
    """The page on screen: kept while rows are selected (whatever its age) or while fresh,
    else fetched from Authentik. Past the end, Authentik's last page is shown."""
    state = st.session_state
    view = (query, int(state.get(K.USERS_PAGE, 1)), int(state.get(K.USERS_PAGE_SIZE, 50)))
    result = kept_read(
        K.USERS_SHOWN, view,
        lambda: users.page(query=query, page=view[1], page_size=view[2]),
        hold=bool(_selected_rows()),
    )
    if result.page != view[1]:  # past the end: keep it under the page it really is
        state[K.USERS_PAGE] = result.page
        state[K.USERS_SHOWN] = ((query, result.page, view[2]), *state[K.USERS_SHOWN][1:])
    return result


def _selected_rows() -> list[int]:
    table = st.session_state.get(K.USERS_TABLE) or NO_SELECTION
    return list(table["selection"]["rows"])


def _table(result: UserPage) -> list[UserRow]:
    frame = pd.DataFrame(
        [
            {
                "Username": r.username,
                "Name": r.name,
                "Email": r.email or "",
                "Active": r.is_active,
                "Groups": ", ".join(r.groups),
                "Last login": r.last_login,
                "Joined": r.date_joined,
            }
            for r in result.rows
        ],
        columns=["Username", "Name", "Email", "Active", "Groups", "Last login", "Joined"],
    )
    st.dataframe(
        frame,
        key=K.USERS_TABLE,
        on_select="rerun",
        selection_mode="multi-row",
        hide_index=True,
        width="stretch",
    )
    return [result.rows[i] for i in _selected_rows() if 0 <= i < len(result.rows)]


def _pager(result: UserPage) -> None:
    """The true row range, and first / previous / page N / next / last, each one action."""
    st.session_state[K.USERS_PAGE_JUMP] = result.page  # before the widget exists
    cols = st.columns([5, 1, 1, 1, 1, 1], vertical_alignment="bottom")
    cols[0].markdown(
        f"**{result.total}** users match · showing {result.first}-{result.last} · "
        f"page {result.page} of {result.pages}"
    )
    if result.capped:
        cols[0].caption(f"Authentik serves at most {result.page_size} users per page.")
    at_start, at_end = result.page <= 1, result.page >= result.pages
    cols[1].button("First", on_click=_go_to, args=(1,), disabled=at_start,
                   icon=":material/first_page:", width="stretch")
    cols[2].button("Previous", on_click=_go, args=(-1,), disabled=at_start,
                   icon=":material/chevron_left:", width="stretch")
    cols[3].number_input("Page", min_value=1, max_value=result.pages, step=1,
                         key=K.USERS_PAGE_JUMP, on_change=_jump)
    cols[4].button("Next", on_click=_go, args=(1,), disabled=at_end,
                   icon=":material/chevron_right:", width="stretch")
    cols[5].button("Last", on_click=_go_to, args=(result.pages,), disabled=at_end,
                   icon=":material/last_page:", width="stretch")


@action(Role.ADMIN)
def _request_bulk(
    _identity: Identity, selected: list[UserRow], groups: dict[str, GroupChoice]
) -> None:
    """Button callback: check the request, then leave it for the run (which shows progress)."""
    state = st.session_state
    state.pop(K.USERS_BULK_ERRORS, None)
    chosen = [Selected(r.pk, r.username) for r in selected]
    group = groups.get(state.get(K.USERS_BULK_GROUP) or "")
    action = state.get(K.USERS_BULK_ACTION, BulkAction.DEACTIVATE)
    confirm = state.get(K.USERS_BULK_CONFIRM, "")
    try:
        chosen_action = users.check_bulk(action=action, users=chosen, group=group,
                                         confirm=confirm)
        if users.approval_rule(chosen_action, len(chosen)):  # two-person rule: ask instead
            asked = users.request_bulk(
                actor=_identity.username, action=chosen_action, users=chosen, group=group,
                confirm=confirm, submission_id=state.setdefault(K.USERS_BULK_SUBMISSION,
                                                                new_submission_id()))
            state[K.USERS_APPROVAL] = asked.id
            state.pop(K.USERS_BULK_SUBMISSION, None)  # the next request is a new one
            state[K.USERS_BULK_CONFIRM] = ""
            _clear_selection()
            return
    except InputError as err:
        state[K.USERS_BULK_ERRORS] = {err.field: [err.message]}
        return
    except DashboardError as err:
        state[K.USERS_BULK_ERRORS] = {"action": [str(err)]}
        return
    state[K.USERS_BULK_PENDING] = {
        "action": action,
        "users": chosen,
        "group": group,
        "confirm": confirm,
    }
    state[K.USERS_BULK_CONFIRM] = ""
    _clear_selection()


def _bulk_bar(selected: list[UserRow], groups: list[GroupChoice]) -> None:
    state = st.session_state
    errors = state.get(K.USERS_BULK_ERRORS) or {}
    by_pk = {g.pk: g for g in groups}
    with st.container(border=True):
        st.markdown(
            f"**{len(selected)} selected**: " + ", ".join(md(r.username) for r in selected)
        )
        cols = st.columns([2, 2, 2, 1], vertical_alignment="bottom")
        action = cols[0].selectbox(
            "Action", list(BulkAction), key=K.USERS_BULK_ACTION, format_func=LABELS.__getitem__
        )
        if action in NEEDS_GROUP:
            cols[1].selectbox(
                "Group",
                list(by_pk),
                index=None,
                key=K.USERS_BULK_GROUP,
                format_func=lambda pk: by_pk[pk].name,
                placeholder="Choose a group",
            )
        if action is BulkAction.DELETE:
            cols[2].text_input(
                f"Type DELETE or {len(selected)} to confirm", key=K.USERS_BULK_CONFIRM
            )
        why = users.approval_rule(BulkAction(action or BulkAction.ACTIVATE), len(selected))
        cols[3].button(
            "Ask a second admin" if why else "Run",
            type="primary",
            on_click=_request_bulk,
            args=(selected, by_pk),
            width="stretch",
        )
        for field in ("group", "confirm", "selection", "action"):
            field_error(errors, field)
        approval_view.will_wait(why)


def _run_pending(actor: str) -> None:
    """Run the bulk action the button asked for, with a progress bar, and keep the results."""
    pending = st.session_state.pop(K.USERS_BULK_PENDING, None)
    if pending is None:
        return
    action, chosen = BulkAction(pending["action"]), pending["users"]
    with st.status(f"{LABELS[action]}: {len(chosen)} users…", expanded=True) as status:
        bar = st.progress(0.0)
        try:
            outcomes = users.bulk(
                actor=actor,
                action=action,
                users=chosen,
                group=pending["group"],
                confirm=pending["confirm"],
                progress=lambda done, total: bar.progress(done / total, f"{done} of {total}"),
            )
        except DashboardError as err:
            status.update(label=f"{LABELS[action]}: not done", state="error")
            show_error(err)
            return
        failed = sum(not o.ok for o in outcomes)
        label = f"{LABELS[action]}: {len(outcomes) - failed} done, {failed} failed"
        status.update(label=label, state="error" if failed else "complete", expanded=False)
    st.session_state[K.USERS_BULK_RESULTS] = (action, outcomes)


@ui_only
def _clear_results() -> None:
    st.session_state.pop(K.USERS_BULK_RESULTS, None)


def _results() -> None:
    kept = st.session_state.get(K.USERS_BULK_RESULTS)
    if kept is None:
        return
    action, outcomes = kept
    failed = sum(not o.ok for o in outcomes)
    with st.container(border=True):
        head = st.columns([4, 1])
        head[0].markdown(f"**{LABELS[action]}**: {len(outcomes) - failed} done, {failed} failed")
        head[1].button("Clear", on_click=_clear_results)
        frame = pd.DataFrame(
            [{"User": o.username, "Result": o.status, "Reason": o.reason} for o in outcomes],
            columns=["User", "Result", "Reason"],
        )
        st.dataframe(frame, hide_index=True, width="stretch")
        links = [o for o in outcomes if o.recovery_link]
        if links:
            st.caption(
                "One-time recovery links: send each to its person privately. "
                + account_fields.recovery_lifetime()
            )
        for outcome in links:
            st.markdown(f"**{md(outcome.username)}**")
            st.code(outcome.recovery_link, language=None)
        if outcomes and outcomes[0].batch is not None and not links:
            undo_view.panel(undo.BATCH, outcomes[0].batch, prefix="users")


def _export(actor: str, query: UserQuery) -> None:
    st.subheader("Export")
    if st.button("Export the matching users as CSV", icon=":material/table_view:"):
        bar = st.progress(0.0, "Reading users from Authentik…")

        def progress(done: int, total: int) -> None:
            bar.progress(done / total if total else 1.0, f"{done} of {total} users")

        try:
            export = users.export_csv(actor=actor, query=query, progress=progress)
        except DashboardError as err:
            show_error(err)
            return
        st.session_state[K.USERS_EXPORT] = (query, export)
    kept = st.session_state.get(K.USERS_EXPORT)
    if kept is not None and kept[0] == query:
        st.download_button(
            f"Download CSV ({kept[1].rows} users)",
            data=kept[1].text.encode(),
            file_name="authentik-users.csv",
            mime="text/csv",
            on_click="ignore",
            icon=":material/download:",
        )


def render() -> None:
    identity = require_page(__file__)
    st.title("Users directory")
    groups = authentik_groups()
    if groups is None:
        return
    _filters(groups)
    _run_pending(identity.username)
    _results()
    approval_view.status_box(st.session_state.get(K.USERS_APPROVAL))
    query = _query()
    try:
        result = _shown(query)
    except DashboardError as err:
        show_error(err)
        return
    # Below the table: the table's toolbar, shown on hover, covers what sits just above it.
    selected = _table(result)
    _pager(result)
    try:
        if len(selected) == 1:
            case_link(username=selected[0].username)
            user_detail.show(selected[0].pk, selected[0].username)
    except DashboardError as err:
        show_error(err)
    if selected:
        _bulk_bar(selected, groups)
    else:
        st.caption("Select rows in the table to act on them.")
    _export(identity.username, query)


if __name__ == "__main__":
    render()
