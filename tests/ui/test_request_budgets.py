"""AppTest: request budgets of the Authentik pages, counted in the fake (deterministic).

A rerun that changes nothing reads nothing again; reference data (groups, the enrollment
flow) is read once per process while fresh; one users-directory page view is one request; the
dashboard's own changes make what was kept stale at once; a change made elsewhere shows after
REFERENCE_TTL.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app.services import reference
from app.utils.state import SessionKey as K
from tests.support.authentik_fake import AuthentikFake

GROUPS = ("GET", "/core/groups/")
USERS = ("GET", "/core/users/")


@pytest.fixture
def fake(authentik_installed: AuthentikFake) -> AuthentikFake:
    authentik_installed.seed_users(120)
    authentik_installed.add_group("members")
    return authentik_installed


def requests_of(fake: AuthentikFake, run) -> dict[tuple[str, str], int]:
    """The Authentik requests `run()` made, by (method, path template)."""
    fake.reset_requests()
    run()
    return dict(fake.counts())


def click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click()
    return at.run()


def test_groups_are_read_once_for_every_page_and_rerun_that_needs_them(
    fake: AuthentikFake, admin_app: AppTest
) -> None:
    pages = ("app/pages/create_user.py", "app/pages/onboard.py", "app/pages/users.py",
             "app/pages/invites.py")
    fake.reset_requests()
    for page in pages:
        at = admin_app.switch_page(page).run()
        assert not at.exception, page
        at.run()
    assert fake.count(*GROUPS) == 1

    # A rerun that changes nothing sends nothing, on each page.
    for page in pages:
        at = admin_app.switch_page(page).run()
        assert requests_of(fake, at.run) == {}, page


def test_one_request_per_users_directory_page_view(
    fake: AuthentikFake, admin_app: AppTest
) -> None:
    at = admin_app.switch_page("app/pages/users.py").run()  # reference data read here
    assert requests_of(fake, lambda: click(at, "Next")) == {USERS: 1}
    assert any("page 2 of" in m.value for m in at.markdown)
    assert requests_of(fake, at.run) == {}  # the same view again
    assert requests_of(fake, lambda: at.text_input(key=K.USERS_SEARCH).input("member0001")
                       .run()) == {USERS: 1}


def test_the_dashboards_own_change_is_seen_at_once(
    fake: AuthentikFake, admin_app: AppTest
) -> None:
    at = admin_app.switch_page("app/pages/create_user.py").run()
    fake.add_group("volunteers")  # made in Authentik's own admin: not seen until the TTL
    at.run()
    assert "volunteers" not in at.multiselect(key=K.CREATE_USER_GROUPS).options
    at.text_input(key=K.CREATE_USER_FIRST_NAME).input("Grace")
    at.text_input(key=K.CREATE_USER_LAST_NAME).input("Hopper").run()
    at.text_input(key=K.CREATE_USER_EMAIL).input("grace@example.org")
    counts = requests_of(fake, lambda: click(at, "Create user"))
    assert counts.get(GROUPS, 0) == 1  # the create was a change: groups are read again
    assert "volunteers" in at.multiselect(key=K.CREATE_USER_GROUPS).options
    assert requests_of(fake, at.run) == {}


def test_a_change_made_elsewhere_shows_after_the_ttl(
    fake: AuthentikFake, admin_app: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = admin_app.switch_page("app/pages/create_user.py").run()
    fake.add_group("volunteers")
    monkeypatch.setattr(reference, "REFERENCE_TTL", 0.0)  # as if a minute had passed
    assert requests_of(fake, at.run) == {GROUPS: 1}
    assert "volunteers" in at.multiselect(key=K.CREATE_USER_GROUPS).options


def test_invites_and_setup_pages_read_nothing_again_on_a_rerun(
    fake: AuthentikFake, admin_app: AppTest
) -> None:
    for page in ("app/pages/invites.py", "app/pages/authentik_setup.py"):
        at = admin_app.switch_page(page).run()
        assert not at.exception, page
        assert requests_of(fake, at.run) == {}, page
