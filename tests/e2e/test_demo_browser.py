"""`make demo`'s entry point as a newcomer meets it: started as its own process, logged into
with the password it printed, its rooms on the Rooms page, an invite and a removal that work;
then Ctrl-C stops everything and deletes its data."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from demo.synapse import port_is_free
from demo.world import ROOMS, WELCOME
from tests.e2e.conftest import goto, log_in, settle
from tests.support.streamlit_server import free_port
from tests.support.synapse_fixtures import require_synapse
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.synapse]

ROOT = Path(__file__).resolve().parents[2]
READY = "Press Ctrl-C to stop the demo"
START_BOUND = 300  # a failure bound for a loaded 2-core machine, not a timed assertion


@dataclass
class DemoProcess:
    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)

    def read(self) -> None:
        """Collect the demo's output (run in a thread until it closes)."""
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def shown(self, pattern: str) -> str:
        match = re.search(pattern, self.output, re.MULTILINE)
        assert match, self.output
        return match.group(1)

    def ready(self) -> bool:
        assert self.process.poll() is None, f"the demo exited early:\n{self.output}"
        return READY in self.output


@pytest.fixture
def demo() -> Iterator[DemoProcess]:
    require_synapse()
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "demo", "--port", str(free_port())],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,  # its own process group, as a terminal gives it
    )
    running = DemoProcess(process)
    reader = threading.Thread(target=running.read, daemon=True)
    reader.start()
    try:
        yield running
    finally:
        if process.poll() is None:  # the test failed before stopping it: stop the whole group
            os.killpg(process.pid, signal.SIGTERM)  # the demo stops its dashboard too
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(30)
        reader.join(30)


def test_demo_logs_in_with_the_printed_password_lists_its_rooms_invites_and_removes(
    page: Page, demo: DemoProcess,
) -> None:
    wait_for(demo.ready, START_BOUND, what="the demo's banner")
    url = demo.shown(r"^Community Dashboard demo: open (\S+)$")
    password = demo.shown(r"^\s+password\s+(\S+)")
    data = Path(demo.shown(r"^\s+data\s+(\S+)"))
    synapse_port = int(demo.shown(r"throwaway Synapse at http://127\.0\.0\.1:(\d+)"))
    spammer = demo.shown(r"try removing (@\S+:demo\.local)")
    assert len(password) >= 20 and data.is_dir()

    goto(page, url)
    log_in(page, "demo-admin", password)
    expect(page.get_by_text("Signed in as Demo admin (admin)")).to_be_visible()
    goto(page, f"{url}/rooms")
    for room in (WELCOME, *ROOMS):  # st.dataframe draws on a canvas; its text is in gridcells
        expect(page.locator("[role=gridcell]", has_text=room.name).first).to_be_attached()
    expect(page.locator("[role=gridcell]", has_text="Outdoors").first).to_be_attached()

    newcomer = "@newcomer:demo.local"  # only in the welcome room; each category has 2 rooms
    goto(page, f"{url}/invite-to-rooms")
    page.get_by_role("textbox", name="Matrix user ID").fill(newcomer)
    page.get_by_text("By category", exact=True).click()
    settle(page)
    page.get_by_role("button", name="Invite to 2 room(s)").click()
    settle(page)
    expect(page.get_by_text(f"{newcomer}: invited to 2 room(s); 0 already there; 0 not done."))\
        .to_be_visible()

    goto(page, f"{url}/remove-member")
    page.get_by_role("textbox", name="Matrix user ID").fill(spammer)
    page.get_by_role("button", name="Find rooms").click()
    settle(page)
    expect(page.get_by_text("is in 5 room(s) shared with the bot")).to_be_visible()
    page.get_by_role("textbox", name="Reason").fill("spam links")
    page.get_by_role("button", name="Review removal").click()
    settle(page)
    page.get_by_role("button", name="Confirm kick").click()
    settle(page)
    expect(page.get_by_text(f"{spammer}: removed in 5 of 5 room(s).")).to_be_visible()

    os.killpg(demo.process.pid, signal.SIGINT)  # Ctrl-C in its terminal
    assert demo.process.wait(60) == 0, demo.output
    assert not data.exists(), demo.output
    assert port_is_free(synapse_port), "Synapse still runs after the demo stopped"
    assert "Traceback" not in demo.output and "ERROR" not in demo.output, demo.output
