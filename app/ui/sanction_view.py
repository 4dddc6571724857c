"""Sanctions as the Sanctions page and a member's case file show them: the list with time left,
lift now and extend, and the form that imposes one. Both pages share these, so a moderator sees
and does the same in either place."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pandas as pd
import streamlit as st

from app.auth.identity import Identity
from app.services import rooms, sanctions
from app.services.removal import RemovalPreview
from app.services.sanctions import SanctionView
from app.ui.feedback import act, show_error, show_notice
from app.ui.guard import action
from app.ui.journey_view import new_submission_id
from app.ui.text import md
from app.utils.enums import Role, SanctionKind, SanctionStatus
from app.utils.state import SessionKey as K

KIND_LABELS = {
    SanctionKind.BAN: "Ban (they cannot rejoin)",
    SanctionKind.MUTE: "Mute (they stay, but cannot post)",
    SanctionKind.KICK: "Kick (invited back when it ends)",
}
SHORT = {SanctionKind.BAN: "Ban", SanctionKind.MUTE: "Mute", SanctionKind.KICK: "Kick"}
KEYS = {"error_key": K.SANCTIONS_ERROR, "notice_key": K.SANCTIONS_NOTICE}
STATUS_LABELS = {
    SanctionStatus.ACTIVE: "active",
    SanctionStatus.LIFTED: "lifted",
    SanctionStatus.EXPIRED: "ended on time",
}


def time_left(sanction: SanctionView) -> str:
    """'2 d 3 h', '45 min', 'until lifted', or how it ended."""
    left = sanction.time_left()
    if not sanction.active:
        return STATUS_LABELS.get(SanctionStatus(sanction.status), sanction.status)
    if left is None:
        return "until lifted"
    minutes = max(1, round(left / timedelta(minutes=1))) if left else 0
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {mins} min"
    return f"{mins} min" if minutes else "ending now"


def _rooms_done(sanction: SanctionView, phase: str = "imposed") -> str:
    entries = sanction.outcomes.get(phase) or {}
    done = sum(1 for e in entries.values() if e.get("ok"))
    return f"{done} of {len(sanction.room_ids)}"


def table(found: Sequence[SanctionView]) -> None:
    frame = pd.DataFrame(
        [
            {
                "#": s.id,
                "Kind": SHORT.get(SanctionKind(s.kind), s.kind),
                "Member": s.matrix_user_id,
                "Rooms done": _rooms_done(s),
                "Time left": time_left(s),
                "Ends (UTC)": s.ends_at.strftime("%Y-%m-%d %H:%M") if s.ends_at else "",
                "Reason": s.reason,
                "By": s.created_by,
                "Since (UTC)": s.created_at.strftime("%Y-%m-%d %H:%M"),
            }
            for s in found
        ],
        columns=["#", "Kind", "Member", "Rooms done", "Time left", "Ends (UTC)", "Reason",
                 "By", "Since (UTC)"],
    )
    st.dataframe(frame, hide_index=True, width="stretch")


def feedback() -> None:
    """What the last lift, extend or impose on this page did."""
    if error := st.session_state.get(K.SANCTIONS_ERROR):
        show_error(error)
    show_notice(st.session_state.get(K.SANCTIONS_NOTICE))


def _failed_rooms(sanction: SanctionView, phase: str) -> str:
    failed = [room for room, e in (sanction.outcomes.get(phase) or {}).items() if not e.get("ok")]
    return f" Not done in {len(failed)} room(s): {', '.join(failed)}." if failed else ""


@action(Role.ADMIN, Role.MODERATOR)
def _lift(identity: Identity, sanction_id: int) -> None:
    act(lambda: sanctions.lift(actor=identity.username, sanction_id=sanction_id),
        lambda s: f"Sanction #{s.id} lifted for {s.matrix_user_id} in "
                  f"{_rooms_done(s, 'lifted')} room(s).{_failed_rooms(s, 'lifted')}", **KEYS)


@action(Role.ADMIN, Role.MODERATOR)
def _extend(identity: Identity, sanction_id: int, key: str) -> None:
    choice = st.session_state.get(key) or "1 day"
    act(lambda: sanctions.extend(actor=identity.username, sanction_id=sanction_id,
                                 duration=sanctions.CHOICES[choice]),
        lambda s: f"Sanction #{s.id} now ends "
                  f"{f'{s.ends_at:%Y-%m-%d %H:%M} UTC' if s.ends_at else 'when lifted'}.",
        **KEYS)


def controls(sanction: SanctionView, *, prefix: str) -> None:
    """One sanction's detail: rooms, lift now, a new end."""
    with st.container(border=True):
        st.markdown(
            f"**#{sanction.id} · {SHORT.get(SanctionKind(sanction.kind), sanction.kind)} · "
            f"{md(sanction.matrix_user_id)}** · time left: **{time_left(sanction)}**"
        )
        st.caption(f"Reason: {md(sanction.reason)} · by {md(sanction.created_by)} · "
                   f"{len(sanction.room_ids)} room(s)"
                   + (f" · ended by {md(sanction.ended_by)}" if sanction.ended_by else ""))
        _room_outcomes(sanction)
        if not sanction.active:
            return
        cols = st.columns([1, 1, 1], vertical_alignment="bottom")
        cols[0].button("Lift now", key=f"{prefix}_lift_{sanction.id}", on_click=_lift,
                       args=(sanction.id,), icon=":material/lock_open:", type="primary")
        extend_key = f"{prefix}_extend_choice_{sanction.id}"
        cols[1].selectbox("New end, from now", list(sanctions.CHOICES), key=extend_key, index=1)
        cols[2].button("Set the new end", key=f"{prefix}_extend_{sanction.id}",
                       on_click=_extend, args=(sanction.id, extend_key),
                       icon=":material/more_time:")


def _room_outcomes(sanction: SanctionView) -> None:
    labels = {r.room_id: r.label for r in rooms.rooms_by_id(sanction.room_ids).values()}
    imposed = sanction.outcomes.get("imposed") or {}
    lifted = sanction.outcomes.get("lifted") or {}
    frame = pd.DataFrame(
        [
            {
                "Room": labels.get(room, room),
                "Imposed": _word(imposed.get(room)),
                "Lifted": _word(lifted.get(room)) if lifted else "",
                "Room ID": room,
            }
            for room in sanction.room_ids
        ],
        columns=["Room", "Imposed", "Lifted", "Room ID"],
    )
    st.dataframe(frame, hide_index=True, width="stretch")


def _word(entry: dict[str, object] | None) -> str:
    if not entry:
        return "not yet"
    reason = f": {entry.get('reason')}" if entry.get("reason") else ""
    return f"{entry.get('status')}{reason}"


# The form ---------------------------------------------------------------------------------


def _keys(prefix: str) -> dict[str, str]:
    return {name: f"{prefix}_impose_{name}"
            for name in ("rooms", "kind", "duration", "reason", "notify", "submission")}


@action(Role.ADMIN, Role.MODERATOR)
def _impose(identity: Identity, user_id: str, prefix: str) -> None:
    keys, state = _keys(prefix), st.session_state
    kind = SanctionKind(state.get(keys["kind"]) or SanctionKind.BAN)
    imposed = act(lambda: sanctions.impose(
        actor=identity.username, user_id=user_id, room_ids=state.get(keys["rooms"]) or [],
        kind=kind, duration=sanctions.CHOICES[state.get(keys["duration"]) or "1 day"],
        reason=state.get(keys["reason"]) or "", notify=bool(state.get(keys["notify"])),
        submission_id=state.get(keys["submission"]) or "",
    ), lambda s: f"Sanction #{s.id}: {sanctions.VERBS[kind]} {s.matrix_user_id} in "
                 f"{_rooms_done(s)} room(s), {time_left(s)} left.{_failed_rooms(s, 'imposed')}",
        **KEYS)
    if imposed is not None:  # the next submission is a new sanction
        state[keys["submission"]] = new_submission_id()
        state[keys["reason"]] = ""


def impose_form(preview: RemovalPreview, *, prefix: str) -> None:
    """Ban, mute or kick the previewed member, in rooms they are in (chosen by default) or the
    bot's other rooms, for a while."""
    keys = _keys(prefix)
    st.session_state.setdefault(keys["submission"], new_submission_id())
    present = {r.room_id: f"{r.name} ({r.membership})" for r in preview.rooms}
    others = rooms.rooms_by_id(preview.elsewhere)
    labels = {**present, **{rid: f"{others[rid].label if rid in others else rid} (not there)"
                            for rid in preview.elsewhere}}
    with st.form(f"{prefix}_impose_form"):
        st.multiselect("Rooms", list(labels), default=list(present), key=keys["rooms"],
                       format_func=labels.__getitem__,
                       help="The rooms they are in are chosen; add others to keep them out.")
        cols = st.columns(2)
        cols[0].radio("Sanction", list(KIND_LABELS), key=keys["kind"],
                      format_func=KIND_LABELS.__getitem__)
        cols[1].selectbox("For", list(sanctions.CHOICES), key=keys["duration"], index=1,
                          help="It lifts itself then, even across restarts.")
        st.text_input("Reason", key=keys["reason"],
                      help="Recorded in the rooms, the audit log and the case file.")
        st.checkbox("Tell them by direct message", key=keys["notify"])
        st.form_submit_button("Impose", type="primary", icon=":material/gavel:",
                              on_click=_impose, args=(preview.user_id, prefix))
