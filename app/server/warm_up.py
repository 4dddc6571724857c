"""What a fresh server process does ahead of its first visitor, in its start-up thread: load
every page's modules (pandas, Altair, the services they use: 0.8 s of Home's first run) and
fill the connection checks Home shows (the status of each integration, Authentik's setup
check: 0.7 s of requests). The first admin to log in then waits for neither.

Nothing here renders a page or changes anything: module imports and read-only checks whose
results Streamlit's cache keeps for the page runs. A failure is left for the page's own run.
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path

from app import navigation

logger = logging.getLogger(__name__)

THREAD = "start-up"
# Streamlit warns of a "missing ScriptRunContext" when a module declares a component (the
# cookie controller does, at import) or a cached function runs outside a page run: expected
# in the start-up thread, so its warnings from there are dropped (and only from there).
SCRIPT_CONTEXT_LOGGER = "streamlit.runtime.scriptrunner_utils.script_run_context"


def _not_from_start_up(record: logging.LogRecord) -> bool:
    return record.threadName != THREAD


def run() -> None:
    quiet = logging.getLogger(SCRIPT_CONTEXT_LOGGER)
    quiet.addFilter(_not_from_start_up)
    try:
        load_pages()
        fill_checks()
    finally:
        quiet.removeFilter(_not_from_start_up)


def load_pages() -> None:
    """Import each page's module: importing runs no page (each renders only as a script)."""
    for spec in (navigation.LOGIN, *navigation.PAGES, navigation.SETUP):
        module = f"app.pages.{Path(spec.file).stem}"
        try:
            importlib.import_module(module)
        except Exception:
            logger.debug("loading %s ahead of its first run failed", module, exc_info=True)


def fill_checks() -> None:
    """Run Home's cached connection checks once, so the first Home finds them done."""
    from app.services import status
    from app.ui import setup_report, status_checks

    try:
        found = status_checks.statuses()
        if any(c.name == "Authentik" and c.state == status.OK for c in found):
            setup_report.report()
    except Exception:
        logger.debug("the connection checks ahead of the first visit failed", exc_info=True)
