"""A separate app process running journeys, for tests that kill it (-9) or run two at once.

    python -m tests.support.journey_worker onboard SUBMISSION REQUEST_JSON
    python -m tests.support.journey_worker offboard SUBMISSION REQUEST_JSON
    python -m tests.support.journey_worker resume     # launch (recovery), then idle

Settings (DATABASE_URL, REPLICA_ID, MATRIX_*, AUTHENTIK_*) come from the environment, as in
production. After starting a journey the process stays until the journey has ended (its
background work included), printing `ENDED <id> <status>`; a test may kill it before.
"""

from __future__ import annotations

import json
import sys
import time

from app.services import engine, journeys, offboarding, onboarding
from app.services.offboarding import OffboardingRequest
from app.services.onboarding import OnboardingRequest


def _until_ended(journey_id: int) -> None:
    while (journey := journeys.get(journey_id)).active:
        time.sleep(0.1)
    print("ENDED", journey_id, journey.status, flush=True)


def main(argv: list[str]) -> int:
    engine.launch()
    print("LAUNCHED", flush=True)
    if argv[0] == "onboard":
        request = OnboardingRequest(**json.loads(argv[2]))
        result = onboarding.start(actor="admin", request=request, submission_id=argv[1])
        print("JOURNEY", result.journey.id, "PASSWORD", bool(result.password), flush=True)
        _until_ended(result.journey.id)
    elif argv[0] == "offboard":
        offboard = OffboardingRequest(**json.loads(argv[2]))
        started = offboarding.start(actor="admin", request=offboard, submission_id=argv[1])
        print("JOURNEY", started.journey.id, flush=True)
        _until_ended(started.journey.id)
    else:
        while True:  # the engine resumes this replica's work in its own threads
            time.sleep(0.2)
    engine.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
