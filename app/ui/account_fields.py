"""The fields of a new Authentik account, shared by Create user and Onboard member.

Each page passes its own set of session keys (AccountKeys), so the two forms never share
state. Errors, ours or Authentik's per-field 400 messages, appear under the field they are
about; the one-time credential is shown outside any form, with a copy button.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import streamlit as st

from app.auth.identity import Identity
from app.services import users
from app.services.users import Credential
from app.ui.feedback import field_error, show_unavailable
from app.ui.guard import action, checked
from app.ui.text import md
from app.utils.enums import Role
from app.utils.errors import DashboardError, InputError
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
CREDENTIAL_LABELS = {
    Credential.PASSWORD: "Generate a password (shown once, here)",
    Credential.RECOVERY_LINK: "Recovery link (they set their own password)",
}


@dataclass(frozen=True)
class AccountKeys:
    """The session keys one page uses for the account fields."""

    first_name: K
    last_name: K
    username: K
    suggested: K  # the usernames this form suggested, newest last (kept when it is cleared)
    email: K
    groups: K
    invited_by: K
    organisation: K
    interests: K
    intro: K
    credential: K
    errors: K  # widget -> messages
    problem: K  # an error that belongs to no field

    @property
    def text_fields(self) -> tuple[K, ...]:
        return (
            self.first_name,
            self.last_name,
            self.username,
            self.email,
            self.invited_by,
            self.organisation,
            self.interests,
            self.intro,
        )


CREATE_USER_KEYS = AccountKeys(
    K.CREATE_USER_FIRST_NAME,
    K.CREATE_USER_LAST_NAME,
    K.CREATE_USER_USERNAME,
    K.CREATE_USER_SUGGESTED,
    K.CREATE_USER_EMAIL,
    K.CREATE_USER_GROUPS,
    K.CREATE_USER_INVITED_BY,
    K.CREATE_USER_ORGANISATION,
    K.CREATE_USER_INTERESTS,
    K.CREATE_USER_INTRO,
    K.CREATE_USER_CREDENTIAL,
    K.CREATE_USER_ERRORS,
    K.CREATE_USER_PROBLEM,
)


def authentik_groups() -> list[users.GroupChoice] | None:
    """Authentik's groups, or None after saying why they cannot be had (not configured, or
    unreachable): the pages that need Authentik start with this."""
    try:
        return users.groups()
    except DashboardError as err:
        show_unavailable(err)
    return None


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


@action(Role.ADMIN)
def suggest(_identity: Identity, keys: AccountKeys, force: bool = False) -> None:
    """Offer a free username for the names typed, unless the admin has edited it.

    A username the page suggested earlier counts as not edited: Streamlit takes the browser's
    widget values as they are, so a rerun sent before the browser had the newest suggestion
    (or the cleared form) brings an earlier one back."""
    state = st.session_state
    current = state.get(keys.username, "")
    made: tuple[str, ...] = state.get(keys.suggested, ())
    if not force and current and current not in made:
        return
    first = state.get(keys.first_name, "")
    last = state.get(keys.last_name, "")
    if not force and not (first.strip() or last.strip()):
        return
    state.pop(keys.problem, None)
    try:
        suggestion = users.suggest_username(first_name=first, last_name=last)
    except InputError as err:
        state[keys.errors] = errors_by_widget({err.field: [err.message]})
        return
    except DashboardError as err:
        state[keys.problem] = err
        return
    state[keys.username] = suggestion
    state[keys.suggested] = (*made, suggestion)[-20:]
    state.pop(keys.errors, None)


def entered(keys: AccountKeys) -> dict[str, Any]:
    """What was typed, as keyword arguments of users.create_user."""
    state = st.session_state
    return {
        "first_name": state.get(keys.first_name, ""),
        "last_name": state.get(keys.last_name, ""),
        "username": state.get(keys.username, ""),
        "email": state.get(keys.email, ""),
        "groups": state.get(keys.groups, []),
        "invited_by": state.get(keys.invited_by, ""),
        "interests": state.get(keys.interests, "").split(","),
        "intro": state.get(keys.intro, ""),
        "organisation": state.get(keys.organisation, ""),
        "credential": state.get(keys.credential, Credential.PASSWORD),
    }


def clear(keys: AccountKeys) -> None:
    for key in keys.text_fields:
        st.session_state[key] = ""
    st.session_state[keys.groups] = []


def fields(
    keys: AccountKeys,
    groups: list[users.GroupChoice],
    *,
    interests_help: str = "Separated by commas",
    on_interests: Callable[[], None] | None = None,
) -> None:
    """The account's widgets, each with its error underneath."""
    errors: dict[str, list[str]] = st.session_state.get(keys.errors) or {}
    names = {g.pk: g.name for g in groups}
    left, right = st.columns(2)
    left.text_input("First name", key=keys.first_name, on_change=suggest, args=(keys,))
    with left:
        field_error(errors, "first_name")
    right.text_input("Last name", key=keys.last_name, on_change=suggest, args=(keys,))
    with right:
        field_error(errors, "last_name")
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    left.text_input(
        "Username",
        key=keys.username,
        help="Suggested from the names and free in Authentik; you may change it.",
    )
    right.button(
        "Suggest",
        key=f"{keys.username}_suggest",
        on_click=suggest,
        args=(keys,),
        kwargs={"force": True},
        icon=":material/sync:",
    )
    field_error(errors, "username")
    st.text_input("Email", key=keys.email, placeholder="name@example.org")
    field_error(errors, "email")
    st.multiselect(
        "Groups",
        list(names),
        key=keys.groups,
        format_func=lambda pk: names.get(pk, pk),
        placeholder="No groups",
    )
    field_error(errors, "groups")
    left, right = st.columns(2)
    left.text_input("Invited by", key=keys.invited_by)
    with left:
        field_error(errors, "invited_by")
    right.text_input("Organisation", key=keys.organisation)
    with right:
        field_error(errors, "organisation")
    st.text_input(
        "Interests",
        key=keys.interests,
        help=interests_help,
        on_change=checked(on_interests) if on_interests else None,
    )
    field_error(errors, "interests")
    st.text_area("Introduction", key=keys.intro, height=100)
    field_error(errors, "intro")
    st.radio(
        "First login",
        list(CREDENTIAL_LABELS),
        key=keys.credential,
        format_func=CREDENTIAL_LABELS.__getitem__,
    )
    field_error(errors, "credential")
    if general := errors.get(GENERAL):
        st.error(
            "Authentik refused the user: " + md(" ".join(general)), icon=":material/error:"
        )


def recovery_lifetime(expires: datetime | None = None) -> str:
    """How long a recovery link works, in words (Authentik's token duration)."""
    minutes = int(users.RECOVERY_LINK_LIFETIME.total_seconds() // 60)
    at = f" (at {expires:%H:%M} UTC)" if expires else ""
    return f"It works once and expires {minutes} minutes after it was made{at}."


def show_credential(
    *,
    username: str,
    name: str,
    password: str | None,
    recovery_link: str | None,
    dismiss: Callable[[], None],
    key: str,
    recovery_expires: datetime | None = None,
) -> None:
    """The one-time credential, with a warning that it is not kept; outside any form."""
    if password:
        st.warning(
            "Copy this password now and give it to them privately: it will not be shown "
            "again, and the dashboard does not keep it.",
            icon=":material/warning:",
        )
        st.code(password, language=None)
    if recovery_link:
        st.info(
            f"Send this one-time link to {md(name or username)}; with it they choose their own "
            f"password. {recovery_lifetime(recovery_expires)} It will not be shown again.",
            icon=":material/link:",
        )
        st.code(recovery_link, language=None)
    st.button(
        "Done: hide it", key=key, on_click=checked(dismiss), icon=":material/visibility_off:"
    )
