"""The server's start-up thread loads every page's modules and fills Home's connection checks,
so a fresh process's first Home run does neither; Streamlit's "missing ScriptRunContext"
warnings are dropped from that thread only."""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path

import pytest

from app import navigation
from app.server import warm_up
from app.services import authentik_setup, status
from app.services.authentik_setup.check import SetupReport
from app.ui import setup_report, status_checks


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Count the checks' real work (what the cache keeps from running again)."""
    calls = {"status": 0, "setup": 0}

    def check_all() -> list[status.ComponentStatus]:
        calls["status"] += 1
        return [status.ComponentStatus("Authentik", status.OK, "reachable")]

    def run() -> SetupReport:
        calls["setup"] += 1
        return SetupReport(fatal="not checked in this test")

    monkeypatch.setattr(status, "check_all", check_all)
    monkeypatch.setattr(authentik_setup.check, "run", run)
    status_checks.statuses.clear()
    setup_report.report.clear()
    yield calls
    status_checks.statuses.clear()
    setup_report.report.clear()


def _in_start_up_thread() -> None:
    thread = threading.Thread(target=warm_up.run, name=warm_up.THREAD)
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive()


def test_every_page_module_is_loaded_and_home_checks_are_filled(
    checks: dict[str, int], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    _in_start_up_thread()

    for spec in (navigation.LOGIN, *navigation.PAGES, navigation.SETUP):
        assert f"app.pages.{Path(spec.file).stem}" in sys.modules
    assert checks == {"status": 1, "setup": 1}
    # What Home calls now comes from the cache: no second check.
    assert status_checks.statuses()[0].state == status.OK
    assert setup_report.report().fatal == "not checked in this test"
    assert checks == {"status": 1, "setup": 1}
    assert not [r for r in caplog.records if "ScriptRunContext" in r.getMessage()]


def test_the_setup_check_waits_for_an_authentik_that_answers(
    checks: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(status, "check_all", lambda: [
        status.ComponentStatus("Authentik", status.ERROR, "unreachable")])
    _in_start_up_thread()
    assert checks["setup"] == 0


def test_the_warning_filter_is_for_the_start_up_thread_only(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    quiet = logging.getLogger(warm_up.SCRIPT_CONTEXT_LOGGER)
    quiet.addFilter(warm_up._not_from_start_up)
    try:
        quiet.warning("missing ScriptRunContext (from a page's thread)")
    finally:
        quiet.removeFilter(warm_up._not_from_start_up)
    assert [r.getMessage() for r in caplog.records] == [
        "missing ScriptRunContext (from a page's thread)"]
