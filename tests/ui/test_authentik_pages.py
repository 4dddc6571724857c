"""AppTest: the Authentik pages (Create user, Invite links, Users directory) against the fake."""

from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

from app.services.audit import AuditFilter, search
from app.ui.account_fields import GENERAL, errors_by_widget
from app.utils.config import get_settings
from app.utils.state import SessionKey as K
from tests.support.authentik_fake import AuthentikFake
from tests.support.authentik_fixtures import AUTHENTIK_PUBLIC
from tests.support.streamlit_server import free_port
from tests.ui.conftest import log_in, new_app, plain

PUBLIC = AUTHENTIK_PUBLIC
PAGES = ("app/pages/create_user.py", "app/pages/invites.py", "app/pages/users.py")


@pytest.fixture
def fake(authentik_installed: AuthentikFake) -> AuthentikFake:
    """The fake behind the app's Authentik client."""
    return authentik_installed


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def flat(node) -> list:
    """Every element below `node`, in page order."""
    children = getattr(node, "children", None)
    if not children:
        return [node]
    return [leaf for key in sorted(children) for leaf in flat(children[key])]


def message_after(at: AppTest, key: str) -> str:
    """The first caption after the widget with `key`, before the next text input."""
    elements = flat(at.main)
    start = next(i for i, e in enumerate(elements) if getattr(e, "key", None) == key)
    for element in elements[start + 1 :]:
        if element.type == "text_input":
            return ""
        if element.type == "caption":
            return plain(element.value)
    return ""


# -- Create user ------------------------------------------------------------------------------


def test_an_earlier_suggestion_the_browser_sends_back_is_still_replaced(
    fake: AuthentikFake, admin_app: AppTest
) -> None:
    """A rerun the browser sent before the newest suggestion (or the cleared form) reached it
    carries an earlier suggestion back: that is not an admin's edit. A typed one is."""
    at = admin_app.switch_page("app/pages/create_user.py").run()
    at.text_input(key=K.CREATE_USER_FIRST_NAME).input("Ada").run()
    at.text_input(key=K.CREATE_USER_LAST_NAME).input("Lovelace").run()
    assert at.text_input(key=K.CREATE_USER_USERNAME).value == "ada.lovelace"
    at.text_input(key=K.CREATE_USER_USERNAME).input("ada")  # the browser's stale value
    at.text_input(key=K.CREATE_USER_LAST_NAME).input("Byron").run()
    assert at.text_input(key=K.CREATE_USER_USERNAME).value == "ada.byron"
    at.text_input(key=K.CREATE_USER_USERNAME).input("countess")  # typed by the admin
    at.text_input(key=K.CREATE_USER_LAST_NAME).input("King").run()
    assert at.text_input(key=K.CREATE_USER_USERNAME).value == "countess"


def test_create_user_suggests_a_free_username_and_shows_the_password_once(
    fake: AuthentikFake, admin_app: AppTest
) -> None:
    fake.add_user("ada.lovelace")
    members = fake.add_group("members")
    at = admin_app.switch_page("app/pages/create_user.py").run()
    at.text_input(key=K.CREATE_USER_FIRST_NAME).input("Ada").run()
    assert at.text_input(key=K.CREATE_USER_USERNAME).value == "ada"
    at.text_input(key=K.CREATE_USER_LAST_NAME).input("Lovelace").run()
    assert at.text_input(key=K.CREATE_USER_USERNAME).value == "ada.lovelace2"
    at.text_input(key=K.CREATE_USER_EMAIL).input("ada@example.org")
    at.multiselect(key=K.CREATE_USER_GROUPS).set_value([members.pk])
    at.text_input(key=K.CREATE_USER_ORGANISATION).input("Analytical Society")
    button(at, "Create user").click()
    at.run()
    assert not at.error
    assert "Created **ada.lovelace2**" in plain(at.success[0].value)
    assert "will not be shown again" in plain(at.warning[0].value)
    password = at.code[0].value
    user = next(u for u in fake.users.values() if u.username == "ada.lovelace2")
    assert fake.password_matches(user.pk, password)
    assert user.groups == [members.pk] and user.attributes["organisation"] == "Analytical Society"
    assert at.text_input(key=K.CREATE_USER_USERNAME).value == ""  # the form is cleared
    button(at, "Done: hide it").click()
    at.run()
    assert not at.code and K.CREATE_USER_RESULT not in at.session_state


def test_authentiks_field_error_appears_next_to_its_field(
    fake: AuthentikFake, admin_app: AppTest
) -> None:
    fake.add_user("taken")
    at = admin_app.switch_page("app/pages/create_user.py").run()
    at.text_input(key=K.CREATE_USER_FIRST_NAME).input("Tom").run()
    at.text_input(key=K.CREATE_USER_USERNAME).input("taken")
    at.text_input(key=K.CREATE_USER_EMAIL).input("tom@example.org")
    button(at, "Create user").click()
    at.run()
    assert "This field must be unique." in message_after(at, K.CREATE_USER_USERNAME)
    assert message_after(at, K.CREATE_USER_EMAIL) == ""
    assert not at.code  # nothing created, nothing to show
    assert at.text_input(key=K.CREATE_USER_EMAIL).value == "tom@example.org"  # input kept
    # Our own check names its field too, before anything is sent.
    fake.reset_requests()
    at.text_input(key=K.CREATE_USER_EMAIL).input("not-an-address")
    at.text_input(key=K.CREATE_USER_USERNAME).input("tom")
    button(at, "Create user").click()
    at.run()
    assert "name@example.org" in message_after(at, K.CREATE_USER_EMAIL)
    assert fake.count("POST") == 0


def test_recovery_link_failure_after_create_says_the_user_exists(
    fake: AuthentikFake, admin_app: AppTest
) -> None:
    fake.recovery_flow_slug = None
    at = admin_app.switch_page("app/pages/create_user.py").run()
    at.text_input(key=K.CREATE_USER_FIRST_NAME).input("Alan").run()
    at.radio(key=K.CREATE_USER_CREDENTIAL).set_value("recovery_link")
    button(at, "Create user").click()
    at.run()
    assert "User 'alan' was created" in plain(at.error[0].value)
    assert "No recovery flow set." in plain(at.error[0].value)
    assert any(u.username == "alan" for u in fake.users.values())


def test_recovery_link_is_shown_on_the_public_host_with_its_lifetime(
    fake: AuthentikFake, admin_app: AppTest
) -> None:
    at = admin_app.switch_page("app/pages/create_user.py").run()
    at.text_input(key=K.CREATE_USER_FIRST_NAME).input("Grace").run()
    at.radio(key=K.CREATE_USER_CREDENTIAL).set_value("recovery_link")
    button(at, "Create user").click()
    at.run()
    assert at.code[0].value.startswith(f"{PUBLIC}/if/flow/default-recovery-flow/?flow_token=")
    assert "expires 30 minutes after it was made (at " in plain(at.info[0].value)


def test_authentik_field_names_map_to_widgets() -> None:
    mapped = errors_by_widget(
        {
            "name": ["too long"],
            "attributes.organisation": ["bad"],
            "path": ["No leading or trailing slashes allowed."],
            "non_field_errors": ["nope"],
        }
    )
    assert mapped["first_name"] == ["too long"] and mapped["organisation"] == ["bad"]
    assert mapped[GENERAL] == ["path: No leading or trailing slashes allowed.", "nope"]


# -- Invite links ----------------------------------------------------------------------------------


def test_invites_create_shows_the_exact_link_lists_and_revokes(
    fake: AuthentikFake, admin_app: AppTest
) -> None:
    at = admin_app.switch_page("app/pages/invites.py").run()
    at.text_input(key=K.INVITES_LABEL).input("!!!")
    button(at, "Create invite").click()
    at.run()
    assert "letters or digits" in message_after(at, K.INVITES_LABEL)
    assert not fake.invitations
    at.text_input(key=K.INVITES_LABEL).input("Spring meetup")
    at.number_input(key=K.INVITES_DAYS).set_value(0)
    at.number_input(key=K.INVITES_HOURS).set_value(0)
    button(at, "Create invite").click()
    at.run()
    assert "at least 1 hour" in message_after(at, K.INVITES_HOURS)
    assert not fake.invitations
    at.number_input(key=K.INVITES_DAYS).set_value(7)
    at.text_input(key=K.INVITES_EMAIL).input("new@example.org")
    button(at, "Create invite").click()
    at.run()
    (invitation,) = fake.invitations.values()
    link = f"{PUBLIC}/if/flow/default-enrollment-flow/?itoken={invitation.pk}"
    assert at.code[0].value == link
    assert invitation.name == "spring-meetup" and invitation.single_use
    grid = at.dataframe[0].value
    assert list(grid["Name"]) == ["spring-meetup"] and list(grid["Link"]) == [link]
    assert list(grid["Created by"]) == ["admin"]  # the dashboard user who made it
    assert list(grid["Authentik account"]) == ["akadmin"]  # Authentik's record: the token's
    assert list(grid["Status"]) == ["active"]
    at.selectbox(key=K.INVITES_REVOKE).set_value(invitation.pk)
    button(at, "Revoke").click()
    at.run()
    assert "Revoked 'spring-meetup'" in plain(at.success[0].value)
    assert not fake.invitations and not at.code
    assert [r.outcome for r in search(AuditFilter(action="authentik.invite.revoke")).rows] == ["ok"]


# -- Users directory ----------------------------------------------------------------------------


def test_users_directory_search_and_bulk_deactivate_with_per_user_results(
    fake: AuthentikFake, admin_app: AppTest
) -> None:
    seeded = fake.seed_users(30)
    at = admin_app.switch_page("app/pages/users.py").run()
    assert "**31** users match" in plain(at.markdown[0].value)
    at.text_input(key=K.USERS_SEARCH).input("member0001").run()
    assert "**10** users match" in plain(at.markdown[0].value)
    grid = at.dataframe[0].value
    assert list(grid["Username"]) == [f"member0001{i}" for i in range(10)]
    # Select three rows (AppTest sets the selection state the browser would send).
    at.session_state[K.USERS_TABLE] = {"selection": {"rows": [0, 1, 2], "columns": [], "cells": []}}
    at.run()
    assert "**3 selected**" in next(m.value for m in at.markdown if "selected" in m.value)
    targets = {u.username: u for u in seeded}
    broken = targets["member00011"]
    fake.fail_next("PATCH", f"/core/users/{broken.pk}/", status=500)
    at.selectbox(key=K.USERS_BULK_ACTION).set_value("deactivate")
    at.run()
    button(at, "Run").click()
    at.run()
    results = at.dataframe[0].value
    assert dict(zip(results["User"], results["Result"], strict=True)) == {
        "member00010": "ok",
        "member00011": "failed",
        "member00012": "ok",
    }
    assert "500" in results["Reason"][1]
    assert [targets[f"member0001{i}"].is_active for i in range(3)] == [False, True, False]
    # The table below was fetched after the action and the selection is gone.
    assert list(at.dataframe[1].value["Active"])[:3] == [False, True, False]
    assert not any("selected**" in m.value for m in at.markdown)


def test_users_directory_shows_one_selected_users_detail(
    fake: AuthentikFake, admin_app: AppTest
) -> None:
    staff = fake.add_group("staff")
    fake.add_user("ada", name="Ada L", attributes={"organisation": "AS"}, groups=[staff.pk])
    at = admin_app.switch_page("app/pages/users.py").run()
    assert list(at.dataframe[0].value["Username"]) == ["ada", "akadmin"]
    at.session_state[K.USERS_TABLE] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    (detail,) = at.expander
    assert detail.label == "ada: details"
    assert "Groups: staff" in plain(detail.markdown[0].value)
    assert at.json[0].value == '{"organisation": "AS"}'


def test_users_directory_delete_needs_the_word_and_export_has_every_user(
    fake: AuthentikFake, admin_app: AppTest
) -> None:
    fake.seed_users(40)
    at = admin_app.switch_page("app/pages/users.py").run()
    at.session_state[K.USERS_TABLE] = {"selection": {"rows": [1, 2], "columns": [], "cells": []}}
    at.run()
    at.selectbox(key=K.USERS_BULK_ACTION).set_value("delete").run()
    at.text_input(key=K.USERS_BULK_CONFIRM).input("yes")
    button(at, "Run").click()
    at.run()
    assert any("type DELETE or 2" in c.value for c in at.caption)
    assert len(fake.users) == 41
    at.text_input(key=K.USERS_BULK_CONFIRM).input("DELETE")
    button(at, "Run").click()
    at.run()
    assert len(fake.users) == 39
    assert "**39** users match" in next(m.value for m in at.markdown if "users match" in m.value)
    button(at, "Export the matching users as CSV").click()
    at.run()
    assert at.download_button[0].label == "Download CSV (39 users)"
    assert [r.target for r in search(AuditFilter(action="authentik.user.export")).rows] == [
        "39 users"
    ]


def pager_label(at: AppTest) -> str:
    return plain(next(m.value for m in at.markdown if "users match" in m.value))


def test_users_directory_pages_honestly_at_every_offered_size_and_jumps_in_one_action(
    fake: AuthentikFake, admin_app: AppTest
) -> None:
    fake.seed_users(249)  # and akadmin: 250
    at = admin_app.switch_page("app/pages/users.py").run()
    assert list(at.selectbox(key=K.USERS_PAGE_SIZE).options) == ["25", "50", "100"]
    assert pager_label(at) == "**250** users match · showing 1-50 · page 1 of 5"
    for size in (25, 50, 100):
        at.selectbox(key=K.USERS_PAGE_SIZE).set_value(size).run()
        pages = -(-250 // size)
        assert pager_label(at) == f"**250** users match · showing 1-{size} · page 1 of {pages}"
        button(at, "Last").click()
        at.run()  # one action
        first = (pages - 1) * size + 1
        assert pager_label(at) == (
            f"**250** users match · showing {first}-250 · page {pages} of {pages}"
        )
        assert at.dataframe[0].value["Username"].iloc[-1] == "member00249"
        assert len(at.dataframe[0].value) == 250 - first + 1
        button(at, "First").click()
        at.run()
        assert f"showing 1-{size} · page 1 of" in pager_label(at)
    at.number_input(key=K.USERS_PAGE_JUMP).set_value(2).run()
    assert pager_label(at) == "**250** users match · showing 101-200 · page 2 of 3"


# -- configuration and reachability -------------------------------------------------------------


@pytest.mark.parametrize("page_file", PAGES)  # not "page": that is Playwright's fixture
def test_pages_say_authentik_is_not_configured_and_what_to_set(
    admin_app: AppTest, page_file: str
) -> None:
    at = admin_app.switch_page(page_file).run()
    assert not at.exception
    (info,) = at.info
    assert "Authentik is not configured: set AUTHENTIK_URL, AUTHENTIK_TOKEN" in plain(info.value)


def test_unreachable_authentik_gives_a_clear_error_quickly(
    monkeypatch: pytest.MonkeyPatch, admin_app: AppTest
) -> None:
    monkeypatch.setenv("AUTHENTIK_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("AUTHENTIK_TOKEN", "some-token")
    monkeypatch.setenv("AUTHENTIK_TIMEOUT_SECONDS", "2")
    get_settings.cache_clear()
    started = time.monotonic()
    at = admin_app.switch_page("app/pages/users.py").run()
    assert time.monotonic() - started < 4
    assert "could not be reached" in plain(at.error[0].value)
    assert "AUTHENTIK_URL" in plain(at.error[0].value)


def test_moderators_cannot_open_the_authentik_pages(moderator_account) -> None:
    at = log_in(new_app().run(), "mod")
    for page in PAGES:
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)
