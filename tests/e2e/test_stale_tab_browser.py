"""A revoked admin's open tabs: every privileged action is refused where it runs.

Streamlit runs callbacks before the page script; these tabs were opened while bob was a live
admin, then alice deactivated him, ended his sessions, or demoted him. Each tab then tries its
action: nothing may happen, and each refusal is audited.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from app.services import accounts, audit, templates
from tests.e2e.conftest import PASSWORD, PATIENCE_MS, goto, log_in, prepare, settle
from tests.support.authentik_fake import AuthentikFake
from tests.support.waiting import wait_for

pytestmark = pytest.mark.browser

ORIGINAL = "Welcome aboard, {name}!"


def _account_id(username: str) -> int:
    return next(a.id for a in accounts.list_accounts() if a.username == username)


REVOKE: dict[str, Callable[[int], None]] = {
    "deactivated": lambda pk: accounts.set_active(actor="alice", account_id=pk, active=False),
    "sessions ended": lambda pk: accounts.revoke_sessions(actor="alice", account_id=pk) and None,
    "demoted": lambda pk: accounts.set_role(actor="alice", account_id=pk, role="moderator"),
}


def _tab(context: BrowserContext, url: str, page: Page | None = None) -> Page:
    tab = page or prepare(context.new_page())
    goto(tab, url)
    return tab


def _refusals() -> int:
    """Refusals audited: by the authority check, or (a demoted moderator deleting) the service."""
    return audit.search(audit.AuditFilter(outcome="denied")).total


@pytest.mark.parametrize("how", list(REVOKE))
def test_a_revoked_admins_open_tabs_can_no_longer_act(
    page: Page, start_server, authentik_fake: AuthentikFake, authentik_http_url: str, how: str
) -> None:
    accounts.create_account(actor="test", username="alice", password=PASSWORD, role="admin")
    accounts.create_account(actor="test", username="bob", password=PASSWORD, role="admin")
    templates.save(actor="alice", key="welcome_dm", body=ORIGINAL)
    target = authentik_fake.add_user("carol", name="Carol Member")
    invitation = authentik_fake.add_invitation("old-invite")
    server = start_server(AUTHENTIK_URL=authentik_http_url, AUTHENTIK_TOKEN=authentik_fake.token)

    # bob opens his tabs while he is a live admin and prepares each action.
    goto(page, f"{server.url}/accounts")
    log_in(page, "bob")
    context = page.context
    acc = page
    acc.get_by_role("textbox", name="Username").fill("mallory")
    acc.get_by_role("textbox", name="Password", exact=True).fill(PASSWORD)
    acc.get_by_role("textbox", name="Confirm password").fill(PASSWORD)
    acc.get_by_role("combobox", name="Role").click()  # make mallory an admin
    acc.get_by_role("option", name="admin").click()

    tpl = _tab(context, f"{server.url}/templates")
    tpl.get_by_role("combobox", name="Template").click()
    tpl.get_by_role("option", name="Welcome DM: the welcome text").click()
    settle(tpl)
    text = tpl.get_by_role("textbox", name="Text")
    expect(text).to_have_count(1)  # the previous template's box is gone (the rerun ended)
    expect(text).to_have_value(ORIGINAL)
    text.fill("Hijacked {name}")
    text.press("Control+Enter")
    settle(tpl)

    inv = _tab(context, f"{server.url}/invites")
    inv.get_by_role("textbox", name="Label").fill("bobs-invite")
    rev = _tab(context, f"{server.url}/invites")  # one action per tab: a refusal logs it out
    picker = rev.get_by_role("combobox", name="Invite to revoke")
    picker.click()
    picker.press("ArrowDown")  # opens the options
    rev.get_by_role("option", name="old-invite", exact=False).click()
    settle(rev)

    off = _tab(context, f"{server.url}/offboard")
    off.get_by_role("textbox", name="Authentik username").fill("carol")
    off.get_by_role("button", name="Preview").click()
    settle(off)
    off.get_by_role("textbox", name="Reason").fill("stale tab test")
    off.get_by_text("Delete the Authentik account").click()
    settle(off)
    off.get_by_role("textbox", name="Type carol to confirm").fill("carol")
    settle(off)

    aud = _tab(context, f"{server.url}/audit")
    expect(aud.get_by_role("button", name="Export CSV")).to_be_visible()

    # alice revokes bob's authority; his tabs stay open.
    REVOKE[how](_account_id("bob"))
    before = _refusals()

    acc.get_by_role("button", name="Create account").click()
    settle(acc)
    tpl.get_by_role("button", name="Save").click()
    settle(tpl)
    inv.get_by_role("button", name="Create invite").click()
    settle(inv)
    rev.get_by_role("button", name="Revoke").click()
    settle(rev)
    off.get_by_role("button", name="Offboard now").click()
    settle(off)
    aud.get_by_role("button", name="Export CSV").click()

    # Five callbacks and the download refused, each audited where it ran.
    wait_for(lambda: _refusals() - before >= 6, PATIENCE_MS / 1000, what="six audited refusals")
    assert _refusals() - before == 6
    assert "mallory" not in {a.username for a in accounts.list_accounts()}
    assert templates.get("welcome_dm").body == ORIGINAL
    assert [i.name for i in authentik_fake.invitations.values()] == ["old-invite"]
    assert invitation.pk in authentik_fake.invitations
    assert target.pk in authentik_fake.users and authentik_fake.users[target.pk].is_active
    if how == "demoted":  # still a moderator: the refusal is said on the page
        expect(acc.get_by_text("That action was not run")).to_be_visible()
    else:
        for tab in (acc, tpl, inv, rev, off):
            expect(tab.get_by_role("heading", name="Log in")).to_be_visible()
