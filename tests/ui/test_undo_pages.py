"""AppTest: undo a bulk action from its record, on the Journeys page (a ban from rooms) and in
the Audit log (a bulk deactivation), with one preview and one confirmation."""

from __future__ import annotations

import uuid

import pytest

from app.services import room_journeys, undo, users
from app.services.room_journeys import RemovalRequest
from app.services.users import BulkAction, Selected
from app.utils.enums import JourneyStatus
from app.utils.state import SessionKey as K
from tests.support.journey_env import JourneyEnv
from tests.support.waiting import wait_for
from tests.ui.conftest import log_in, new_app, plain

pytestmark = pytest.mark.synapse


def _button(at, label: str):
    return next(b for b in at.button if b.label == label)


def test_a_ban_is_undone_from_the_journeys_page(journey_env: JourneyEnv, admin_account) -> None:
    env = journey_env
    member = env.synapse.register()
    rooms = [env.room(f"Undo page {i}") for i in range(3)]
    for room in rooms:
        env.synapse.add_member(env.bot, room, member)
    started = room_journeys.begin_removal(
        actor="admin", submission_id=uuid.uuid4().hex,
        request=RemovalRequest(user_id=member.user_id, room_ids=tuple(rooms), action="ban",
                               reason="mistaken ban"))
    room_journeys.follow(started.journey.id)
    at = log_in(new_app().run(), "admin").switch_page("app/pages/journeys.py").run()
    assert at.selectbox(key=K.JOURNEYS_SELECTED).value == started.journey.id
    _button(at, "Undo this…").click().run()
    assert any("3 of 3 item(s)" in plain(m.value) for m in at.markdown)
    assert set(at.dataframe[-1].value["The undo will"]) == {"unban"}
    assert {env.synapse.membership(env.bot, r, member.user_id) for r in rooms} == {"ban"}
    _button(at, "Undo 3 item(s)").click().run()
    assert not at.exception and not at.error
    undone = wait_for(lambda: (u := undo.undone_by(undo.JOURNEY, started.journey.id)) is not None
                      and u.status == JourneyStatus.DONE and u, timeout=60, what="the undo")
    at = at.run()
    assert any(f"Undone by undo #{undone.id}" in m.value for m in at.markdown)
    assert {env.synapse.membership(env.bot, r, member.user_id) for r in rooms} == {"leave"}


def test_a_bulk_deactivation_is_undone_from_the_audit_log(
    journey_env: JourneyEnv, admin_account
) -> None:
    fake = journey_env.authentik
    people = [fake.add_user(f"batch{i}") for i in range(2)]
    outcomes = users.bulk(actor="admin", action=BulkAction.DEACTIVATE,
                          users=[Selected(p.pk, p.username) for p in people])
    at = log_in(new_app().run(), "admin").switch_page("app/pages/audit_log.py").run()
    frame = at.dataframe[0].value
    row = list(frame["Action"]).index("authentik.users.bulk")
    at.session_state[K.AUDIT_PICKED] = {"selection": {"rows": [row], "columns": [],
                                                      "cells": []}}
    at = at.run()
    _button(at, "Undo this…").click().run()
    _button(at, "Undo 2 item(s)").click().run()
    assert not at.exception and not at.error
    wait_for(lambda: all(fake.users[p.pk].is_active for p in people), timeout=60,
             what="the accounts to be active again")
    assert undo.undone_by(undo.BATCH, outcomes[0].batch) is not None  # type: ignore[arg-type]
