"""One Authentik user's detail in the Users directory: fields, groups, attributes, and what
their invite link carried (who made it; intended groups, pending ones with "Add to these groups
now")."""

from __future__ import annotations

from typing import Any

import streamlit as st

from app.auth.identity import Identity
from app.services import users
from app.services.users import UserDetail
from app.ui.guard import action
from app.ui.text import md
from app.utils.enums import Role
from app.utils.errors import DashboardError
from app.utils.state import SessionKey as K


def show(pk: int, username: str) -> None:
    """The user's detail in an expander; the page shows it for a single selected row."""
    with st.expander(f"{md(username)}: details", expanded=True):
        detail = users.user_detail(pk=pk)
        left, right = st.columns(2)
        left.markdown(
            f"**{md(detail.name or detail.username)}** ({md(detail.username)}, pk {detail.pk})  \n"
            f"Email: {md(detail.email or 'none')}  \n"
            f"Status: {'active' if detail.is_active else 'inactive'}"
            f"{' · superuser' if detail.is_superuser else ''} · type {md(detail.type)}  \n"
            f"Path: {md(detail.path)}  \nGroups: {md(', '.join(detail.groups) or 'none')}"
        )
        _invitation(left, detail)
        right.markdown("**Attributes**")
        right.json(detail.attributes, expanded=True)


def _invitation(box: Any, detail: UserDetail) -> None:
    """What the account's invite link carried: who made it, and its intended groups."""
    note = detail.invitation
    if not (note.groups or note.by):
        return
    made = f"Invited with '{md(note.name)}'" if note.name else "Invited"
    made += f" by {md(note.by)} (dashboard)" if note.by else ""
    box.markdown(f"{made}.")
    if not note.groups:
        return
    pending = detail.pending_groups
    if note.applied is not None:
        box.caption(f"Intended groups applied: {md(', '.join(note.groups))}.")
    elif not pending:
        box.caption(f"Intended groups: {md(', '.join(note.groups))} (already a member).")
    else:
        box.warning(
            f"Intended groups not applied yet: **{md(', '.join(pending))}**. The dashboard "
            "applies them by itself within minutes; or now:",
            icon=":material/group_add:",
        )
        box.button(
            "Add to these groups now",
            key=f"users_intended_{detail.pk}",
            on_click=_apply_intended,
            args=(detail.pk,),
            icon=":material/group_add:",
        )
    if result := st.session_state.get(K.USERS_INTENDED_RESULT):
        box.caption(md(result))


@action(Role.ADMIN)
def _apply_intended(identity: Identity, pk: int) -> None:
    try:
        outcome = users.intended_groups.apply(actor=identity.username, pk=pk)
    except DashboardError as err:
        st.session_state[K.USERS_INTENDED_RESULT] = f"Not applied: {err}"
        return
    words = [f"added to {', '.join(outcome.added)}" if outcome.added else "nothing to add"]
    if outcome.missing:
        words.append(f"no such group yet: {', '.join(outcome.missing)}")
    if outcome.refused:
        words.append(f"superuser groups are never applied: {', '.join(outcome.refused)}")
    st.session_state[K.USERS_INTENDED_RESULT] = f"{outcome.username}: {'; '.join(words)}."
