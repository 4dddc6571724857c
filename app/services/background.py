"""Work that must not hold up a person's screen (e.g. the delayed welcome DM).

A small process-wide thread pool. Jobs open their own database sessions (sessions are never
shared across threads) and record their outcome in the database, where pages read it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    global _pool  # noqa: PLW0603 (one pool per process, created on first use)
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="dashboard-background")
        return _pool


def submit(job: Callable[..., Any], *args: Any, **kwargs: Any) -> Future[Any]:
    """Run `job` in the background; exceptions are logged (the job records its own outcome)."""

    def run() -> Any:
        try:
            return job(*args, **kwargs)
        except Exception:
            logger.exception("background job %s failed", getattr(job, "__name__", job))
            raise

    return _executor().submit(run)
