"""Build and run the web server: Streamlit's `st.App` plus our same-origin cookie routes.

`python -m app serve` runs it (after migrating). Process start-up and shutdown work belongs in
`lifespan`, the one place that wraps the whole life of the server process.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import streamlit as st
from starlette.middleware import Middleware
from streamlit.web import bootstrap

from app.db.engine import dispose_all
from app.server import cookie_routes, warm_up
from app.services import connections
from app.utils.config import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "streamlit_app.py"
logger = logging.getLogger(__name__)


@asynccontextmanager
async def lifespan(_app: st.App) -> AsyncIterator[None]:
    """The process's start-up (before the yield: ahead of the first request) and shutdown
    (after it, in reverse order: once the last request is done).

    The durable engine starts here, so this replica resumes its interrupted journeys without
    waiting for a visitor: in a thread of its own (DBOS refuses its synchronous calls inside a
    running event loop), not awaited, so the login form is served while it loads the workflow
    modules (matrix-nio, DBOS: about a second). A page that starts a journey meanwhile waits
    for the launch in `engine.launch()`, which is idempotent and thread-safe. The same thread
    then warms the pages up (app.server.warm_up), so the first login waits for neither."""
    launched = threading.Event()
    threading.Thread(target=_start_up, args=(launched,), name=warm_up.THREAD, daemon=True).start()
    with cookie_routes.mounted():
        try:
            yield None
        finally:
            await asyncio.to_thread(launched.wait)  # never shut down an engine mid-launch
            from app.services import engine

            engine.shutdown()
            # The Authentik and Matrix clients' sessions (else "Unclosed client session" at exit).
            await asyncio.to_thread(connections.close_all)
            dispose_all()


def _start_up(launched: threading.Event) -> None:
    try:
        from app.services import engine

        engine.launch()
    except Exception:  # the database may be down: the first journey launches it again
        logger.exception("the durable engine did not start; journeys will start it later")
    finally:
        launched.set()
    warm_up.run()  # a daemon thread: a shutdown does not wait for it


def build() -> st.App:
    return st.App(
        SCRIPT,
        routes=cookie_routes.routes(),
        middleware=[Middleware(cookie_routes.BrowserBindingMiddleware)],
        lifespan=lifespan,
    )


def run(*, address: str, port: int, secrets_files: Sequence[str] = ()) -> None:
    """Serve until SIGINT/SIGTERM (uvicorn handles the signals and runs the lifespan's end)."""
    options: dict[str, object] = {
        "server.address": address,
        "server.port": port,
        "server.headless": True,
        "browser.gatherUsageStats": False,
    }
    if secrets_files:
        options["secrets.files"] = list(secrets_files)
    # App.run() treats argv[0] as the launcher: its folder goes on sys.path and is where
    # `.streamlit/` is looked for. Under `python -m app` that would be app/ (making `auth`,
    # `db`, ... importable as top-level names), so name the script, as `streamlit run` does.
    sys.argv = [str(SCRIPT)]
    # Load the config first, as `streamlit run` does, so the routes see server.baseUrlPath;
    # App.run() then loads the same options again and finds nothing changed.
    bootstrap.load_config_options(options)
    build().run(config=options)
