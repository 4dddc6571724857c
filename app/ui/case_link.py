"""A link to a member's case file, from wherever the member is shown."""

from __future__ import annotations

import streamlit as st

CASE_FILE_PAGE = "app/pages/case_file.py"


def params(*, username: str = "", matrix_user_id: str = "") -> dict[str, str]:
    """The case file's query parameters: `member` (Authentik username) and/or `matrix`."""
    found = {"member": username.strip(), "matrix": matrix_user_id.strip()}
    return {name: value for name, value in found.items() if value}


def case_link(*, username: str = "", matrix_user_id: str = "", label: str = "") -> None:
    """Nothing when neither name is known."""
    query = params(username=username, matrix_user_id=matrix_user_id)
    if query:
        st.page_link(CASE_FILE_PAGE, label=label or "Open their case file",
                     icon=":material/folder_shared:", query_params=query)
