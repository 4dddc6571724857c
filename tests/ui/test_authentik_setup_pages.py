"""AppTest: the Authentik setup check on Home, and the Authentik setup page's 'Create the flows
for me', against a fake configured like a fresh install."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from app.services import connections
from app.services.audit import AuditFilter, search
from app.utils.authentik import AuthentikClient
from app.utils.config import get_settings
from tests.support.authentik_fake import FAKE_BASE_URL, AuthentikFake
from tests.support.authentik_fixtures import AUTHENTIK_PUBLIC
from tests.ui.conftest import log_in, new_app, plain

WRITES = ("POST", "PATCH", "PUT", "DELETE")


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch, authentik_schema) -> Iterator[AuthentikFake]:
    fake = AuthentikFake(schema=authentik_schema, install="fresh")
    client = AuthentikClient(FAKE_BASE_URL, fake.token, transport=fake.transport, retries=0)
    monkeypatch.setenv("AUTHENTIK_URL", FAKE_BASE_URL)
    monkeypatch.setenv("AUTHENTIK_PUBLIC_URL", AUTHENTIK_PUBLIC)
    monkeypatch.setenv("AUTHENTIK_TOKEN", fake.token)
    get_settings.cache_clear()
    connections.override("authentik", client)
    yield fake
    connections.override("authentik", None)
    fake.assert_no_violations()


def writes(fake: AuthentikFake) -> int:
    return sum(fake.count(method) for method in WRITES)


def page_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    return plain("\n".join(parts))


def test_home_shows_the_tokens_account_and_the_fresh_install_problems(
    fresh: AuthentikFake, admin_app: AppTest
) -> None:
    text = page_text(admin_app)
    assert "API token's account: **akadmin** (internal, superuser; a person's account" in text
    assert "use a dedicated service account" in text
    assert "admits only sign-ups through an SSO source" in text
    assert "Brand 'authentik-default' has no recovery flow" in text
    assert "What to change: Use 'Create the flows for me'" in text
    (expander,) = [e for e in admin_app.expander if "Setup check" in e.label]
    assert "problem(s)" in expander.label
    links = admin_app.get("page_link")
    assert any(link.proto.page == "authentik-setup" for link in links)


def test_moderators_see_the_check_but_not_the_way_to_change_authentik(
    fresh: AuthentikFake, moderator_account
) -> None:
    at = log_in(new_app().run(), "mod")
    assert "no recovery flow" in page_text(at)
    assert not at.get("page_link")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("app/pages/authentik_setup.py")


def test_create_the_flows_for_me_previews_creates_and_then_has_nothing_to_do(
    fresh: AuthentikFake, admin_app: AppTest
) -> None:
    at = admin_app.switch_page("app/pages/authentik_setup.py").run()
    preview = at.dataframe[0].value
    assert set(preview["Change"]) == {"create", "update"}
    assert ("flow", "community-invitation") in set(zip(preview["What"], preview["Name"],
                                                       strict=True))
    assert writes(fresh) == 0
    (create,) = [b for b in at.button if b.label.startswith("Create the flows for me")]
    create.click()
    at.run()
    assert not at.exception
    assert "Done in Authentik" in plain(at.success[0].value)
    assert fresh.recovery_flow_slug == "community-recovery"
    text = page_text(at)
    assert "Invite links use flow 'community-invitation'" in text
    assert "recovery flow 'community-recovery' (made by the dashboard)" in text
    assert "Nothing to create" in plain(at.info[-1].value)
    before = writes(fresh)
    at.run()
    assert writes(fresh) == before  # the page, run again, changes nothing
    (row,) = search(AuditFilter(action="authentik.setup.flows")).rows
    assert (row.actor, row.outcome) == ("admin", "ok")
