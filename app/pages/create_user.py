"""Create user (admin): an Authentik account with a one-time password or a recovery link."""

from __future__ import annotations

import streamlit as st

from app.auth.guard import require_role
from app.services import authentik_users, directory
from app.services.authentik_users import CreatedUser, Credential, CredentialNotSet
from app.ui.feedback import field_error, show_error
from app.utils.errors import DashboardError, FieldErrors, InputError, NotConfigured
from app.utils.state import SessionKey as K

# Which widget shows a message about a field (ours, or Authentik's 400 field names).
WIDGET_OF = {
    "first_name": "first_name",
    "last_name": "last_name",
    "name": "first_name",
    "username": "username",
    "email": "email",
    "groups": "groups",
    "invited_by": "invited_by",
    "organisation": "organisation",
    "interests": "interests",
    "intro": "intro",
    "attributes": "intro",
    "credential": "credential",
}
GENERAL = "general"
FORM_KEYS = (
    K.CREATE_USER_FIRST_NAME,
    K.CREATE_USER_LAST_NAME,
    K.CREATE_USER_USERNAME,
    K.CREATE_USER_SUGGESTED,
    K.CREATE_USER_EMAIL,
    K.CREATE_USER_INVITED_BY,
    K.CREATE_USER_ORGANISATION,
    K.CREATE_USER_INTERESTS,
    K.CREATE_USER_INTRO,
)
CREDENTIAL_LABELS = {
    Credential.PASSWORD: "Generate a password (shown once, here)",
    Credential.RECOVERY_LINK: "Recovery link (they set their own password)",
}


def errors_by_widget(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """Field errors keyed by the widget that shows them; the rest under GENERAL."""
    mapped: dict[str, list[str]] = {}
    for field, messages in errors.items():
        head, _, rest = field.partition(".")
        widget = WIDGET_OF.get(rest.split(".")[0]) if head == "attributes" else None
        widget = widget or WIDGET_OF.get(head, GENERAL)
        label = "" if widget != GENERAL or field == "non_field_errors" else f"{field}: "
        mapped.setdefault(widget, []).extend(f"{label}{m}" for m in messages)
    return mapped


def _suggest(force: bool = False) -> None:
    """Offer a free username for the names typed, unless the admin has edited it."""
    state = st.session_state
    current = state.get(K.CREATE_USER_USERNAME, "")
    if not force and current and current != state.get(K.CREATE_USER_SUGGESTED):
        return
    first = state.get(K.CREATE_USER_FIRST_NAME, "")
    last = state.get(K.CREATE_USER_LAST_NAME, "")
    if not force and not (first.strip() or last.strip()):
        return
    state.pop(K.CREATE_USER_PROBLEM, None)
    try:
        suggestion = authentik_users.suggest_username(first_name=first, last_name=last)
    except InputError as err:
        state[K.CREATE_USER_ERRORS] = errors_by_widget({err.field: [err.message]})
        return
    except DashboardError as err:
        state[K.CREATE_USER_PROBLEM] = err
        return
    state[K.CREATE_USER_USERNAME] = state[K.CREATE_USER_SUGGESTED] = suggestion
    state.pop(K.CREATE_USER_ERRORS, None)


def _create(actor: str) -> None:
    state = st.session_state
    for key in (K.CREATE_USER_ERRORS, K.CREATE_USER_PROBLEM, K.CREATE_USER_RESULT):
        state.pop(key, None)
    interests = state.get(K.CREATE_USER_INTERESTS, "").split(",")
    try:
        created = authentik_users.create_user(
            actor=actor,
            first_name=state.get(K.CREATE_USER_FIRST_NAME, ""),
            last_name=state.get(K.CREATE_USER_LAST_NAME, ""),
            username=state.get(K.CREATE_USER_USERNAME, ""),
            email=state.get(K.CREATE_USER_EMAIL, ""),
            groups=state.get(K.CREATE_USER_GROUPS, []),
            invited_by=state.get(K.CREATE_USER_INVITED_BY, ""),
            interests=interests,
            intro=state.get(K.CREATE_USER_INTRO, ""),
            organisation=state.get(K.CREATE_USER_ORGANISATION, ""),
            credential=state.get(K.CREATE_USER_CREDENTIAL, Credential.PASSWORD),
        )
    except InputError as err:
        state[K.CREATE_USER_ERRORS] = errors_by_widget({err.field: [err.message]})
        return
    except FieldErrors as err:  # Authentik's 400, per field
        state[K.CREATE_USER_ERRORS] = errors_by_widget(err.errors)
        return
    except CredentialNotSet as err:  # the account exists: clear the form, say what to do
        state[K.CREATE_USER_PROBLEM] = err
        _clear_form()
        return
    except DashboardError as err:
        state[K.CREATE_USER_PROBLEM] = err
        return
    state[K.CREATE_USER_RESULT] = created
    _clear_form()


def _clear_form() -> None:
    for key in FORM_KEYS:
        st.session_state[key] = ""
    st.session_state[K.CREATE_USER_GROUPS] = []


def _dismiss() -> None:
    st.session_state.pop(K.CREATE_USER_RESULT, None)


def _show_result(created: CreatedUser) -> None:
    """The new account, and its one-time credential: outside any form, with a copy button."""
    with st.container(border=True):
        st.success(f"Created **{created.username}** ({created.name}) in Authentik.")
        if created.password:
            st.warning(
                "Copy this password now and give it to them privately: it will not be shown "
                "again, and the dashboard does not keep it.",
                icon=":material/warning:",
            )
            st.code(created.password, language=None)
        if created.recovery_link:
            st.info(
                f"Send this one-time link to {created.name or created.username}; with it "
                "they choose their own password. It will not be shown again.",
                icon=":material/link:",
            )
            st.code(created.recovery_link, language=None)
        st.button("Done: hide it", on_click=_dismiss, icon=":material/visibility_off:")


def _form(actor: str, groups: list[directory.GroupChoice]) -> None:
    state = st.session_state
    errors: dict[str, list[str]] = state.get(K.CREATE_USER_ERRORS) or {}
    names = {g.pk: g.name for g in groups}
    left, right = st.columns(2)
    left.text_input("First name", key=K.CREATE_USER_FIRST_NAME, on_change=_suggest)
    with left:
        field_error(errors, "first_name")
    right.text_input("Last name", key=K.CREATE_USER_LAST_NAME, on_change=_suggest)
    with right:
        field_error(errors, "last_name")
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    left.text_input(
        "Username",
        key=K.CREATE_USER_USERNAME,
        help="Suggested from the names and free in Authentik; you may change it.",
    )
    right.button("Suggest", on_click=_suggest, kwargs={"force": True}, icon=":material/sync:")
    field_error(errors, "username")
    st.text_input("Email", key=K.CREATE_USER_EMAIL, placeholder="name@example.org")
    field_error(errors, "email")
    st.multiselect(
        "Groups",
        list(names),
        key=K.CREATE_USER_GROUPS,
        format_func=lambda pk: names.get(pk, pk),
        placeholder="No groups",
    )
    field_error(errors, "groups")
    left, right = st.columns(2)
    left.text_input("Invited by", key=K.CREATE_USER_INVITED_BY)
    with left:
        field_error(errors, "invited_by")
    right.text_input("Organisation", key=K.CREATE_USER_ORGANISATION)
    with right:
        field_error(errors, "organisation")
    st.text_input("Interests", key=K.CREATE_USER_INTERESTS, help="Separated by commas")
    field_error(errors, "interests")
    st.text_area("Introduction", key=K.CREATE_USER_INTRO, height=100)
    field_error(errors, "intro")
    st.radio(
        "First login",
        list(CREDENTIAL_LABELS),
        key=K.CREATE_USER_CREDENTIAL,
        format_func=CREDENTIAL_LABELS.__getitem__,
    )
    field_error(errors, "credential")
    if general := errors.get(GENERAL):
        st.error("Authentik refused the user: " + " ".join(general), icon=":material/error:")
    st.button("Create user", type="primary", on_click=_create, args=(actor,))


def render() -> None:
    identity = require_role("admin")
    st.title("Create user")
    st.caption("A new account in Authentik, with a password or a link to set one.")
    # The one-time password first: a later failure on this run must not hide it.
    if created := st.session_state.get(K.CREATE_USER_RESULT):
        _show_result(created)
    if problem := st.session_state.get(K.CREATE_USER_PROBLEM):
        show_error(problem)
    try:
        groups = directory.groups()
    except NotConfigured as err:
        st.info(f"{err}, then restart the dashboard.", icon=":material/link_off:")
        return
    except DashboardError as err:
        show_error(err)
        return
    _form(identity.username, groups)


if __name__ == "__main__":
    render()
