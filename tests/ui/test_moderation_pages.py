"""AppTest: the Case files and Sanctions pages, as a moderator, against a real Synapse and the
Authentik fake."""

from __future__ import annotations

import re

import pytest

from app.services import case_file, sanctions
from app.ui.text import md
from app.utils.state import SessionKey as K
from tests.support.journey_env import JourneyEnv
from tests.ui.conftest import log_in, new_app, plain

pytestmark = pytest.mark.synapse


def _button(at, label: str):
    return next(b for b in at.button if b.label == label)


def test_a_case_file_opens_from_its_link_and_takes_a_note(
    journey_env: JourneyEnv, moderator_account
) -> None:
    env = journey_env
    env.authentik.add_user("trouble", name="Trouble Maker",
                           attributes={"invitation": {"by": "alice", "name": "autumn"}})
    member = env.synapse.register()
    room = env.room("Lounge")
    env.synapse.add_member(env.bot, room, member)
    at = log_in(new_app().run(), "mod")
    at.query_params["member"] = "trouble"
    at.query_params["matrix"] = member.user_id
    at = at.switch_page("app/pages/case_file.py").run()
    assert not at.exception and not at.error
    page = " ".join(plain(m.value) for m in at.markdown)
    assert "Trouble Maker" in page
    assert any("'autumn', made by alice" in plain(c.value) for c in at.caption)
    assert list(at.dataframe[0].value["Room"]) == ["Lounge"]
    at.text_area(key=K.CASE_NOTE).input("Asked to calm down <b>twice</b>.")
    _button(at, "Add note").click().run()
    assert "Note added" in plain(at.success[0].value)
    assert at.text_area(key=K.CASE_NOTE).value == ""
    assert [n.body for n in case_file.notes_about(["trouble"])] == [
        "Asked to calm down <b>twice</b>."]
    assert md("Asked to calm down <b>twice</b>.") in [m.value for m in at.markdown]  # as text
    at.text_input(key=K.CASE_SEARCH).input("calm").run()
    assert [link.label for link in at.get("page_link")] == [f"{md('trouble')} (in a note)"]


def test_sanctions_page_imposes_shows_time_left_and_lifts(
    journey_env: JourneyEnv, moderator_account
) -> None:
    env = journey_env
    member = env.synapse.register()
    room = env.room("Forum")
    env.synapse.add_member(env.bot, room, member)
    at = log_in(new_app().run(), "mod").switch_page("app/pages/sanctions.py").run()
    at.text_input(key=K.SANCTIONS_MEMBER).input(member.user_id)
    _button(at, "Find their rooms").click().run()
    assert at.multiselect(key="sanctions_impose_rooms").value == [room]
    at.selectbox(key="sanctions_impose_duration").select("1 hour")
    _button(at, "Impose").click().run()
    assert "**Reason**" in plain(at.error[0].value)  # refused before any request
    assert sanctions.search(actor="tester", member=member.user_id) == []
    at.text_input(key="sanctions_impose_reason").input("spamming links")
    _button(at, "Impose").click().run()
    assert not at.error
    assert "banned" in plain(at.success[0].value) and "1 of 1" in plain(at.success[0].value)
    assert env.synapse.membership(env.bot, room, member.user_id) == "ban"
    grid = at.dataframe[-2].value  # the list, above the chosen sanction's rooms
    assert list(grid["Member"]) == [member.user_id]
    assert re.fullmatch(r"\d+ min|1 h 0 min", grid["Time left"].iloc[0])  # of one hour
    [ban] = sanctions.search(actor="tester", member=member.user_id)
    _button(at, "Lift now").click().run()
    assert "lifted" in plain(at.success[0].value)
    assert env.synapse.membership(env.bot, room, member.user_id) == "leave"
    assert not sanctions.get(ban.id).active
