"""Moderators (admin): who moderates, their Matrix ID, the room categories a moderator is limited
to (their scope), and their power level in chosen rooms."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.auth.identity import Identity
from app.services import accounts, moderators, rooms
from app.services.outcomes import describe_outcome
from app.ui.feedback import disabled_help, show_error, show_notice, show_unavailable
from app.ui.guard import action, require_page
from app.ui.text import md
from app.utils.enums import Role
from app.utils.errors import DashboardError
from app.utils.state import SessionKey as K


@action(Role.ADMIN)
def _link(identity: Identity, account: accounts.AccountView) -> None:
    st.session_state.pop(K.MODERATORS_PROBLEM, None)
    try:
        user = moderators.link_matrix_id(
            actor=identity.username,
            account_id=account.id,
            matrix_user_id=st.session_state[K.MODERATORS_MATRIX_ID],
        )
    except DashboardError as err:
        st.session_state[K.MODERATORS_PROBLEM] = err
        return
    st.session_state[K.MODERATORS_NOTICE] = (
        f"{account.username} acts as {user} in rooms."
        if user
        else f"{account.username} has no Matrix ID now."
    )


@action(Role.ADMIN)
def _set_role(identity: Identity, account: accounts.AccountView, role: str) -> None:
    st.session_state.pop(K.MODERATORS_PROBLEM, None)
    try:
        accounts.set_role(actor=identity.username, account_id=account.id, role=role)
    except DashboardError as err:
        st.session_state[K.MODERATORS_PROBLEM] = err
        return
    st.session_state[K.MODERATORS_NOTICE] = f"{account.username} is now {role}."


@action(Role.ADMIN)
def _set_power(identity: Identity, matrix_user_id: str, level: int) -> None:
    """Take the change (checked as an admin's now); this run makes it, with progress."""
    state = st.session_state
    state.pop(K.MODERATORS_PROBLEM, None)
    state.pop(K.MODERATORS_RESULT, None)
    chosen = list(state.get(K.MODERATORS_ROOMS, []))
    for category in state.get(K.MODERATORS_CATEGORIES, []):
        chosen += [r.room_id for r in rooms.listed_rooms(actor=identity.username,
                                                         category=category)]
    state[K.MODERATORS_CHANGE] = (matrix_user_id, list(dict.fromkeys(chosen)), level)


def _apply_power(actor: str) -> None:
    """The change `_set_power` took, room by room under a progress bar."""
    state = st.session_state
    if (change := state.pop(K.MODERATORS_CHANGE, None)) is None:
        return
    matrix_user_id, room_ids, level = change
    with st.status(f"Setting power level {level} in {len(room_ids)} room(s)…",
                   expanded=True) as status:
        bar = st.progress(0.0, text="Starting…")
        try:
            outcomes = moderators.set_room_power(
                actor=actor, matrix_user_id=matrix_user_id, room_ids=room_ids, level=level,
                on_progress=lambda p: bar.progress(p.fraction, text=p.text),
            )
        except DashboardError as err:
            status.update(label="Nothing was changed", state="error")
            show_error(err)
            state[K.MODERATORS_PROBLEM] = err  # and at the top on the next run
            return
        status.update(label=f"Power level {level}: done", state="complete", expanded=False)
    state[K.MODERATORS_RESULT] = (level, outcomes)


@action(Role.ADMIN)
def _set_scope(identity: Identity, account: accounts.AccountView) -> None:
    st.session_state.pop(K.MODERATORS_PROBLEM, None)
    try:
        scope = rooms.set_scope(actor=identity.username, account_id=account.id,
                                categories=st.session_state.get(K.MODERATORS_SCOPE) or [])
    except DashboardError as err:
        st.session_state[K.MODERATORS_PROBLEM] = err
        return
    st.session_state[K.MODERATORS_NOTICE] = (
        f"{account.username} now sees and acts only in {scope.describe()}." if scope.limited
        else f"{account.username} is unscoped: every room the bot moderates."
    )


def _scope_words(account: accounts.AccountView, scoped: dict[int, tuple[str, ...]]) -> str:
    if account.role != Role.MODERATOR:
        return "every room (admins are never scoped)"
    return ", ".join(scoped[account.id]) if account.id in scoped else "every room (unscoped)"


def _table(
    rows: list[accounts.AccountView], linked: dict[int, str],
    scoped: dict[int, tuple[str, ...]],
) -> None:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Username": a.username,
                    "Name": a.display_name,
                    "Role": a.role,
                    "Active": a.is_active,
                    "Matrix ID": linked.get(a.id, ""),
                    "Rooms": _scope_words(a, scoped),
                }
                for a in rows
            ]
        ),
        hide_index=True,
        width="stretch",
    )


def _scope_section(actor: str, account: accounts.AccountView) -> None:
    st.markdown(f"**Rooms {md(account.username)} moderates**")
    if account.role != Role.MODERATOR:
        st.caption("Admins are never scoped: they see and act in every room.")
        return
    names = [c.name for c in rooms.categories(actor=actor)]
    if not names:
        st.caption("No room categories yet: add them on the Rooms page to scope moderators.")
        return
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    left.multiselect(
        "Room categories", names, key=K.MODERATORS_SCOPE, placeholder="None: every room",
        help="Empty means unscoped: this moderator sees and acts in every room the bot "
             "moderates. With categories, only in rooms of those categories (a room in no "
             "category is outside every scope).",
    )
    right.button("Save room categories", on_click=_set_scope, args=(account,),
                 icon=":material/filter_alt:")
    chosen = st.session_state.get(K.MODERATORS_SCOPE) or []
    st.caption(f"Limited to rooms of: {md(', '.join(chosen))}." if chosen else
               "Unscoped: this moderator sees and acts in every room the bot moderates.")


def _power_section(actor: str, matrix_user_id: str) -> None:
    st.markdown(f"**Power level of {md(matrix_user_id)} in rooms**")
    labels = {r.room_id: r.label for r in rooms.listed_rooms(actor=actor)}
    if not labels:
        st.caption("No rooms yet: sync them on the Rooms page.")
        return
    st.multiselect("Rooms", list(labels), key=K.MODERATORS_ROOMS, format_func=labels.__getitem__)
    st.multiselect(
        "All rooms of these categories",
        [c.name for c in rooms.categories(actor=actor)],
        key=K.MODERATORS_CATEGORIES,
    )
    level = st.number_input(
        "Power level",
        min_value=0,
        max_value=moderators.MAX_LEVEL,
        value=moderators.MODERATOR_LEVEL,
        step=10,
        key=K.MODERATORS_LEVEL,
        help="50 is the usual moderator level; 0 takes the power away.",
    )
    st.button(
        "Set power level",
        type="primary",
        on_click=_set_power,
        args=(matrix_user_id, int(level)),
        icon=":material/shield_person:",
    )
    _apply_power(actor)
    if result := st.session_state.get(K.MODERATORS_RESULT):
        wanted, outcomes = result
        ok = sum(1 for o in outcomes if o.ok)
        (st.success if ok == len(outcomes) else st.warning)(
            f"Power level {wanted} set in {ok} of {len(outcomes)} room(s)."
        )
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Room": labels.get(o.room_id, o.room_id),
                        "Result": describe_outcome(o, done=f"set to {wanted}"),
                    }
                    for o in outcomes
                ]
            ),
            hide_index=True,
            width="stretch",
        )


def render() -> None:
    identity = require_page(__file__)
    st.title("Moderators")
    st.caption(
        "Promote people to moderator (or admin), link their Matrix account, and give "
        "them moderator power in the rooms they look after."
    )
    if problem := st.session_state.get(K.MODERATORS_PROBLEM):
        show_error(problem)
    show_notice(st.session_state.pop(K.MODERATORS_NOTICE, None))
    rows = accounts.list_accounts()
    linked = moderators.linked_matrix_ids()
    scoped = rooms.scopes_by_account()
    _table(rows, linked, scoped)
    by_name = {a.username: a for a in rows}
    name = st.selectbox("Account", list(by_name), key=K.MODERATORS_ACCOUNT)
    if name is None:
        return
    account = by_name[name]
    cols = st.columns(2)
    for col, role, label in ((cols[0], Role.MODERATOR, "Make moderator"),
                             (cols[1], Role.ADMIN, "Make admin")):
        already = f"{account.username} is {role} already." if account.role == role else None
        col.button(label, disabled=already is not None, help=disabled_help(already),
                   on_click=_set_role, args=(account, role))
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    if st.session_state.get(K.MODERATORS_FOR) != account.id:  # a new account: show its ID
        st.session_state[K.MODERATORS_MATRIX_ID] = linked.get(account.id, "")
        st.session_state[K.MODERATORS_SCOPE] = list(scoped.get(account.id, ()))
        st.session_state[K.MODERATORS_FOR] = account.id
        st.session_state.pop(K.MODERATORS_RESULT, None)
    left.text_input("Matrix user ID", key=K.MODERATORS_MATRIX_ID, placeholder="@name:example.org")
    right.button("Save Matrix ID", on_click=_link, args=(account,))
    _scope_section(identity.username, account)
    _power_levels(identity.username, account, linked.get(account.id))


def _power_levels(actor: str, account: accounts.AccountView, matrix_user_id: str | None) -> None:
    """The power-level section, or why it is not shown."""
    if (problem := rooms.matrix_problem()) is not None:
        show_unavailable(problem, meanwhile="Until then, power levels in rooms cannot be set "
                         "here.")
    elif not matrix_user_id:
        st.caption(f"Power levels in rooms: save {md(account.username)}'s Matrix user ID "
                   "above first.")
    else:
        _power_section(actor, matrix_user_id)


if __name__ == "__main__":
    render()
