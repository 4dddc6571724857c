"""Create user (admin): an Authentik account with a one-time password or a recovery link."""

from __future__ import annotations

import streamlit as st

from app.auth.identity import Identity
from app.services import users
from app.services.users import CreatedUser, CredentialNotSet
from app.ui import account_fields
from app.ui.account_fields import CREATE_USER_KEYS, authentik_groups, errors_by_widget
from app.ui.feedback import show_error
from app.ui.guard import action, require_page, ui_only
from app.ui.text import md
from app.utils.enums import Role
from app.utils.errors import DashboardError, FieldErrors, InputError
from app.utils.state import SessionKey as K

KEYS = CREATE_USER_KEYS


@action(Role.ADMIN)
def _create(identity: Identity) -> None:
    state = st.session_state
    for key in (K.CREATE_USER_ERRORS, K.CREATE_USER_PROBLEM, K.CREATE_USER_RESULT):
        state.pop(key, None)
    try:
        entered = account_fields.entered(KEYS)
        created = users.create_user(actor=identity.username, **entered)
    except InputError as err:
        state[K.CREATE_USER_ERRORS] = errors_by_widget({err.field: [err.message]})
        return
    except FieldErrors as err:  # Authentik's 400, per field
        state[K.CREATE_USER_ERRORS] = errors_by_widget(err.errors)
        return
    except CredentialNotSet as err:  # the account exists: clear the form, say what to do
        state[K.CREATE_USER_PROBLEM] = err
        account_fields.clear(KEYS)
        return
    except DashboardError as err:
        state[K.CREATE_USER_PROBLEM] = err
        return
    state[K.CREATE_USER_RESULT] = created
    account_fields.clear(KEYS)


@ui_only
def _dismiss() -> None:
    st.session_state.pop(K.CREATE_USER_RESULT, None)


def _show_result(created: CreatedUser) -> None:
    """The new account, and its one-time credential: outside any form, with a copy button."""
    with st.container(border=True):
        st.success(f"Created **{md(created.username)}** ({md(created.name)}) in Authentik.")
        account_fields.show_credential(
            username=created.username,
            name=created.name,
            password=created.password,
            recovery_link=created.recovery_link,
            dismiss=_dismiss,
            key="create_user_dismiss",
            recovery_expires=created.recovery_expires,
        )


def render() -> None:
    require_page(__file__)
    st.title("Create user")
    st.caption("A new account in Authentik, with a password or a link to set one.")
    # The one-time password first: a later failure on this run must not hide it.
    if created := st.session_state.get(K.CREATE_USER_RESULT):
        _show_result(created)
    if problem := st.session_state.get(K.CREATE_USER_PROBLEM):
        show_error(problem)
    groups = authentik_groups()
    if groups is None:
        return
    account_fields.fields(KEYS, groups)
    st.button("Create user", type="primary", on_click=_create)


if __name__ == "__main__":
    render()
