"""How pages show errors and notices: one look everywhere, field names first, and always what
to do next (an integration to configure, why a section is hidden or a button disabled).

Messages carry outside data (names, IDs, remote error texts): they are shown as text (md)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

import streamlit as st

from app.ui.text import md
from app.utils.errors import DashboardError, FieldErrors, InputError, NotConfigured

T = TypeVar("T")


def show_error(err: Exception) -> None:
    """Show an error a person can act on; never a stack trace."""
    if isinstance(err, InputError):
        st.error(f"**{md(err.field)}**: {md(err.message)}", icon=":material/error:")
    elif isinstance(err, FieldErrors):
        lines = "\n".join(
            f"- **{md(field)}**: {md(' '.join(msgs))}" for field, msgs in err.errors.items()
        )
        st.error(f"{md(err.summary)}:\n{lines}", icon=":material/error:")
    elif isinstance(err, DashboardError):
        st.error(md(err), icon=":material/error:")
    else:
        st.error(f"Unexpected error ({type(err).__name__}); see the server log.")


def show_unavailable(err: Exception, *, meanwhile: str = "") -> None:
    """Why an integration (Authentik, Matrix) cannot be used now, the same on every page: not
    configured is a notice naming what to set and that settings are read at start; anything
    else an error saying what to do. `meanwhile`: what the page leaves out until then."""
    if isinstance(err, NotConfigured):
        st.info(f"{md(err)}, then restart the dashboard (settings are read when it starts). "
                f"{meanwhile}".strip(), icon=":material/link_off:")
        return
    show_error(err)
    if meanwhile:
        st.caption(meanwhile)


def disabled_help(reason: str | None, usual: str | None = None) -> str | None:
    """A button's help: why it is disabled while `reason` is set, else its usual help."""
    return f"Disabled: {reason}" if reason else usual


def field_error(errors: Mapping[str, list[str]] | None, field: str) -> None:
    """Show the messages for one field right under its widget, if there are any."""
    if errors and (messages := errors.get(field)):
        st.caption(f":red[{md(' '.join(messages))}]")


def show_notice(message: str | None) -> None:
    if message:
        st.success(md(message), icon=":material/check_circle:")


def act(
    work: Callable[[], T], describe: Callable[[T], str], *, error_key: str, notice_key: str
) -> T | None:
    """Run a callback's work and keep what to show on the next run: the notice `describe`
    makes of its result, or its error (both cleared first). The result, or None on error."""
    state = st.session_state
    state.pop(error_key, None)
    state.pop(notice_key, None)
    try:
        result = work()
    except DashboardError as err:
        state[error_key] = err
        return None
    state[notice_key] = describe(result)
    return result
