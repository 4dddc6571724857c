"""Bulk runs: bounded concurrency, one outcome per room, always, within a deadline."""

from __future__ import annotations

import asyncio
import logging
import math
import queue
import time
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import Future
from typing import Any, TypeVar

from app.utils.matrix.errors import (
    MatrixError,
    MatrixForbidden,
    MatrixThrottled,
    MatrixUnreachable,
)
from app.utils.matrix.runner import GRACE_SECONDS, LoopThread
from app.utils.matrix.transport import Budget
from app.utils.matrix.values import RoomLookup, RoomOutcome, Status

logger = logging.getLogger(__name__)

OutcomeT = TypeVar("OutcomeT", RoomOutcome, RoomLookup[Any])

NOT_ATTEMPTED = "not attempted: the homeserver stopped answering"
NO_ANSWER = "no answer in time; the action may or may not have happened"


def run_bulk_sync(
    runner: LoopThread,
    *,
    action: str,
    room_ids: list[str],
    item: Callable[[str, Budget], Awaitable[OutcomeT]],
    outcome: Callable[[str, Status, str], OutcomeT],
    concurrency: int,
    max_throttle_wait: float,
    item_limit: float,
    on_outcome: Callable[[OutcomeT], None] | None,
) -> list[OutcomeT]:
    """run_bulk on the loop thread, from sync code. `on_outcome` runs in the caller's thread as
    each room finishes (e.g. to drive a progress bar)."""
    rounds = math.ceil(len(room_ids) / concurrency) or 1
    deadline = rounds * item_limit  # a backstop: hangs are cut far sooner by the budget
    results: queue.SimpleQueue[OutcomeT] = queue.SimpleQueue()
    future = runner.submit(run_bulk(
        action=action, room_ids=room_ids, item=item, outcome=outcome, concurrency=concurrency,
        max_throttle_wait=max_throttle_wait, deadline=deadline, emit=results.put,
    ))
    if on_outcome is not None:
        try:
            _relay(future, results, on_outcome, until=time.monotonic() + deadline + GRACE_SECONDS)
        except BaseException:
            future.cancel()  # the caller's callback failed: stop the run, report its error
            raise
    return runner.wait(future, timeout=deadline + GRACE_SECONDS, action=action)


def _relay(
    future: Future[Any], results: queue.SimpleQueue[OutcomeT],
    on_outcome: Callable[[OutcomeT], None], *, until: float,
) -> None:
    while not future.done() and time.monotonic() < until:
        try:
            on_outcome(results.get(timeout=0.05))
        except queue.Empty:
            continue
    while not results.empty():
        on_outcome(results.get_nowait())


async def run_bulk(
    *,
    action: str,
    room_ids: list[str],
    item: Callable[[str, Budget], Awaitable[OutcomeT]],
    outcome: Callable[[str, Status, str], OutcomeT],
    concurrency: int,
    max_throttle_wait: float,
    deadline: float,
    emit: Callable[[OutcomeT], None],
) -> list[OutcomeT]:
    """Run `item` for each room, `concurrency` at a time, sharing one Budget: throttling is
    waited out at most `max_throttle_wait` s in total, and once the homeserver proves
    unreachable the rooms not yet started are reported without being tried. Rooms unfinished
    at `deadline` are cancelled and reported unreachable. `emit` sees each outcome as it lands."""
    budget = Budget(max_throttle_wait)
    gate = asyncio.Semaphore(concurrency)
    done: dict[str, OutcomeT] = {}

    async def one(room_id: str) -> None:
        async with gate:
            if budget.unreachable is not None:
                result = outcome(room_id, Status.UNREACHABLE, NOT_ATTEMPTED)
            else:
                result = await _guarded(action, room_id, item(room_id, budget), outcome)
        done[room_id] = result
        emit(result)

    tasks = [asyncio.create_task(one(room_id)) for room_id in room_ids]
    if tasks:
        _, pending = await asyncio.wait(tasks, timeout=deadline)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    for room_id in room_ids:
        if room_id not in done:
            done[room_id] = outcome(room_id, Status.UNREACHABLE, NO_ANSWER)
            emit(done[room_id])
    _log_summary(action, done.values())
    return [done[room_id] for room_id in room_ids]


async def _guarded(
    action: str, room_id: str, work: Awaitable[OutcomeT],
    outcome: Callable[[str, Status, str], OutcomeT],
) -> OutcomeT:
    """An item's errors become its outcome; nothing escapes to end the run early."""
    try:
        return await work
    except MatrixError as err:
        logger.info("matrix %s in %s: %s", action, room_id, err.detail)
        return outcome(room_id, status_of(err), reason_of(err))
    except Exception as err:
        logger.exception("matrix %s in %s: unexpected error", action, room_id)
        return outcome(room_id, Status.FAILED, f"unexpected error: {type(err).__name__}")


def status_of(err: MatrixError) -> Status:
    if isinstance(err, MatrixForbidden):
        return Status.FORBIDDEN
    if isinstance(err, MatrixThrottled):
        return Status.THROTTLED
    if isinstance(err, MatrixUnreachable):
        return Status.UNREACHABLE
    return Status.FAILED


def reason_of(err: MatrixError) -> str:
    return f"{err.errcode}: {err.detail}" if err.errcode else err.detail


def _log_summary(action: str, results: Iterable[RoomOutcome | RoomLookup[Any]]) -> None:
    counts: dict[str, int] = {}
    for result in results:
        counts[result.status] = counts.get(result.status, 0) + 1
    logger.info("matrix %s: %s", action, ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
