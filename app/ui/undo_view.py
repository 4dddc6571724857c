"""Undo a bulk action from where its record is shown (the Journeys page, the Audit log): one
preview, one confirmation, then the undo journey's progress and results."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.auth.identity import Identity
from app.services import journeys, undo
from app.services.undo import UndoPreview
from app.ui import journey_view
from app.ui.feedback import disabled_help, show_error
from app.ui.guard import action, ui_only
from app.ui.text import md
from app.utils.enums import Role
from app.utils.errors import DashboardError


def _key(prefix: str) -> str:
    return f"{prefix}_undo_preview"


@ui_only
def _ask(prefix: str, source: str, source_id: int) -> None:
    st.session_state[_key(prefix)] = (source, source_id)


@ui_only
def _cancel(prefix: str) -> None:
    st.session_state.pop(_key(prefix), None)


@action(Role.ADMIN)
def _confirm(identity: Identity, prefix: str, source: str, source_id: int) -> None:
    state = st.session_state
    state.pop(f"{prefix}_undo_error", None)
    try:
        undo.begin(actor=identity.username, source=source, source_id=source_id)
    except DashboardError as err:
        state[f"{prefix}_undo_error"] = err
        return
    state.pop(_key(prefix), None)


def panel(source: str, source_id: int, *, prefix: str) -> None:
    """The record's undo: already under way or done, or a button to preview it."""
    if error := st.session_state.get(f"{prefix}_undo_error"):
        show_error(error)
    existing = undo.undone_by(source, source_id)
    if existing is not None:
        if existing.active:
            existing = undo.follow(existing.id, report=journey_view.live_progress(
                "Undoing…", undo.PLAN.steps, undo.TITLES), timeout=30)
        st.markdown(f"**Undone by undo #{existing.id}** · {journey_view.badge(existing)} · "
                    f"by {md(existing.actor)}")
        _results(existing.id)
        return
    asked = st.session_state.get(_key(prefix))
    if asked != (source, source_id):
        st.button("Undo this…", key=f"{prefix}_undo_ask_{source}_{source_id}", on_click=_ask,
                  args=(prefix, source, source_id), icon=":material/undo:",
                  help="Shows what the undo would do first; nothing is changed yet.")
        return
    try:
        plan = undo.preview(source, source_id)
    except DashboardError as err:
        show_error(err)
        return
    _preview(plan, prefix=prefix)


def _preview(plan: UndoPreview, *, prefix: str) -> None:
    with st.container(border=True):
        st.markdown(f"**Undo {md(plan.title)}**: {len(plan.todo)} of {len(plan.items)} item(s)")
        st.dataframe(pd.DataFrame(
            [{"Item": i.label, "The undo will": i.what} for i in plan.items],
            columns=["Item", "The undo will"],
        ), hide_index=True, width="stretch")
        cols = st.columns([1, 1, 3])
        cols[0].button(f"Undo {len(plan.todo)} item(s)", key=f"{prefix}_undo_confirm",
                       type="primary", on_click=_confirm,
                       args=(prefix, plan.source, plan.source_id), icon=":material/undo:",
                       disabled=not plan.todo,
                       help=disabled_help(None if plan.todo else "nothing here can still be "
                                          "undone (see each item)."))
        cols[1].button("Cancel", key=f"{prefix}_undo_cancel", on_click=_cancel,
                       args=(prefix,))


def _results(journey_id: int) -> None:
    journey = journeys.get(journey_id)
    names = {f"user:{a['pk']}": a["username"] for a in journey.params.get("accounts") or ()}
    rows = [{"Item": names.get(key, key), "Result": entry.get("status", ""),
             "Detail": entry.get("reason", "")}
            for step in journey.steps for key, entry in (step.result.get("rooms") or {}).items()]
    if rows:
        st.dataframe(pd.DataFrame(rows, columns=["Item", "Result", "Detail"]), hide_index=True,
                     width="stretch")
