"""Settling a change whose answer was lost: re-read what it should have changed, then report
done, failed or unknown; never a guess."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from app.utils.matrix.errors import MatrixConnectionLost, MatrixError, MatrixUnreachable
from app.utils.matrix.transport import Budget
from app.utils.matrix.values import RoomOutcome, Status

logger = logging.getLogger(__name__)

T = TypeVar("T")

# The re-read gets a budget of its own (the run's may be spent) that waits little on throttling.
RECHECK_THROTTLE_WAIT = 1.0
UNKNOWN_UNTIL_RECHECKED = "whether it was applied is unknown until re-checked"


async def settle(
    lost: MatrixConnectionLost,
    budget: Budget,
    room_id: str,
    *,
    observe: Callable[[Budget], Awaitable[T]],
    holds: Callable[[T], bool],
    shown: Callable[[T], str],
) -> RoomOutcome:
    """The outcome in `room_id` of a change whose request went out but whose answer was lost.

    `observe` re-reads the state; `holds` says whether it shows the change; `shown` puts what
    was read in words. Done when the change holds; failed ("not applied") when it clearly does
    not; unknown when the re-read fails too, or when the request timed out (the homeserver may
    still be applying it). A re-read that finds the homeserver unreachable marks `budget`, so
    a bulk run stops trying the rooms it has not started.
    """
    try:
        seen = await observe(Budget(RECHECK_THROTTLE_WAIT))
    except MatrixError as err:
        if isinstance(err, MatrixUnreachable):
            budget.unreachable = budget.unreachable or err
        logger.warning("matrix %s: outcome unknown (%s; re-check failed: %s)",
                       lost.action, lost.detail, err.detail)
        return RoomOutcome(room_id, Status.UNKNOWN,
                           f"{lost.detail}; {UNKNOWN_UNTIL_RECHECKED} (re-check failed: "
                           f"{err.detail})")
    after = "no answer came" if lost.timed_out else "the connection dropped"
    if holds(seen):
        logger.info("matrix %s: confirmed after %s", lost.action, after)
        return RoomOutcome(room_id, Status.DONE, f"confirmed after {after} ({shown(seen)})")
    if lost.timed_out:
        logger.warning("matrix %s: timed out and not applied yet", lost.action)
        return RoomOutcome(room_id, Status.UNKNOWN,
                           f"{lost.detail} and not applied yet ({shown(seen)}); the homeserver "
                           f"may still apply it: {UNKNOWN_UNTIL_RECHECKED}")
    logger.warning("matrix %s: not applied (%s)", lost.action, shown(seen))
    return RoomOutcome(room_id, Status.FAILED, f"not applied: {shown(seen)} after {after}")
