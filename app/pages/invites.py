"""Invite links (admin): create single-use Authentik invite links, list them, revoke them."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from app.auth.identity import Identity
from app.services import invite_links, users
from app.ui.account_fields import authentik_groups
from app.ui.feedback import field_error, show_error, show_notice
from app.ui.guard import action, require_page
from app.ui.text import md
from app.utils.enums import Role
from app.utils.errors import DashboardError, FieldErrors, InputError
from app.utils.state import SessionKey as K

DEFAULT_DAYS = invite_links.DEFAULT_EXPIRY.days


@action(Role.ADMIN)
def _create(identity: Identity) -> None:
    state = st.session_state
    for key in (K.INVITES_ERRORS, K.INVITES_PROBLEM, K.INVITES_NEW, K.INVITES_NOTICE):
        state.pop(key, None)
    try:
        duration = invite_links.expiry_duration(
            days=int(state.get(K.INVITES_DAYS) or 0), hours=int(state.get(K.INVITES_HOURS) or 0)
        )
        invite = invite_links.create(
            actor=identity.username,
            label=state.get(K.INVITES_LABEL, ""),
            expires_in=duration,
            email=state.get(K.INVITES_EMAIL, ""),
            intended_groups=state.get(K.INVITES_GROUPS, []),
        )
    except InputError as err:
        state[K.INVITES_ERRORS] = {err.field: [err.message]}
        return
    except FieldErrors as err:  # Authentik's 400: "name" is the label we turned into a name
        renamed = {("label" if f == "name" else f): m for f, m in err.errors.items()}
        state[K.INVITES_ERRORS] = renamed
        return
    except DashboardError as err:
        state[K.INVITES_PROBLEM] = err
        return
    state[K.INVITES_NEW] = invite
    state[K.INVITES_LABEL] = state[K.INVITES_EMAIL] = ""
    state[K.INVITES_GROUPS] = []


@action(Role.ADMIN)
def _revoke(identity: Identity, listed: dict[str, invite_links.InviteLink]) -> None:
    state = st.session_state
    for key in (K.INVITES_PROBLEM, K.INVITES_NOTICE):
        state.pop(key, None)
    invite = listed.get(state.get(K.INVITES_REVOKE) or "")
    if invite is None:
        state[K.INVITES_PROBLEM] = InputError("invite", "choose an invite to revoke")
        return
    try:
        invite_links.revoke(actor=identity.username, pk=invite.pk, name=invite.name)
    except DashboardError as err:
        state[K.INVITES_PROBLEM] = err
        return
    state[K.INVITES_NOTICE] = f"Revoked '{invite.name}': its link no longer works."
    state[K.INVITES_REVOKE] = None
    new = state.get(K.INVITES_NEW)
    if new is not None and new.pk == invite.pk:
        state.pop(K.INVITES_NEW)


def _form(groups: list[users.GroupChoice]) -> None:
    errors = st.session_state.get(K.INVITES_ERRORS) or {}
    with st.form("invites_create", border=True):
        st.markdown("**New invite**")
        st.text_input(
            "Label",
            key=K.INVITES_LABEL,
            help="What the invite is for; it becomes the invitation's name (letters, digits, -).",
            placeholder="spring-meetup",
        )
        field_error(errors, "label")
        days, hours = st.columns(2)
        days.number_input(
            "Expires in (days)",
            0,
            30,
            DEFAULT_DAYS,
            step=1,
            key=K.INVITES_DAYS,
            help="Between 1 hour and 30 days in all. Each invite works once.",
        )
        hours.number_input("and hours", 0, 23, 0, step=1, key=K.INVITES_HOURS)
        field_error(errors, "expires")
        st.text_input("Email (optional)", key=K.INVITES_EMAIL, help="Pre-filled on sign-up")
        field_error(errors, "email")
        st.multiselect(
            "Intended groups (optional)",
            [g.name for g in groups],
            key=K.INVITES_GROUPS,
            help=(
                "Authentik cannot add memberships from an invitation: it keeps these names in "
                "the new account's attributes (invitation.groups), and the dashboard adds the "
                "account to the groups once it exists (a periodic job, or from the account's "
                "detail in the Users directory)."
            ),
        )
        st.form_submit_button("Create invite", type="primary", on_click=_create)
    other = {f: m for f, m in errors.items() if f not in ("label", "expires", "email")}
    if other:
        show_error(FieldErrors(other, "Authentik refused the invite"))


def _new_invite() -> None:
    """The link just created, outside the form, with st.code's copy button."""
    invite: invite_links.InviteLink | None = st.session_state.get(K.INVITES_NEW)
    if invite is None:
        return
    with st.container(border=True):
        st.success(f"Invite **{md(invite.name)}** created. Send this link:")
        st.code(invite.link or "", language=None)
        expires = f"{invite.expires:%Y-%m-%d %H:%M} UTC" if invite.expires else "never"
        for_whom = f" · for {md(invite.email)}" if invite.email else ""
        st.caption(f"Single use · expires {expires}{for_whom}")


def _listing() -> None:
    listed = invite_links.list_links()
    st.subheader(f"Invite links ({len(listed)})")
    if not listed:
        st.caption("No invitations in Authentik.")
        return
    now = datetime.now(UTC)
    frame = pd.DataFrame(
        [
            {
                "Name": i.name,
                "Expires (UTC)": i.expires.strftime("%Y-%m-%d %H:%M") if i.expires else "never",
                "Status": "expired" if i.is_expired(now) else "active",
                "Created by": i.invited_by or "",  # the dashboard user, when made here
                "Authentik account": i.created_by or "",  # Authentik's record: the token's
                "Email": i.email or "",
                "Intended groups": ", ".join(i.intended_groups),
                "Single use": i.single_use,
                "Link": i.link or "(no flow)",
            }
            for i in listed
        ]
    )
    st.dataframe(frame, hide_index=True, width="stretch")
    st.caption(
        "Created by: the dashboard user who made the invite. Authentik records every "
        "invitation as made by the API token's account (Authentik account)."
    )
    by_pk = {i.pk: i for i in listed}
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    left.selectbox(
        "Invite to revoke",
        list(by_pk),
        index=None,
        key=K.INVITES_REVOKE,
        format_func=lambda pk: (
            f"{by_pk[pk].name} · {pk[:8]} · by {by_pk[pk].invited_by or by_pk[pk].created_by}"
        ),
        placeholder="Choose an invite",
    )
    right.button(
        "Revoke", on_click=_revoke, args=(by_pk,), icon=":material/block:", type="secondary"
    )


def render() -> None:
    require_page(__file__)
    st.title("Invite links")
    st.caption("Single-use links to Authentik's enrollment flow.")
    groups = authentik_groups()
    if groups is None:
        return
    if problem := st.session_state.get(K.INVITES_PROBLEM):
        show_error(problem)
    show_notice(st.session_state.get(K.INVITES_NOTICE))
    left, right = st.columns([2, 3])
    with left:
        _form(groups)
    with right:
        _new_invite()
    try:
        _listing()
    except DashboardError as err:
        show_error(err)


if __name__ == "__main__":
    render()
