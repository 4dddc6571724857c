"""A separate process running the durable engine, for tests that kill it (-9) or run two.

    python -m tests.support.engine_worker start WORKFLOW_ID ITEMS  # start, wait, print RESULT
    python -m tests.support.engine_worker resume                   # launch (recovery), idle

DATABASE_URL and REPLICA_ID come from the environment. The workflow here records each item in
a table of its own (`engine_probe`) as a step, slowly when PROBE_STEP_SECONDS is set, so a test
can kill the process between two steps and count what ran.
"""

from __future__ import annotations

import os
import sys
import time

from dbos import DBOS, SetWorkflowID
from sqlalchemy import text

from app.db.engine import session_scope
from app.services import engine

PROBE_TABLE = "CREATE TABLE IF NOT EXISTS engine_probe (item TEXT, pid INTEGER)"


@DBOS.step(name="probe.record")
def record(item: str) -> str:
    with session_scope() as db:
        db.execute(text("INSERT INTO engine_probe (item, pid) VALUES (:i, :p)"),
                   {"i": item, "p": os.getpid()})
    time.sleep(float(os.environ.get("PROBE_STEP_SECONDS", "0")))
    return item


@DBOS.workflow(name="probe.run")
def probe(items: list[str]) -> str:
    return ",".join(record(item) for item in items)


def main(argv: list[str]) -> int:
    with session_scope() as db:
        db.execute(text(PROBE_TABLE))
    engine.launch()
    print("LAUNCHED", flush=True)
    if argv[0] == "start":
        with SetWorkflowID(argv[1]):
            handle = DBOS.start_workflow(probe, argv[2].split(","))
        print("RESULT", handle.get_result(), flush=True)
    else:
        while True:  # recovery runs in the engine's threads; the test kills or stops us
            time.sleep(0.2)
    engine.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
