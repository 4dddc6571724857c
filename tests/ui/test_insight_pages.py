"""AppTest: the overview on Home (admin: everything; moderator: the room parts) and the Drift
report, on the seeded community of tests/support/insight_seed.py (real Synapse, Authentik fake)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from streamlit.testing.v1 import AppTest

from app.services import rooms
from app.services.rooms import scopes
from app.utils.state import SessionKey
from tests.support.insight_seed import Seeded, seed
from tests.support.journey_env import JourneyEnv
from tests.ui.conftest import counted, log_in, new_app

pytestmark = pytest.mark.synapse
CHART = "vega_lite_chart"


@pytest.fixture
def seeded(journey_env: JourneyEnv) -> Seeded:
    return seed(journey_env.authentik, journey_env.synapse, journey_env.bot,
                journey_env.welcome_room)


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_admin_home_shows_the_overview_and_the_funnel_lists_who_is_stuck(
    seeded: Seeded, admin_account,
) -> None:
    at = log_in(new_app().run(), "admin")
    assert any(c.value.startswith("Counting…") for c in at.caption)  # never waited for
    counted(at)
    assert not at.exception
    assert "Overview" in [s.value for s in at.subheader]
    assert any("As of" in c.value for c in at.caption)
    assert len(at.get(CHART)) == 5  # accounts, invitations, onboardings, rooms, moderation
    assert _metrics(at) == {"New accounts": "6", "Onboardings": "4", "Invitations made": "8",
                            "Invitations used": "5"}
    steps = at.dataframe[0].value
    assert list(steps["Reached"]) == [8, 5, 4, 3, 2, 1]
    inviters = at.table[0].value
    assert list(inviters.index) == ["alice", "bob"]
    # Pick "Matrix ID linked": u4 is stuck there (linked, only in the welcome room).
    at.session_state[SessionKey.HOME_FUNNEL_PICKED] = {
        "selection": {"rows": [3], "columns": [], "cells": []}}
    at.run()
    stuck = at.dataframe[1].value
    assert list(stuck["Username"]) == ["u4"] and list(stuck["Invitation"]) == ["inv4"]
    at.selectbox(key=SessionKey.HOME_PERIOD).select("All time")
    counted(at)
    assert _metrics(at)["New accounts"] == "8"  # "old" and akadmin too


def test_moderator_home_shows_only_the_room_parts_and_asks_authentik_nothing(
    seeded: Seeded, moderator_account, journey_env: JourneyEnv,
) -> None:
    journey_env.authentik.reset_requests()
    at = counted(log_in(new_app().run(), "mod"))
    assert not at.exception
    assert len(at.get(CHART)) == 2 and not at.metric
    assert "Onboarding funnel" not in [s.value for s in at.subheader]
    assert journey_env.authentik.count("GET", "/core/users/") == 0
    with pytest.raises(ValueError, match="Could not find"):
        at.switch_page("app/pages/drift.py")
    assert "(3 rooms)" in _rooms_heading(at)  # Welcome, Garden, Empty


def _rooms_heading(at: AppTest) -> str:
    return next(m.value for m in at.markdown if "Rooms by joined members" in m.value)


def test_a_scoped_moderator_sees_the_rooms_of_their_scope(
    seeded: Seeded, moderator_account,
) -> None:
    rooms.set_room_tags(actor="admin", room_id=seeded.room, categories=["Outdoors"],
                        keywords=[])
    scopes.set_scope(actor="admin", account_id=moderator_account.id, categories=["Outdoors"])
    at = counted(log_in(new_app().run(), "mod"))
    assert not at.exception
    assert "(1 rooms)" in _rooms_heading(at)  # Garden only
    assert any("your scope" in c.value and "Outdoors" in c.value for c in at.caption)


def test_drift_report_lists_each_drift_exports_it_and_links_its_actions(
    seeded: Seeded, admin_account,
) -> None:
    at = log_in(new_app().run(), "admin")
    counted(at.switch_page("app/pages/drift.py"))
    assert not at.exception
    titles = [s.value for s in at.subheader]
    assert titles == [
        "Authentik accounts without a linked Matrix ID (2)",
        "Matrix members of the rooms with no Authentik account (1)",
        "Deactivated Authentik accounts still in rooms (1)",
        "Members in no room (2)",
        "Invitations expired unused (1)",
    ]
    assert len(at.get("download_button")) == 5  # one CSV per list
    key = f"{SessionKey.DRIFT_PICKED}_deactivated_in_rooms"
    at.session_state[key] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    links = {link.proto.label: link.proto.query_string for link in at.get("page_link")}
    gone = urlencode({"matrix": seeded.gone})
    assert links["Offboard"] == f"member=gone&{gone}"
    assert links["Remove from rooms"] == gone
    assert links["Open their case file"] == f"member=gone&{gone}"


def test_a_link_fills_in_the_member_on_the_page_it_opens(seeded: Seeded, admin_account) -> None:
    at = log_in(new_app().run(), "admin")
    at.query_params["member"] = "gone"
    at.query_params["matrix"] = seeded.gone
    at.switch_page("app/pages/offboard.py").run()
    assert at.text_input(key=SessionKey.OFFBOARD_USERNAME).value == "gone"
    assert at.text_input(key=SessionKey.OFFBOARD_MATRIX_ID).value == seeded.gone
    at.switch_page("app/pages/remove_member.py").run()
    assert at.text_input(key=SessionKey.REMOVE_USER).value == seeded.gone
    at.switch_page("app/pages/room_invites.py").run()
    assert at.text_input(key=SessionKey.INVITE_ROOMS_USER).value == seeded.gone
