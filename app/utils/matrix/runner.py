"""One asyncio event loop in one daemon thread: sync code submits coroutines and waits, bounded.

Nobody else creates or closes event loops; this ends the "Cannot close a running event loop" class
of bugs that Streamlit reruns caused in the dashboards this one replaces.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from app.utils.matrix.errors import MatrixError, MatrixUnreachable

logger = logging.getLogger(__name__)

T = TypeVar("T")

GRACE_SECONDS = 2.0  # a caller's wait beyond the loop-side deadline, which fires first


class LoopThread:
    """Owns an event loop running forever in a daemon thread until close()."""

    def __init__(self, name: str = "matrix-loop") -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._closed = False
        self._thread.start()

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    @property
    def closed(self) -> bool:
        return self._closed

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Schedule `coro` on the loop; refuse from the loop thread itself (it would deadlock)."""
        if threading.current_thread() is self._thread:
            coro.close()
            raise RuntimeError("LoopThread.run called from its own loop; await the coroutine")
        if self._closed:
            coro.close()
            raise MatrixError("use the Matrix client", "it has been closed", errcode="")
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    def run(self, coro: Coroutine[Any, Any, T], *, timeout: float, action: str) -> T:
        """Run `coro` on the loop and return its result; after `timeout` s cancel it and raise."""
        future = self.submit(coro)
        return self.wait(future, timeout=timeout, action=action)

    def wait(self, future: concurrent.futures.Future[T], *, timeout: float, action: str) -> T:
        done, _ = concurrent.futures.wait([future], timeout=timeout)
        if not done:
            future.cancel()
            raise MatrixUnreachable(action, f"no result within {timeout:.0f} s")
        return future.result()

    def close(self, final: Coroutine[Any, Any, Any] | None = None, *, timeout: float = 5) -> None:
        """Run `final` (e.g. closing the HTTP session), cancel leftovers, stop and join the loop."""
        if self._closed:
            if final is not None:
                final.close()
            return
        try:
            if final is not None:
                self.run(final, timeout=timeout, action="close the Matrix connection")
        except Exception:
            logger.warning("closing the Matrix connection failed", exc_info=True)
        finally:
            self._closed = True
            asyncio.run_coroutine_threadsafe(_cancel_all(), self._loop).result(timeout)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout)
            if not self._thread.is_alive():
                self._loop.close()


async def _cancel_all() -> None:
    current = asyncio.current_task()
    tasks = [t for t in asyncio.all_tasks() if t is not current]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
