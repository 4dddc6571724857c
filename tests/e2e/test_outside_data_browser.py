"""Outside data is text: markdown and HTML in names, rooms and topics load nothing, link nowhere.

Every field the dashboard shows from Authentik or Matrix is seeded with payloads (an image, a
link, raw HTML, bare URLs) pointing at another host. Every request the browser makes is
intercepted: none may leave the dashboard's own origin, and the page may hold no link or image
to another host.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Request, Route, expect

from app.db import audit_log
from app.services import rooms
from app.utils.config import get_settings
from tests.e2e.conftest import goto, log_in, settle
from tests.support.authentik_fake import AuthentikFake
from tests.support.synapse import SynapseServer, TestUser

pytestmark = [pytest.mark.browser, pytest.mark.synapse]

TRACKER = "http://tracker.invalid"
PAYLOAD = (
    f"![t]({TRACKER}/img.png) [l]({TRACKER}/link) <img src={TRACKER}/raw.png> "
    f"<a href={TRACKER}/a>a</a> {TRACKER}/auto www.tracker.invalid :red[x] $x$ **b**"
)


def _seed(fake: AuthentikFake, synapse: SynapseServer, bot: TestUser) -> TestUser:
    group = fake.add_group(f"group {PAYLOAD}"[:80])
    fake.add_user(
        "payload.user", name=PAYLOAD[:150], email="payload@example.org",
        attributes={"intro": PAYLOAD, "organisation": PAYLOAD}, groups=[group.pk],
    )
    fake.add_invitation("payload-invite", fixed_data={"email": "x@example.org"})
    member = synapse.register()
    synapse.request("PUT", f"/_matrix/client/v3/profile/{member.user_id}/displayname",
                    token=member.access_token, json={"displayname": PAYLOAD[:200]})
    room = synapse.create_room(bot, name=f"Room {PAYLOAD}"[:200], topic=PAYLOAD)
    synapse.add_member(bot, room, member)
    audit_log.record(actor="test", action="rooms.kick", target=member.user_id,
                     member=f"payload.user {member.user_id}", details={"reason": PAYLOAD})
    return member


def test_payloads_in_every_outside_field_load_nothing_and_link_nowhere(
    page: Page, start_server, accounts_ready, authentik_fake: AuthentikFake,
    authentik_http_url: str, *, synapse: SynapseServer, matrix_bot: TestUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    member = _seed(authentik_fake, synapse, matrix_bot)
    matrix = {"MATRIX_HOMESERVER_URL": synapse.url, "MATRIX_ACCESS_TOKEN":
              matrix_bot.access_token, "MATRIX_BOT_USER_ID": matrix_bot.user_id}
    for name, value in matrix.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    rooms.sync_rooms(actor="test")  # the room directory holds the payload names and topics
    server = start_server(AUTHENTIK_URL=authentik_http_url,
                          AUTHENTIK_TOKEN=authentik_fake.token, **matrix)
    origin = urlsplit(server.url).netloc
    outside: list[str] = []

    def watch(route: Route, request: Request) -> None:
        if urlsplit(request.url).netloc != origin:
            outside.append(request.url)
            route.abort()
        else:
            route.continue_()

    page.route("**/*", watch)
    foreign: list[str] = []

    def check_links() -> None:
        found = page.evaluate("""() => [...document.querySelectorAll('a[href], img[src]')]
            .map(e => e.href || e.src)""")
        foreign.extend(f"{page.url}: {u}" for u in found if urlsplit(u).netloc not in (origin, ""))

    goto(page, server.url)
    log_in(page, "admin")

    goto(page, f"{server.url}/users")
    page.get_by_role("textbox", name="Search").fill("payload")
    page.get_by_role("textbox", name="Search").press("Enter")
    settle(page)
    grid = page.locator("[data-testid=stDataFrame]").first.bounding_box()
    assert grid is not None
    page.mouse.click(grid["x"] + 18, grid["y"] + 35 + 17)  # the one row's selection marker
    settle(page)
    expect(page.get_by_text("payload.user: details")).to_be_visible()
    check_links()
    goto(page, f"{server.url}/offboard")
    page.get_by_role("textbox", name="Authentik username").fill("payload.user")
    page.get_by_role("textbox", name="Matrix user ID").fill(member.user_id)
    page.get_by_role("button", name="Preview").click()
    settle(page)
    expect(page.get_by_text("img.png", exact=False).first).to_be_visible()  # shown, as text
    check_links()
    goto(page, f"{server.url}/remove-member")
    page.get_by_role("textbox", name="Matrix user ID").fill(member.user_id)
    page.get_by_role("button", name="Find rooms").click()
    settle(page)
    check_links()
    for path in ("rooms", "invites", "invite-to-rooms", "onboard", "audit", "messaging", ""):
        goto(page, f"{server.url}/{path}")
        check_links()

    assert outside == []
    assert foreign == [], "\n".join(foreign)
