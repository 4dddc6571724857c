"""Accounts (admin): dashboard logins — create, deactivate, reset password, role, sessions."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from app.auth.identity import Identity
from app.services import accounts, lockouts
from app.ui.feedback import show_error, show_notice
from app.ui.guard import action, require_page
from app.ui.text import md
from app.utils.enums import AuthSource, Role
from app.utils.errors import DashboardError, InputError
from app.utils.state import SessionKey

NEW = "accounts_new_"  # prefix of the create form's widget keys
RESET = "accounts_reset_"


def _run(work: Callable[[], str]) -> None:
    """Run a service call from a callback; keep its notice or error for this rerun."""
    st.session_state.pop(SessionKey.ACCOUNTS_ERROR, None)
    st.session_state.pop(SessionKey.ACCOUNTS_NOTICE, None)
    try:
        st.session_state[SessionKey.ACCOUNTS_NOTICE] = work()
    except DashboardError as err:
        st.session_state[SessionKey.ACCOUNTS_ERROR] = err


@action(Role.ADMIN)
def _create(identity: Identity) -> None:
    state = st.session_state

    def work() -> str:
        password, confirm = state[f"{NEW}password"], state[f"{NEW}confirm"]
        state[f"{NEW}password"] = state[f"{NEW}confirm"] = ""
        if password != confirm:
            raise InputError("Confirm password", "does not match the password")
        created = accounts.create_account(
            actor=identity.username,
            username=state[f"{NEW}username"],
            password=password,
            role=state[f"{NEW}role"],
            display_name=state[f"{NEW}display"],
        )
        state[f"{NEW}username"] = state[f"{NEW}display"] = ""
        return f"Created {created.role} account '{created.username}'."

    _run(work)


@action(Role.ADMIN)
def _reset(identity: Identity, account: accounts.AccountView) -> None:
    state = st.session_state

    def work() -> str:
        password, confirm = state[f"{RESET}password"], state[f"{RESET}confirm"]
        state[f"{RESET}password"] = state[f"{RESET}confirm"] = ""
        if password != confirm:
            raise InputError("Confirm new password", "does not match the new password")
        accounts.reset_password(
            actor=identity.username, account_id=account.id, new_password=password
        )
        return f"New password set for '{account.username}'; their sessions were ended."

    _run(work)


def _table(rows: list[accounts.AccountView]) -> None:
    frame = pd.DataFrame(
        [
            {
                "Username": a.username,
                "Name": a.display_name,
                "Role": a.role,
                "Active": a.is_active,
                "Login": "SSO" if a.auth_source == AuthSource.OIDC else "password",
                "Last login": a.last_login_at,
                "Live sessions": a.live_sessions,
                "Created": a.created_at,
            }
            for a in rows
        ]
    )
    st.dataframe(frame, hide_index=True, width="stretch")


def _create_form() -> None:
    with st.form("accounts_create", border=True):
        st.markdown("**Create an account**")
        left, right = st.columns(2)
        left.text_input(
            "Username", key=f"{NEW}username", help="Lowercase letters, digits, . _ @ + -"
        )
        right.text_input("Display name", key=f"{NEW}display")
        st.selectbox("Role", list(Role), index=1, key=f"{NEW}role")
        left, right = st.columns(2)
        left.text_input(
            "Password",
            type="password",
            key=f"{NEW}password",
            help="At least 12 characters.",
            autocomplete="new-password",
        )
        right.text_input(
            "Confirm password", type="password", key=f"{NEW}confirm", autocomplete="new-password"
        )
        st.form_submit_button("Create account", type="primary", on_click=_create)


def _manage(rows: list[accounts.AccountView]) -> None:
    st.markdown("**Change an account**")
    by_name = {a.username: a for a in rows}
    name = st.selectbox("Account", list(by_name), key=SessionKey.ACCOUNTS_SELECTED)
    if name is None:
        return
    account = by_name[name]
    cols = st.columns(3)
    if account.is_active:
        cols[0].button(
            "Deactivate", key="accounts_deactivate", on_click=_set_active, args=(account, False)
        )
    else:
        cols[0].button(
            "Activate", key="accounts_activate", on_click=_set_active, args=(account, True)
        )
    other_role = Role.MODERATOR if account.role == Role.ADMIN else Role.ADMIN
    cols[1].button(
        f"Make {other_role}", key="accounts_role", on_click=_set_role, args=(account, other_role)
    )
    cols[2].button(
        f"End sessions ({account.live_sessions})",
        key="accounts_revoke",
        on_click=_revoke,
        args=(account,),
    )
    if account.auth_source == AuthSource.LOCAL:
        with st.form("accounts_reset"):
            st.markdown(f"Reset the password of **{md(account.username)}**")
            left, right = st.columns(2)
            left.text_input(
                "New password", type="password", key=f"{RESET}password", autocomplete="new-password"
            )
            right.text_input(
                "Confirm new password",
                type="password",
                key=f"{RESET}confirm",
                autocomplete="new-password",
            )
            st.form_submit_button("Set new password", on_click=_reset, args=(account,))


@action(Role.ADMIN)
def _set_active(identity: Identity, account: accounts.AccountView, active: bool) -> None:
    def work() -> str:
        accounts.set_active(actor=identity.username, account_id=account.id, active=active)
        return f"'{account.username}' is now {'active' if active else 'deactivated'}."

    _run(work)


@action(Role.ADMIN)
def _set_role(identity: Identity, account: accounts.AccountView, role: str) -> None:
    def work() -> str:
        accounts.set_role(actor=identity.username, account_id=account.id, role=role)
        return f"'{account.username}' is now {role}."

    _run(work)


@action(Role.ADMIN)
def _revoke(identity: Identity, account: accounts.AccountView) -> None:
    def work() -> str:
        ended = accounts.revoke_sessions(actor=identity.username, account_id=account.id)
        return f"Ended {ended} session(s) of '{account.username}'."

    _run(work)


@action(Role.ADMIN)
def _unlock(identity: Identity, username: str) -> None:
    def work() -> str:
        lockouts.unlock(actor=identity.username, username=username)
        return f"'{username}' may log in again."

    _run(work)


def _lockouts() -> None:
    """Usernames locked out by failed logins (anyone who knows a name can cause one)."""
    locked = lockouts.locked_usernames()
    if not locked:
        return
    with st.container(border=True):
        st.markdown("**Locked out after failed logins**")
        for entry in locked:
            left, right = st.columns([4, 1], vertical_alignment="center")
            left.markdown(
                f"{md(entry.username)}: until {entry.until:%Y-%m-%d %H:%M} UTC"
                f" · {entry.refused} tries refused meanwhile"
            )
            right.button(
                "Unlock", key=f"accounts_unlock_{entry.username}", on_click=_unlock,
                args=(entry.username,),
            )


def render() -> None:
    require_page(__file__)
    st.title("Accounts")
    st.caption("People who can log into this dashboard, and their roles.")
    if error := st.session_state.get(SessionKey.ACCOUNTS_ERROR):
        show_error(error)
    show_notice(st.session_state.get(SessionKey.ACCOUNTS_NOTICE))
    rows = accounts.list_accounts()
    _table(rows)
    _lockouts()
    left, right = st.columns(2)
    with left:
        _create_form()
    with right, st.container(border=True):
        _manage(rows)


if __name__ == "__main__":
    render()
