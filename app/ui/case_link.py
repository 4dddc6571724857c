"""Links to a page about one member (their case file, offboarding, removal, room invites),
from wherever the member is shown, and the member filled in on the page such a link opens."""

from __future__ import annotations

import streamlit as st

CASE_FILE_PAGE = "app/pages/case_file.py"
OFFBOARD_PAGE = "app/pages/offboard.py"
REMOVE_PAGE = "app/pages/remove_member.py"
INVITE_TO_ROOMS_PAGE = "app/pages/room_invites.py"


def params(*, username: str = "", matrix_user_id: str = "") -> dict[str, str]:
    """The query parameters naming a member: `member` (Authentik username) and/or `matrix`."""
    found = {"member": username.strip(), "matrix": matrix_user_id.strip()}
    return {name: value for name, value in found.items() if value}


def member_link(page: str, *, label: str, icon: str, username: str = "",
                matrix_user_id: str = "") -> None:
    """A link to `page` about the member; nothing when neither name is known."""
    query = params(username=username, matrix_user_id=matrix_user_id)
    if query:
        st.page_link(page, label=label, icon=icon, query_params=query)


def case_link(*, username: str = "", matrix_user_id: str = "", label: str = "") -> None:
    """Nothing when neither name is known."""
    member_link(CASE_FILE_PAGE, label=label or "Open their case file",
                icon=":material/folder_shared:", username=username,
                matrix_user_id=matrix_user_id)


def prefill(key: str, param: str) -> None:
    """Fill a member field (`key`, before its widget) from the link that opened the page; once,
    so that what the person types afterwards stays."""
    if st.session_state.get(key) is None and (value := st.query_params.get(param, "")):
        st.session_state[key] = value
