"""Progress reports for long Matrix work, and a bounded fan-out of one client call per item.

Callbacks always run in the caller's thread (a Streamlit page may only draw from its own).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import TypeVar

from app.utils.matrix import MatrixClient, MatrixError, MatrixUnreachable, RoomOutcome, Status
from app.utils.matrix_bulk import NOT_ATTEMPTED, reason_of, status_of

__all__ = [
    "Progress", "ProgressCallback", "RoomOutcome", "Status", "audit_details", "audit_outcome",
    "describe_outcome", "fan_out", "guarded", "outcome_of", "relay",
]

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


ProgressCallback = Callable[[Progress], None]


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
) -> Callable[[RoomOutcome], None] | None:
    """An on_outcome callback for the client's bulk methods that counts and reports."""
    if on_progress is None:
        return None
    done = 0

    def on_outcome(outcome: RoomOutcome) -> None:
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
                    status = status_of(results[item]) if isinstance(results[item], MatrixError) \
                        else Status.DONE
                    on_progress(Progress(phase, len(results), len(items), item, str(status)))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return {item: results[item] for item in items}


def outcome_of(room_id: str, err: MatrixError) -> RoomOutcome:
    """The per-room outcome a failed read or action stands for."""
    return RoomOutcome(room_id, status_of(err), reason_of(err))


# --- wording and audit summaries shared by the room services ---------------------------------

_STATUS_TEXT = {
    Status.ALREADY: "nothing to do",
    Status.FORBIDDEN: "the bot lacks the power (or membership) for this",
    Status.THROTTLED: "rate-limited by the homeserver; retry later",
    Status.UNREACHABLE: "the homeserver did not answer",
    Status.FAILED: "failed",
    Status.SKIPPED: "skipped",
}


def describe_outcome(outcome: RoomOutcome, *, done: str) -> str:
    """One line for people: `done` ("invited", "kicked", ...) or why not, with the detail."""
    if outcome.status is Status.DONE:
        return done
    head = _STATUS_TEXT.get(outcome.status, str(outcome.status))
    if outcome.status is Status.ALREADY and outcome.reason:
        return outcome.reason
    return f"{head}: {outcome.reason}" if outcome.reason else head


def audit_outcome(outcomes: Sequence[RoomOutcome]) -> str:
    """ok when every room is ok, failed when none is, partial otherwise."""
    ok = sum(1 for o in outcomes if o.ok)
    if ok == len(outcomes):
        return "ok"
    return "failed" if ok == 0 else "partial"


def audit_details(outcomes: Sequence[RoomOutcome], limit: int = 200) -> dict[str, object]:
    """Counts per status and the rooms that did not work, with their reasons (bounded)."""
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[str(o.status)] = counts.get(str(o.status), 0) + 1
    problems = {o.room_id: f"{o.status}: {o.reason}"[:300] for o in outcomes if not o.ok}
    return {"rooms": len(outcomes), "counts": counts,
            "not_ok": dict(list(problems.items())[:limit])}
