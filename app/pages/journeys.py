"""Journeys (admin): every onboarding, offboarding and room journey, with its steps and rooms;
retry what failed, cancel what has not started. Read from the journeys' own records, so it
shows the same on every replica and after a restart."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.auth.identity import Identity
from app.services import emails, journey_runner, journeys, undo
from app.services.journeys import JourneyView
from app.ui import email_view, journey_view, undo_view
from app.ui.feedback import act, show_error, show_notice
from app.ui.guard import action, require_page
from app.ui.pick import pick
from app.ui.text import md
from app.utils.enums import JourneyKind, JourneyStatus, Role
from app.utils.state import SessionKey as K

ANY = ""
KIND_LABELS = {
    ANY: "Any kind",
    JourneyKind.ONBOARDING: "Onboarding",
    JourneyKind.OFFBOARDING: "Offboarding",
    JourneyKind.REMOVAL: "Removal from rooms",
    JourneyKind.ROOM_INVITES: "Room invites",
    JourneyKind.UNDO: "Undo",
}
STATUS_LABELS = {ANY: "Any status", **{s.value: journey_view.JOURNEY_BADGES[s]
                                       for s in JourneyStatus}}


KEYS = {"error_key": K.JOURNEYS_ERROR, "notice_key": K.JOURNEYS_NOTICE}


def _titles(kind: str) -> dict[str, str]:
    plan = journey_runner.PLANS.get(kind)
    return dict(plan.titles) if plan else {}


@action(Role.ADMIN)
def _retry(identity: Identity, journey_id: int) -> None:
    act(lambda: journey_runner.retry(actor=identity.username, journey_id=journey_id),
        lambda _: f"Journey #{journey_id}: retrying what is not done.", **KEYS)


@action(Role.ADMIN)
def _cancel(identity: Identity, journey_id: int) -> None:
    act(lambda: journey_runner.cancel(actor=identity.username, journey_id=journey_id),
        lambda _: f"Journey #{journey_id}: cancelled what had not started.", **KEYS)


def _filters() -> list[JourneyView]:
    cols = st.columns([2, 2, 3])
    kind = cols[0].selectbox("Kind", list(KIND_LABELS), key=K.JOURNEYS_KIND,
                             format_func=KIND_LABELS.__getitem__)
    status = cols[1].selectbox("Status", list(STATUS_LABELS), key=K.JOURNEYS_STATUS,
                               format_func=STATUS_LABELS.__getitem__)
    member = cols[2].text_input("Member", key=K.JOURNEYS_MEMBER,
                                placeholder="Name, Authentik username or Matrix ID")
    return journeys.search(kind=kind or None, status=status or None, member=member, limit=200)


def _table(found: list[JourneyView]) -> None:
    frame = pd.DataFrame(
        [
            {
                "#": j.id,
                "Kind": KIND_LABELS.get(j.kind, j.kind),
                "Member": j.member_name or j.member,
                "Status": journey_view.badge(j),
                "Started (UTC)": j.created_at.strftime("%Y-%m-%d %H:%M"),
                "By": j.actor,
                "Runs": j.runs,
            }
            for j in found
        ],
        columns=["#", "Kind", "Member", "Status", "Started (UTC)", "By", "Runs"],
    )
    st.dataframe(frame, hide_index=True, width="stretch")


def _detail(journey: JourneyView) -> None:
    titles = _titles(journey.kind)
    with st.container(border=True):
        st.markdown(
            f"**{KIND_LABELS.get(journey.kind, journey.kind)} #{journey.id}: "
            f"{md(journey.member_name or journey.member)}** · {journey_view.badge(journey)}"
        )
        st.caption(
            f"Started {journey.created_at:%Y-%m-%d %H:%M:%S} UTC by {md(journey.actor)} · "
            f"{journey.runs} run(s) · {md(journey.member)}"
        )
        journey_view.step_table(journey, titles)
        email_view.welcome_email(emails.for_journey(journey.id))
        if journey.kind == JourneyKind.ONBOARDING and _credential_not_shown(journey):
            st.info("The account's password or recovery link has not been shown to anyone "
                    "yet: retry this onboarding from Onboard member (Recent onboardings) to "
                    "see it there, once.", icon=":material/key:")
        for step in journey.steps:
            if step.result.get("rooms"):
                st.markdown(f"**{md(titles.get(step.name, step.name))}: rooms**")
                journey_view.room_results(journey, step.name, {})
        waiting = journey_runner.scheduled(journey)
        for work in waiting:
            due = f", due {work.due:%H:%M:%S} UTC" if work.due else ""
            st.caption(f"Waiting to start: {md(work.name)}{due}")
        cols = st.columns(4)
        cols[0].button("Retry failed steps", key="journeys_retry", on_click=_retry,
                       args=(journey.id,), icon=":material/replay:",
                       disabled=journey.status != JourneyStatus.FAILED,
                       help="Only for a journey that ended with a failed step.")
        cols[1].button("Cancel what has not started", key="journeys_cancel", on_click=_cancel,
                       args=(journey.id,), icon=":material/cancel:",
                       disabled=not waiting and journey.status != JourneyStatus.QUEUED,
                       help="Queued work or a message waiting for its time; a running step "
                            "is never stopped midway.")
        cols[2].button("Refresh", key="journeys_refresh", icon=":material/refresh:")
        if journey.kind == JourneyKind.UNDO:
            st.caption(f"Undoes {md(str(journey.params.get('undoes', '')))}: "
                       f"{md(str(journey.params.get('title', '')))}")
        elif journey.kind in undo.UNDOABLE and not journey.active:
            undo_view.panel(undo.JOURNEY, journey.id, prefix="journeys")


def _credential_not_shown(journey: JourneyView) -> bool:
    account = next((s for s in journey.steps if s.name == "authentik_account"), None)
    credential = next((s for s in journey.steps if s.name == "credential"), None)
    return bool(account and credential and account.result.get("created")
                and credential.status in ("pending", "failed"))


def render() -> None:
    require_page(__file__)
    st.title("Journeys")
    st.caption("Onboardings, offboardings and room work, as the engine runs them.")
    if error := st.session_state.get(K.JOURNEYS_ERROR):
        show_error(error)
    show_notice(st.session_state.get(K.JOURNEYS_NOTICE))
    found = _filters()
    _table(found)
    if not found:
        st.caption("No journey matches.")
        return
    chosen = pick(found, label="Journey", key=K.JOURNEYS_SELECTED,
                  describe=lambda j: f"{j.member_name or j.member} · "
                                     f"{KIND_LABELS.get(j.kind, j.kind)}")
    if chosen is not None:
        _detail(chosen)


if __name__ == "__main__":
    render()
