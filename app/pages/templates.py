"""Message templates (admin): edit the texts the bot and the emails send, with variables and a
live preview."""

from __future__ import annotations

import streamlit as st

from app.auth.identity import Identity
from app.services import templates
from app.ui.feedback import disabled_help, show_error, show_notice
from app.ui.guard import action, require_page
from app.utils.enums import Role
from app.utils.errors import DashboardError
from app.utils.state import SessionKey


def _body_key(key: str) -> str:
    return f"{SessionKey.TEMPLATES_BODY}_{key}"


@action(Role.ADMIN)
def _save(identity: Identity, key: str) -> None:
    st.session_state.pop(SessionKey.TEMPLATES_ERROR, None)
    try:
        templates.save(actor=identity.username, key=key, body=st.session_state[_body_key(key)])
    except DashboardError as err:
        st.session_state[SessionKey.TEMPLATES_ERROR] = err
        return
    st.session_state[SessionKey.TEMPLATES_NOTICE] = "Saved. The bot uses the new text from now on."


@action(Role.ADMIN)
def _reset(identity: Identity, key: str) -> None:
    view = templates.reset(actor=identity.username, key=key)
    st.session_state[_body_key(key)] = view.body
    st.session_state.pop(SessionKey.TEMPLATES_ERROR, None)
    st.session_state[SessionKey.TEMPLATES_NOTICE] = "Back to the built-in text."


def render() -> None:
    require_page(__file__)
    st.title("Message templates")
    st.caption("What the bot writes when it welcomes, graduates or removes someone, and what "
               "the dashboard emails with an invite link or a welcome.")
    views = {v.key: v for v in templates.list_all()}
    key = st.selectbox(
        "Template",
        list(views),
        format_func=lambda k: views[k].title,
        key=SessionKey.TEMPLATES_SELECTED,
    )
    view = views[key]
    body_key = _body_key(key)
    if body_key not in st.session_state:
        st.session_state[body_key] = view.body
    st.markdown("Variables: " + " ".join(f"`{{{v}}}`" for v in view.variables))
    st.text_area("Text", key=body_key, height=160)
    if error := st.session_state.pop(SessionKey.TEMPLATES_ERROR, None):
        show_error(error)
    show_notice(st.session_state.pop(SessionKey.TEMPLATES_NOTICE, None))
    cols = st.columns([1, 1, 4])
    cols[0].button("Save", type="primary", on_click=_save, args=(key,))
    cols[1].button(
        "Reset to default", on_click=_reset, args=(key,), disabled=view.is_default,
        help=disabled_help("this is the built-in default already." if view.is_default else None),
    )
    state = (
        "built-in default"
        if view.is_default
        else (f"edited by {view.updated_by}, {view.updated_at:%Y-%m-%d %H:%M} UTC")
    )
    cols[2].caption(state)
    st.subheader("Preview")
    try:
        preview = templates.preview(key, st.session_state[body_key])
    except DashboardError as err:
        show_error(err)
        return
    if view.channel == templates.EMAIL:  # emails are plain text, shown as such
        st.caption("With sample values (Ada Lovelace, ada@example.org); sent as plain text.")
        st.code(preview.text, language=None, wrap_lines=True)
    else:
        st.caption("With sample values (Ada Lovelace, @ada:example.org); mentions become links.")
        st.html(f"<div style='padding:.5rem 0'>{preview.html}</div>")


if __name__ == "__main__":
    render()
