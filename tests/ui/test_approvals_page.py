"""AppTest: the two-person rule from the Users directory and Offboard member to the Approvals
page, against the schema-checked Authentik fake (and the real Synapse for offboarding)."""

from __future__ import annotations

import pytest

from app.services import approvals
from app.services.accounts import create_account
from app.utils.config import get_settings
from app.utils.state import SessionKey as K
from tests.support.journey_env import JourneyEnv
from tests.support.waiting import wait_for
from tests.ui.conftest import PASSWORD, log_in, new_app, plain

pytestmark = pytest.mark.synapse


@pytest.fixture
def rule_on(journey_env: JourneyEnv, admin_account, moderator_account) -> JourneyEnv:
    journey_env.monkeypatch.setenv("TWO_PERSON_RULE", "deactivate,delete")
    get_settings.cache_clear()
    create_account(actor="test", username="second", password=PASSWORD, role="admin")
    return journey_env


def _button(at, label: str):
    return next(b for b in at.button if b.label == label)


def test_an_offboarding_waits_on_the_approvals_page_until_another_admin_approves(
    rule_on: JourneyEnv,
) -> None:
    env = rule_on
    account = env.authentik.add_user("quitter", name="Quit Ter")
    at = log_in(new_app().run(), "mod").switch_page("app/pages/offboard.py").run()
    at.text_input(key=K.OFFBOARD_USERNAME).input("quitter")
    _button(at, "Preview").click().run()
    at.text_input(key=K.OFFBOARD_REASON).input("moved away").run()
    assert any("Deactivating an account" in plain(i.value) for i in at.info)
    _button(at, "Ask a second admin").click().run()
    assert not at.exception and not at.error
    assert any("waiting for a second admin" in m.value for m in at.markdown)
    assert env.authentik.users[account.pk].is_active  # nothing done yet
    [asked] = approvals.search()

    mine = log_in(new_app().run(), "mod").switch_page("app/pages/approvals.py").run()
    assert [b.label for b in mine.button if b.label.startswith("Approve")] == []
    assert "Withdraw" in [b.label for b in mine.button]  # their own, not decided yet

    other = log_in(new_app().run(), "second").switch_page("app/pages/approvals.py").run()
    assert "moved away" in " ".join(plain(m.value) for m in other.markdown)
    other.button(key=f"approvals_approve_{asked.id}").click().run()
    assert "approved" in plain(other.success[0].value)
    done = wait_for(lambda: (a := approvals.get(asked.id)).state == "done" and a, timeout=60,
                    what="the approved offboarding to start")
    assert done.result["journey"]
    wait_for(lambda: not env.authentik.users[account.pk].is_active, timeout=60,
             what="the account to be deactivated")


def test_the_users_directory_files_a_bulk_delete_for_approval(rule_on: JourneyEnv) -> None:
    env = rule_on
    doomed = env.authentik.add_user("doomed")
    at = log_in(new_app().run(), "admin").switch_page("app/pages/users.py").run()
    at.text_input(key=K.USERS_SEARCH).input("doomed").run()
    at.session_state[K.USERS_TABLE] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at = at.run()
    at.selectbox(key=K.USERS_BULK_ACTION).select("delete").run()
    at.text_input(key=K.USERS_BULK_CONFIRM).input("DELETE")
    _button(at, "Ask a second admin").click().run()
    assert not at.exception
    [asked] = approvals.search()
    assert (asked.requested_by, asked.kind) == ("admin", "users_bulk")
    assert doomed.pk in env.authentik.users
    assert any(f"Request #{asked.id}" in m.value for m in at.markdown)
    own = at.switch_page("app/pages/approvals.py").run()
    assert f"approvals_approve_{asked.id}" not in [b.key for b in own.button]
