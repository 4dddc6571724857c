"""The overview's snapshots are counted in the background: a caller never waits for one, one
count runs at a time per kind, a failure is said and tried again, forget() keeps nothing that
was counted for another database."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from app.services.insight import kept
from app.services.insight.snapshot import Snapshot
from tests.support.waiting import wait_for


class SlowGather:
    """Stands in for snapshot.gather: each call waits until released, then answers (or
    raises) as told."""

    def __init__(self) -> None:
        self.calls = 0
        self.release = threading.Event()
        self.fail: Exception | None = None

    def __call__(self, *, accounts: bool, joined_since: datetime | None) -> Snapshot:
        self.calls += 1
        assert self.release.wait(10)
        if self.fail is not None:
            raise self.fail
        return Snapshot(taken_at=datetime.now(UTC))


@pytest.fixture
def gather(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlowGather]:
    slow = SlowGather()
    monkeypatch.setattr(kept, "gather", slow)
    kept.forget()
    yield slow
    slow.release.set()
    kept.forget()


def idle() -> bool:
    return not kept.counting(accounts=True)


def test_the_first_call_returns_at_once_and_one_count_serves_every_caller(
    gather: SlowGather,
) -> None:
    assert kept.latest(accounts=True) is None  # not waited for
    assert kept.latest(accounts=True) is None and kept.counting(accounts=True)
    gather.release.set()
    wait_for(idle, what="the count done")
    first = kept.latest(accounts=True)
    assert first is not None and gather.calls == 1
    assert kept.latest(accounts=True) is first  # kept, not counted again
    assert gather.calls == 1


def test_an_old_snapshot_is_shown_while_it_is_counted_again(
    gather: SlowGather, monkeypatch: pytest.MonkeyPatch
) -> None:
    gather.release.set()
    kept.latest(accounts=True)
    wait_for(idle, what="the count done")
    first = kept.latest(accounts=True)
    monkeypatch.setattr(kept, "KEPT_FOR", timedelta(0))
    gather.release.clear()
    assert kept.latest(accounts=True) is first and kept.counting(accounts=True)
    gather.release.set()
    wait_for(idle, what="the recount done")
    assert kept.latest(accounts=True) is not first and gather.calls == 2


def test_a_failed_count_is_said_then_tried_again(
    gather: SlowGather, monkeypatch: pytest.MonkeyPatch
) -> None:
    gather.fail = RuntimeError("the database went away")
    gather.release.set()
    kept.latest(accounts=True)
    wait_for(idle, what="the count done")
    assert kept.failure(accounts=True) == "the database went away"
    assert kept.latest(accounts=True) is None and idle()  # not before RETRY_AFTER
    monkeypatch.setattr(kept, "RETRY_AFTER", timedelta(0))
    gather.fail = None
    kept.latest(accounts=True)
    wait_for(idle, what="the retry done")
    assert kept.latest(accounts=True) is not None and kept.failure(accounts=True) is None


def test_forget_keeps_nothing_from_a_count_under_way(gather: SlowGather) -> None:
    kept.latest(accounts=True)
    releaser = threading.Timer(0.05, gather.release.set)
    releaser.start()
    kept.forget()  # returns once the count under way is done; its result is dropped
    assert idle() and gather.calls == 1
    gather.release.clear()
    assert kept.latest(accounts=True) is None  # a new count starts: nothing was kept
    gather.release.set()
