"""Messaging: post one message in chosen rooms, or send it to people as direct messages."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from app.services import messaging, rooms
from app.services.outcomes import describe_outcome
from app.ui.feedback import disabled_help, show_error, show_unavailable
from app.ui.guard import require_page
from app.ui.scope_note import show_scope
from app.ui.text import md
from app.utils.errors import DashboardError
from app.utils.state import SessionKey

ROOMS, PEOPLE = "Rooms", "People (direct messages)"
ALL = ""


@dataclass(frozen=True)
class SendRun:
    """One send: a row per room or person (name, result, ok)."""

    rows: tuple[tuple[str, str, bool], ...]
    kind: str


def _rooms_picker(actor: str) -> list[str]:
    show_scope(actor)
    names = [c.name for c in rooms.categories(actor=actor)]
    category = st.selectbox("Category", [ALL, *names], key=SessionKey.MESSAGING_CATEGORY,
                            format_func=lambda c: c or "All categories")
    listed = rooms.listed_rooms(actor=actor, category=category or "")
    labels = {r.room_id: r.label for r in listed}
    # Unkeyed: another category means other options, hence a fresh widget.
    chosen = st.multiselect("Rooms", list(labels), format_func=labels.__getitem__,
                            placeholder="Choose rooms")
    if secret := messaging.encrypted_rooms(chosen):
        st.warning(
            f"{len(secret)} of the chosen rooms are encrypted: the bot has no encryption keys, "
            "so the message is stored there unencrypted and may show as such. "
            + ", ".join(labels[r] for r in secret),
            icon=":material/lock_open:",
        )
    return chosen


def _send(actor: str, kind: str, targets: list[str] | str, body: str, notice: bool) -> None:
    st.session_state.pop(SessionKey.MESSAGING_ERROR, None)
    st.session_state.pop(SessionKey.MESSAGING_RESULT, None)
    bar = st.progress(0.0, text="Sending…")

    def progress(p: rooms.Progress) -> None:
        bar.progress(p.fraction, text=p.text)

    try:
        if kind == ROOMS:
            labels = {r.room_id: r.label for r in rooms.rooms_by_id(targets).values()}
            outcomes = messaging.send_to_rooms(actor=actor, room_ids=list(targets), body=body,
                                               notice=notice, on_progress=progress)
            rows = tuple((labels.get(o.room_id, o.room_id), describe_outcome(o, done="sent"),
                          o.ok) for o in outcomes)
        else:
            sent = messaging.send_direct(actor=actor, user_ids=targets, body=body,
                                         notice=notice, on_progress=progress)
            rows = tuple((o.user_id, "sent" if o.ok else f"{o.status}: {o.reason}", o.ok)
                         for o in sent)
    except DashboardError as err:
        st.session_state[SessionKey.MESSAGING_ERROR] = err
    else:
        st.session_state[SessionKey.MESSAGING_RESULT] = SendRun(rows, kind)
    bar.empty()


def _results(run: SendRun) -> None:
    ok = sum(1 for _, _, good in run.rows if good)
    what = "room(s)" if run.kind == ROOMS else "person(s)"
    (st.success if ok == len(run.rows) else st.warning)(f"Sent to {ok} of {len(run.rows)} {what}.")
    st.dataframe(
        pd.DataFrame([{"To": name, "Result": result} for name, result, _ in run.rows]),
        hide_index=True, width="stretch",
    )


def render() -> None:
    identity = require_page(__file__)
    st.title("Messaging")
    if (problem := rooms.matrix_problem()) is not None:
        show_unavailable(problem)
        return
    kind = st.radio("Send to", (ROOMS, PEOPLE), key=SessionKey.MESSAGING_MODE, horizontal=True)
    if kind == ROOMS:
        targets: list[str] | str = _rooms_picker(identity.username)
    else:
        targets = st.text_area("Matrix user IDs", key=SessionKey.MESSAGING_RECIPIENTS,
                               placeholder="@ada:example.org\n@grace:example.org",
                               help="One per line. The bot reuses its direct chat with each "
                                    "person or opens one.")
    body = st.text_area("Message", key=SessionKey.MESSAGING_BODY, height=150)
    notice = st.checkbox("Send as a notice (how bots usually post)",
                         key=SessionKey.MESSAGING_NOTICE)
    if suffix := messaging.notice_suffix():
        st.caption(f"Appended to every message: “{md(suffix)}”")
    if st.button("Send", type="primary", key=SessionKey.MESSAGING_SEND,
                 icon=":material/send:", disabled=kind == ROOMS and not targets,
                 help=disabled_help("choose at least one room above." if kind == ROOMS
                                    and not targets else None)):
        _send(identity.username, kind, targets, body, notice)
    if error := st.session_state.get(SessionKey.MESSAGING_ERROR):
        show_error(error)
    if run := st.session_state.get(SessionKey.MESSAGING_RESULT):
        _results(run)


if __name__ == "__main__":
    render()
