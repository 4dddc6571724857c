"""Snapshots counted in the background and kept per process, so a page never waits for
Authentik's pages of accounts (10,000 accounts joined in a period are 100 requests: seconds).

A page asks for the newest snapshot of a kind; it gets the one kept, however old (saying how
old is the page's part), or None while the first is counted. A missing or stale one is counted
again in one background thread, once at a time per kind, whatever the number of sessions.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from app.services.insight.snapshot import Snapshot, gather

logger = logging.getLogger(__name__)
KEPT_FOR = timedelta(minutes=10)
RETRY_AFTER = timedelta(seconds=5)  # a failed count is tried again by a page run after this

Kind = tuple[bool, datetime | None]  # (with accounts, joined since)

_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="insight")
# Re-entrant: a count already done calls _keep at once, in the thread that holds the lock.
_lock = threading.RLock()
_kept: dict[Kind, Snapshot] = {}
_counting: dict[Kind, Future[Snapshot]] = {}
_failed: dict[Kind, tuple[datetime, str]] = {}  # the last count's failure: when, why
_generation = 0  # forget() starts a new one: a count begun before it is not kept


def latest(*, accounts: bool, joined_since: datetime | None = None,
           recount: bool = False) -> Snapshot | None:
    """The newest snapshot kept of this kind (see `gather`), or None before the first; one
    older than KEPT_FOR, or any with `recount`, is counted again in the background. After a
    failed count (see `failure`), a call RETRY_AFTER later tries again."""
    kind = (accounts, joined_since)
    now = datetime.now(UTC)
    with _lock:
        snap = _kept.get(kind)
        expired = snap is None or now - snap.taken_at >= KEPT_FOR
        failed_at = _failed[kind][0] if kind in _failed else None
        stale = recount or (expired and (failed_at is None or now - failed_at >= RETRY_AFTER))
        if stale and kind not in _counting:
            future = _pool.submit(gather, accounts=accounts, joined_since=joined_since)
            _counting[kind] = future
            generation = _generation
            future.add_done_callback(lambda done: _keep(kind, generation, done))
    return snap


def counting(*, accounts: bool, joined_since: datetime | None = None) -> bool:
    """Whether a snapshot of this kind is being counted now."""
    with _lock:
        return (accounts, joined_since) in _counting


def failure(*, accounts: bool, joined_since: datetime | None = None) -> str | None:
    """Why the last count of this kind failed (gather reports a remote's failure inside the
    snapshot; this is the rest, e.g. the dashboard's own database down), or None."""
    with _lock:
        failed = _failed.get((accounts, joined_since))
    return failed[1] if failed else None


def _keep(kind: Kind, generation: int, done: Future[Snapshot]) -> None:
    snap: Snapshot | None = None
    problem = None
    try:
        snap = done.result()
    except Exception as err:
        logger.exception("counting the overview failed")
        problem = str(err) or type(err).__name__
    with _lock:
        if generation != _generation:
            return
        _counting.pop(kind, None)
        if snap is not None:
            _kept[kind] = snap
            _failed.pop(kind, None)
        else:
            _failed[kind] = (datetime.now(UTC), problem or "unknown")


def forget() -> None:
    """Drop every snapshot kept and every count under way (tests: each starts as a new
    process would, and a count begun for another database is never kept)."""
    global _generation  # noqa: PLW0603 (the store is per process by design)
    with _lock:
        _generation += 1
        running = list(_counting.values())
        _kept.clear()
        _counting.clear()
        _failed.clear()
    for future in running:  # done within the remotes' timeouts; its result is not kept
        future.exception()
