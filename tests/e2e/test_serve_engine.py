"""`python -m app serve` starts the durable engine as the server starts (so this replica's
interrupted journeys resume without waiting for a visitor): DBOS refuses its synchronous calls
inside uvicorn's running event loop, so the start must happen off the loop."""

from __future__ import annotations

from tests.support.waiting import wait_for

STARTED, FAILED = "engine started (replica", "the durable engine did not start"


def test_serve_starts_the_durable_engine_at_start_up(start_served) -> None:
    server = start_served(LOG_LEVEL="INFO")
    wait_for(lambda: STARTED in server.log() or FAILED in server.log(), 60,
             what="the engine's start or its failure in the log")
    assert STARTED in server.log() and FAILED not in server.log(), server.log()
