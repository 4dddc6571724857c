"""Settling a change whose answer was lost: done, failed or unknown from a re-read, never a guess.
(Against a real Synapse behind a dropping proxy: tests/integration/test_matrix_lost_answers.py.)"""

from __future__ import annotations

import asyncio

import pytest

from app.utils.matrix import MatrixConnectionLost, MatrixForbidden, MatrixUnreachable, Status
from app.utils.matrix.settle import settle
from app.utils.matrix.transport import Budget

ROOM = "!room:example.org"


def settled(lost: MatrixConnectionLost, budget: Budget, seen: str | Exception):
    async def observe(_: Budget) -> str:
        if isinstance(seen, Exception):
            raise seen
        return seen

    return asyncio.run(settle(lost, budget, ROOM, observe=observe, holds=lambda m: m == "ban",
                              shown=lambda m: f"membership now: {m}"))


DROPPED = MatrixConnectionLost("ban @a:x in !room", "the connection dropped after sending (EOF)")
TIMED_OUT = MatrixConnectionLost("ban @a:x in !room", "no answer within 10 s", timed_out=True)


@pytest.mark.parametrize("lost", [DROPPED, TIMED_OUT])
def test_a_change_seen_by_the_re_read_is_done_and_says_it_was_confirmed(lost) -> None:
    outcome = settled(lost, Budget(0), "ban")

    assert outcome.status is Status.DONE and outcome.ok
    assert outcome.reason.startswith("confirmed after")
    assert "membership now: ban" in outcome.reason


def test_a_dropped_connection_whose_change_is_not_there_is_failed_not_applied() -> None:
    outcome = settled(DROPPED, Budget(0), "join")

    assert outcome.status is Status.FAILED
    assert outcome.reason.startswith("not applied: membership now: join")


def test_a_timed_out_change_not_there_yet_is_unknown_the_server_may_still_apply_it() -> None:
    outcome = settled(TIMED_OUT, Budget(0), "join")

    assert outcome.status is Status.UNKNOWN and not outcome.ok
    assert "may still apply it" in outcome.reason


def test_a_failed_re_read_is_unknown_and_an_unreachable_one_stops_the_run() -> None:
    budget, other = Budget(0), Budget(0)
    down = MatrixUnreachable("read", "connection failed (refused)")

    unreachable = settled(DROPPED, budget, down)
    refused = settled(DROPPED, other, MatrixForbidden("read", "not in the room"))

    assert unreachable.status is refused.status is Status.UNKNOWN
    assert unreachable.reason.startswith(
        "the connection dropped after sending (EOF); whether it was applied is unknown until "
        "re-checked (re-check failed: connection failed (refused))")
    assert budget.unreachable is down  # the rest of a bulk run is not attempted
    assert other.unreachable is None  # a refusal says nothing about the homeserver being down
