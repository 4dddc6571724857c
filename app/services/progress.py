"""Progress reports for long work, and a bounded fan-out of one Matrix client call per item.

Callbacks always run in the caller's thread (a Streamlit page may only draw from its own).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Protocol, TypeVar

from app.utils.matrix import (
    NOT_ATTEMPTED,
    MatrixClient,
    MatrixError,
    MatrixUnreachable,
    Status,
    status_of,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class Progress:
    """`done` of `total` items of one phase ("Reading rooms", "Kicking", ...) are finished."""

    phase: str
    done: int
    total: int
    item: str = ""  # the room or user ID that just finished
    status: str = ""

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 1.0

    @property
    def text(self) -> str:
        return f"{self.phase}: {self.done} of {self.total}"


# What a callback returns is ignored (a page may pass `lambda p: bar.progress(...)`).
ProgressCallback = Callable[[Progress], object]


class RoomResult(Protocol):
    """What the client's bulk methods report per room: a RoomOutcome or a RoomLookup."""

    @property
    def room_id(self) -> str: ...

    @property
    def status(self) -> Status: ...


def guarded(on_progress: ProgressCallback | None) -> ProgressCallback | None:
    """The callback, made unable to abort the work it reports on.

    Progress is a courtesy. A callback that raises (Streamlit stops a page run this way when
    the person clicks elsewhere mid-run) must not cut short actions already under way, whose
    audit record is written at the end: report once in the log, then stop reporting.
    """
    if on_progress is None:
        return None
    broken = False

    def call(progress: Progress) -> None:
        nonlocal broken
        if broken:
            return
        try:
            on_progress(progress)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as err:  # includes Streamlit's stop and rerun signals
            broken = True
            logger.info("progress reporting stopped (%s); the work goes on",
                        type(err).__name__)

    return call


def relay(
    on_progress: ProgressCallback | None, phase: str, total: int
) -> Callable[[RoomResult], None] | None:
    """An on_outcome callback for the client's bulk methods that counts and reports."""
    if on_progress is None:
        return None
    done = 0

    def on_outcome(outcome: RoomResult) -> None:
        nonlocal done
        done += 1
        on_progress(Progress(phase, done, total, outcome.room_id, str(outcome.status)))

    return on_outcome


def fan_out(
    client: MatrixClient,
    call: Callable[[str], T],
    items: Sequence[str],
    *,
    phase: str,
    on_progress: ProgressCallback | None = None,
) -> dict[str, T | MatrixError]:
    """`call(item)` for every item, `client.concurrency` at a time; a MatrixError becomes that
    item's result. Once the homeserver is unreachable the items not yet started fail at once
    instead of each waiting out its own timeout. For reads the client has no bulk method for."""
    results: dict[str, T | MatrixError] = {}
    if not items:
        return results
    down = threading.Event()

    def one(item: str) -> T:
        if down.is_set():
            raise MatrixUnreachable(phase.lower(), NOT_ATTEMPTED)
        try:
            return call(item)
        except MatrixUnreachable:
            down.set()
            raise

    pool = ThreadPoolExecutor(max_workers=min(client.concurrency, len(items)),
                              thread_name_prefix="matrix-fan-out")
    try:
        pending: dict[Future[T], str] = {pool.submit(one, item): item for item in items}
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                item = pending.pop(future)
                try:
                    results[item] = future.result()
                except MatrixError as err:
                    results[item] = err
                if on_progress is not None:
                    result = results[item]
                    status = status_of(result) if isinstance(result, MatrixError) else Status.DONE
                    on_progress(Progress(phase, len(results), len(items), item, str(status)))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return {item: results[item] for item in items}
