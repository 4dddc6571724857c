"""Invite links (admin): create single-use Authentik invite links, list them, revoke them."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from app.auth.identity import Identity
from app.services import emails, invite_links, users
from app.ui import email_view
from app.ui.account_fields import authentik_groups
from app.ui.feedback import field_error, show_error, show_notice, show_unavailable
from app.ui.guard import action, require_page
from app.ui.journey_view import new_submission_id
from app.ui.kept import kept_read
from app.ui.text import md
from app.utils.enums import EmailKind, Role
from app.utils.errors import DashboardError, FieldErrors, InputError, NotConfigured
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
    state[K.INVITES_MAIL_INVITE], state[K.INVITES_MAIL_TO] = invite.pk, invite.email or ""
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


@action(Role.ADMIN)
def _send_email(identity: Identity, active: dict[str, invite_links.InviteLink]) -> None:
    """Queue the emails and return at once: the engine sends them; the table shows each."""
    state = st.session_state
    for key in (K.INVITES_MAIL_ERRORS, K.INVITES_MAIL_PROBLEM, K.INVITES_MAIL_NOTICE):
        state.pop(key, None)
    invite = active.get(state.get(K.INVITES_MAIL_INVITE) or "")
    if invite is None:
        state[K.INVITES_MAIL_ERRORS] = {"invite": ["choose an invite that still works"]}
        return
    try:
        queued = emails.send_invite(
            actor=identity.username, invite_pk=invite.pk, invite_name=invite.name,
            addresses=state.get(K.INVITES_MAIL_TO, ""),
            submission_id=state[K.INVITES_MAIL_SUBMISSION],
        )
    except InputError as err:
        state[K.INVITES_MAIL_ERRORS] = {err.field: [err.message]}
        return
    except DashboardError as err:
        state[K.INVITES_MAIL_PROBLEM] = err
        return
    state[K.INVITES_MAIL_NOTICE] = (
        f"'{invite.name}' goes by email to {len(queued)} address(es) in the background: "
        "each one's outcome shows below."
    )


def _email(listed: list[invite_links.InviteLink]) -> None:
    """Send by email: an active invite to one or more addresses; then each one's outcome."""
    st.subheader("Send by email")
    try:
        emails.require_smtp()
    except NotConfigured as err:
        show_unavailable(err, meanwhile="Until then, send an invite by copying its link.")
        return
    state = st.session_state
    state.setdefault(K.INVITES_MAIL_SUBMISSION, new_submission_id())
    errors = state.get(K.INVITES_MAIL_ERRORS) or {}
    active = {i.pk: i for i in listed if i.link and not i.is_expired()}
    with st.form("invites_mail", border=True):
        st.selectbox("Invite to send", list(active), index=None, key=K.INVITES_MAIL_INVITE,
                     format_func=lambda pk: f"{active[pk].name} · {pk[:8]}",
                     placeholder="Choose an invite")
        field_error(errors, "invite")
        st.text_area("Email addresses", key=K.INVITES_MAIL_TO, height=80,
                     help="One or more, separated by commas or new lines; each gets the link "
                          "(the 'Email, invite link' templates) once per visit of this page: "
                          "reload to send to an address again. A single-use link works once.")
        field_error(errors, emails.ADDRESSES_FIELD)
        st.form_submit_button("Send by email", on_click=_send_email, args=(active,),
                              icon=":material/mail:")
    if problem := state.get(K.INVITES_MAIL_PROBLEM):
        show_error(problem)
    show_notice(state.get(K.INVITES_MAIL_NOTICE))
    sent = emails.recent(kind=EmailKind.INVITE, limit=20)
    if sent:
        st.button("Refresh", key="invites_mail_refresh", icon=":material/refresh:")
        email_view.deliveries_table(sent)


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


def _listing() -> list[invite_links.InviteLink]:
    listed = kept_read(K.INVITES_LISTED, "all", invite_links.list_links)
    st.subheader(f"Invite links ({len(listed)})")
    if not listed:
        st.caption("No invitations in Authentik.")
        return listed
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
    return listed


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
        listed = _listing()
    except DashboardError as err:
        show_error(err)
        return
    _email(listed)


if __name__ == "__main__":
    render()
