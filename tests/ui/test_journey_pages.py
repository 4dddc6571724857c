"""AppTest: Onboard member and Offboard member against real Synapse and the Authentik fake."""

from __future__ import annotations

import pytest

from app.services import journeys, moderators, offboarding, rooms
from app.services.progress import Progress, ProgressCallback
from app.utils.state import SessionKey as K
from tests.support.journey_env import JourneyEnv
from tests.support.waiting import wait_for
from tests.ui.conftest import log_in, new_app, plain

pytestmark = pytest.mark.synapse


@pytest.fixture
def onboard_app(journey_env: JourneyEnv, admin_account):
    at = log_in(new_app().run(), "admin")
    return at.switch_page("app/pages/onboard.py").run()


def test_onboard_page_happy_path_with_recommended_rooms(journey_env: JourneyEnv, onboard_app):
    env, at = journey_env, onboard_app
    hiking = env.room("Hiking club")
    chess = env.room("Chess")
    rooms.sync_rooms(actor="admin")
    rooms.set_room_tags(
        actor="admin", room_id=hiking, categories=["Outdoors"], keywords="hiking, mountains"
    )
    member = env.member()
    at = at.run()
    at.text_input(key=K.ONBOARD_FIRST_NAME).input("Grace").run()
    at.text_input(key=K.ONBOARD_LAST_NAME).input("Hopper").run()
    assert at.text_input(key=K.ONBOARD_USERNAME).value == "grace.hopper"
    at.text_input(key=K.ONBOARD_INTERESTS).input("mountains, compilers").run()
    assert at.multiselect(key=K.ONBOARD_RECOMMENDED).value == [hiking]
    at.multiselect(key=K.ONBOARD_HAND).select(chess).run()
    at.text_input(key=K.ONBOARD_MATRIX_TYPED).input(member.user_id).run()
    assert "2 room(s) chosen." in [c.value for c in at.caption]
    next(b for b in at.button if b.label == "Onboard").click().run()
    assert not at.exception and not at.error
    grid = at.dataframe[0].value
    assert dict(zip(grid["Step"], grid["Status"], strict=True))["Room invites"] == "✅ done"
    password = at.code[0].value
    user = next(u for u in env.authentik.users.values() if u.username == "grace.hopper")
    assert env.authentik.password_matches(user.pk, password)
    assert {env.synapse.membership(env.bot, r, member.user_id) for r in (hiking, chess)} == {
        "invite"
    }
    journey = journeys.recent("onboarding")[0]
    wait_for(lambda: journeys.get(journey.id).step("welcome_dm").status == "done")
    at.button(key="onboard_dismiss").click().run()
    assert not at.code  # the one-time password is gone once dismissed


def test_onboard_page_names_a_bad_matrix_id_before_any_request(journey_env, onboard_app):
    at = onboard_app
    at.text_input(key=K.ONBOARD_FIRST_NAME).input("Ada").run()
    at.text_input(key=K.ONBOARD_MATRIX_TYPED).input("ada-at-example").run()
    before = journey_env.authentik.count("POST")
    next(b for b in at.button if b.label == "Onboard").click().run()
    assert "**Matrix user ID**" in plain(at.error[0].value)
    assert journey_env.authentik.count("POST") == before  # nothing created
    assert journeys.recent("onboarding") == []


def test_offboard_page_previews_then_offboards(journey_env: JourneyEnv, moderator_account):
    env = journey_env
    account = env.authentik.add_user("trouble", name="Trouble Maker")
    member = env.synapse.register()
    room = env.room("Lounge")
    env.synapse.add_member(env.bot, room, member)
    at = log_in(new_app().run(), "mod").switch_page("app/pages/offboard.py").run()
    at.text_input(key=K.OFFBOARD_USERNAME).input("trouble")
    at.text_input(key=K.OFFBOARD_MATRIX_ID).input(member.user_id)
    next(b for b in at.button if b.label == "Preview").click().run()
    assert not at.exception
    assert any("Trouble Maker" in m.value for m in at.markdown)
    assert list(at.dataframe[0].value["Room"]) == ["Lounge"]
    next(b for b in at.button if b.label == "Offboard now").click().run()
    assert "**Reason**" in plain(at.error[0].value)  # required, refused before any request
    assert env.authentik.users[account.pk].is_active
    at.text_input(key=K.OFFBOARD_REASON).input("harassment").run()
    at.selectbox(key=K.OFFBOARD_MESSAGE).select("removal_safety").run()
    next(b for b in at.button if b.label == "Offboard now").click().run()
    assert not at.error
    assert any("Offboarding #1" in m.value and "✅ done" in m.value for m in at.markdown)
    assert not env.authentik.users[account.pk].is_active
    assert env.synapse.membership(env.bot, room, member.user_id) == "leave"


def test_offboard_page_refuses_protected_accounts_and_shows_no_button(
    journey_env: JourneyEnv, moderator_account
):
    fake = journey_env.authentik
    fake.add_user("chief", groups=[fake.group_named("authentik Admins").pk])
    at = log_in(new_app().run(), "mod").switch_page("app/pages/offboard.py").run()
    for username, why in (("chief", "superuser"), (fake.admin.username, "AUTHENTIK_TOKEN")):
        at.text_input(key=K.OFFBOARD_USERNAME).input(username)
        next(b for b in at.button if b.label == "Preview").click().run()
        assert why in plain(at.error[0].value)
        assert not [b for b in at.button if b.label == "Offboard now"]
        assert not at.checkbox  # and a moderator is never offered deletion
    at.text_input(key=K.OFFBOARD_USERNAME).input("")
    at.text_input(key=K.OFFBOARD_MATRIX_ID).input(journey_env.bot.user_id)
    next(b for b in at.button if b.label == "Preview").click().run()
    assert "own bot" in plain(at.warning[0].value)
    assert not [b for b in at.button if b.label == "Offboard now"]


def test_moderators_page_links_matrix_id_and_sets_power(journey_env: JourneyEnv, admin_account):
    env = journey_env
    room = env.room("Help desk")
    rooms.sync_rooms(actor="admin")
    person = env.synapse.register()
    at = log_in(new_app().run(), "admin").switch_page("app/pages/moderators.py").run()
    at.text_input(key=K.MODERATORS_MATRIX_ID).input("not-an-id")
    next(b for b in at.button if b.label == "Save Matrix ID").click().run()
    assert "**Matrix user ID**" in plain(at.error[0].value)
    at.text_input(key=K.MODERATORS_MATRIX_ID).input(person.user_id)
    next(b for b in at.button if b.label == "Save Matrix ID").click().run()
    assert not at.error
    at.multiselect(key=K.MODERATORS_ROOMS).select(room).run()
    next(b for b in at.button if b.label == "Set power level").click().run()
    assert "Power level 50 set in 1 of 1 room(s)." in plain(at.success[0].value)
    levels = env.synapse.state(env.bot, room, "m.room.power_levels")
    assert levels["users"][person.user_id] == 50


def spy_progress(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> list[Progress]:
    """Record what the real service reports to the page's progress callback."""
    real = getattr(module, name)
    seen: list[Progress] = []

    def spied(*args: object, on_progress: ProgressCallback | None = None, **kwargs: object):
        assert on_progress is not None, f"the page passed no progress callback to {name}"

        def both(progress: Progress) -> None:
            seen.append(progress)
            on_progress(progress)

        return real(*args, on_progress=both, **kwargs)

    monkeypatch.setattr(module, name, spied)
    return seen


def test_power_levels_are_set_under_a_progress_bar_fed_room_by_room(
    journey_env: JourneyEnv, admin_account, monkeypatch: pytest.MonkeyPatch
):
    env = journey_env
    desk, lounge = env.room("Help desk"), env.room("Lounge")
    rooms.sync_rooms(actor="admin")
    person = env.synapse.register()
    seen = spy_progress(monkeypatch, moderators, "set_room_power")
    at = log_in(new_app().run(), "admin").switch_page("app/pages/moderators.py").run()
    at.text_input(key=K.MODERATORS_MATRIX_ID).input(person.user_id)
    next(b for b in at.button if b.label == "Save Matrix ID").click().run()
    at.multiselect(key=K.MODERATORS_ROOMS).select(desk).select(lounge).run()
    next(b for b in at.button if b.label == "Set power level").click().run()
    assert not at.exception and not at.error
    assert [(p.done, p.total) for p in seen] == [(1, 2), (2, 2)]
    assert {p.item for p in seen} == {desk, lounge}
    assert [(s.label, s.state) for s in at.status] == [("Power level 50: done", "complete")]
    assert "Power level 50 set in 2 of 2 room(s)." in plain(at.success[0].value)
    at.run()  # a later run does not set them again
    assert len(seen) == 2


def test_offboarding_preview_reads_the_rooms_under_a_progress_bar(
    journey_env: JourneyEnv, moderator_account, monkeypatch: pytest.MonkeyPatch
):
    env = journey_env
    member = env.synapse.register()
    for name in ("Lounge", "Garden"):
        env.synapse.add_member(env.bot, env.room(name), member)
    seen = spy_progress(monkeypatch, offboarding, "preview")
    at = log_in(new_app().run(), "mod").switch_page("app/pages/offboard.py").run()
    at.text_input(key=K.OFFBOARD_MATRIX_ID).input(member.user_id)
    next(b for b in at.button if b.label == "Preview").click().run()
    assert not at.exception and not at.error
    assert seen and seen[-1].done == seen[-1].total
    assert sorted(at.dataframe[0].value["Room"]) == ["Garden", "Lounge"]
    looked = len(seen)
    at.run()  # a later run shows the same preview without looking again
    assert len(seen) == looked
    assert sorted(at.dataframe[0].value["Room"]) == ["Garden", "Lounge"]
