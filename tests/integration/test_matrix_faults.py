"""MatrixClient when the homeserver misbehaves: throttling, a hung server, a server that dies.

Every case must end within its bound with one honest outcome per room, never a hang.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.utils.matrix import (
    MatrixThrottled,
    MatrixUnreachable,
    RoomOutcome,
    Status,
)
from tests.support.synapse import SynapseServer
from tests.support.synapse_fixtures import StartSynapse, client_for

pytestmark = pytest.mark.synapse

TIMEOUT = 2.0  # the client's per-request timeout in these tests
MARGIN = 2.0  # scheduling slack on a loaded 2-core machine


@pytest.fixture(scope="module")
def doomed(synapse_factory: StartSynapse) -> Iterator[SynapseServer]:
    """A private relaxed server these tests may freeze and kill (never the shared one)."""
    server = synapse_factory(server_name="doomed.local")
    yield server
    if server.process is not None:  # never leave it frozen for the session's shutdown
        with contextlib.suppress(ProcessLookupError):
            os.kill(server.process.pid, signal.SIGCONT)


def test_invite_burst_on_default_limits_is_reported_throttled_within_the_bounded_wait(
    synapse_default_limits: SynapseServer,
) -> None:
    server = synapse_default_limits
    # A fresh inviter, so the result does not depend on what other tests did on this server.
    # Synapse's defaults let a user make about 10 requests that send events (room creations
    # and invites share rc_message) and invite one user 5 times, then ask to wait 5 s to
    # minutes: beyond this client's throttle budget, so the rest must come back throttled.
    inviter, newcomer = server.register(), server.register()
    rooms = [server.create_room(inviter, name=f"burst {i}") for i in range(8)]
    max_wait = 3.0

    with client_for(server, inviter, timeout=TIMEOUT, max_throttle_wait=max_wait,
                    concurrency=4) as client:
        started = time.monotonic()
        outcomes = client.invite_many(user_id=newcomer.user_id, rooms=rooms)
        elapsed = time.monotonic() - started

    assert [o.room_id for o in outcomes] == rooms
    assert {o.status for o in outcomes} == {Status.DONE, Status.THROTTLED}
    assert elapsed < max_wait + TIMEOUT + MARGIN
    for outcome in outcomes:
        expected = "invite" if outcome.status is Status.DONE else "none"
        assert server.membership(inviter, outcome.room_id, newcomer.user_id) == expected
        if outcome.status is Status.THROTTLED:
            assert "M_LIMIT_EXCEEDED" in outcome.reason and "retry after" in outcome.reason


def test_a_short_throttle_is_waited_out_and_a_long_one_raises(
    synapse_default_limits: SynapseServer,
) -> None:
    server = synapse_default_limits
    # A fresh user has a fresh message budget: Synapse's default rc_message is a burst of 10,
    # then one message per 5 s.
    sender = server.register()
    room = server.create_room(sender)

    with client_for(server, sender, timeout=TIMEOUT, max_throttle_wait=0.5) as impatient:
        sent_before = 0
        while True:  # the burst, until the homeserver says stop (room creation counted too)
            started = time.monotonic()
            try:
                impatient.send_message(room, f"burst {sent_before}")
            except MatrixThrottled as err:
                caught = err
                break
            sent_before += 1
            assert sent_before <= 10, "Synapse's default rc_message should throttle by now"
        refused_after = time.monotonic() - started
    with client_for(server, sender, timeout=TIMEOUT, max_throttle_wait=8) as patient:
        started = time.monotonic()
        sent = patient.send_message(room, "worth the wait")
        waited = time.monotonic() - started

    assert caught.retry_after > 0.5
    assert "rate-limiting" in str(caught)
    assert refused_after < 1 + MARGIN
    assert 1 < waited < 8 + TIMEOUT + MARGIN
    bodies = [e["content"]["body"] for e in server.messages(sender, room)]
    assert bodies[-1] == "worth the wait"
    assert f"burst {sent_before}" not in bodies  # the refused message was not sent
    assert sent.event_id


def test_a_hung_homeserver_gives_unreachable_within_the_timeout(doomed: SynapseServer) -> None:
    bot = doomed.bot
    user = doomed.register()
    rooms = [doomed.create_room(bot) for _ in range(6)]
    assert doomed.process is not None
    with client_for(doomed, timeout=TIMEOUT, concurrency=2) as client:
        client.whoami()  # a warm keep-alive connection, as in a long-running app
        os.kill(doomed.process.pid, signal.SIGSTOP)  # accepts connections, never answers
        try:
            started = time.monotonic()
            with pytest.raises(MatrixUnreachable):
                client.joined_rooms()
            single = time.monotonic() - started
            started = time.monotonic()
            outcomes = client.invite_many(user_id=user.user_id, rooms=rooms)
            bulk = time.monotonic() - started
        finally:
            os.kill(doomed.process.pid, signal.SIGCONT)

    assert single < TIMEOUT + MARGIN
    # The first two invites go out (no read first) and time out together: sent, unanswered,
    # they are unknown after one re-check that times out too; the rest are not attempted (the
    # server proved dead).
    assert bulk < 2 * TIMEOUT + MARGIN
    assert [o.status for o in outcomes] == [Status.UNKNOWN] * 2 + [Status.UNREACHABLE] * (
        len(rooms) - 2)
    assert sum("not attempted" in o.reason for o in outcomes) == len(rooms) - 2


def test_homeserver_killed_mid_bulk_gives_every_room_an_outcome_and_done_is_true(
    doomed: SynapseServer,
) -> None:
    bot = doomed.bot
    newcomer = doomed.register()
    with ThreadPoolExecutor(4) as pool:
        rooms = list(pool.map(lambda i: doomed.create_room(bot, name=f"room {i}"), range(30)))
    seen: list[RoomOutcome] = []

    def kill_after_three(outcome: RoomOutcome) -> None:
        seen.append(outcome)
        if sum(o.status is Status.DONE for o in seen) == 3:
            doomed.kill()

    with client_for(doomed, timeout=TIMEOUT, concurrency=2) as client:
        started = time.monotonic()
        outcomes = client.invite_many(user_id=newcomer.user_id, rooms=rooms,
                                      on_outcome=kill_after_three)
        elapsed = time.monotonic() - started
        with pytest.raises(MatrixUnreachable):
            client.whoami()

    assert [o.room_id for o in outcomes] == rooms
    assert sorted(o.room_id for o in seen) == sorted(rooms)  # each reported once, as it landed
    done = [o.room_id for o in outcomes if o.status is Status.DONE]
    unreachable = [o for o in outcomes if o.status is Status.UNREACHABLE]
    # An invite sent just before the kill had no answer and could not be re-read: unknown.
    unknown = [o.room_id for o in outcomes if o.status is Status.UNKNOWN]
    assert len(done) >= 3 and unreachable
    assert len(done) + len(unreachable) + len(unknown) == len(rooms)
    assert elapsed < TIMEOUT + MARGIN
    # Bring the server back on the same data: every room reported done really has the invite,
    # and inviting again settles the unknown ones (it reads their membership first).
    doomed.launch()
    for room in done:
        assert doomed.membership(bot, room, newcomer.user_id) == "invite"
    with client_for(doomed, timeout=TIMEOUT) as client:
        assert all(o.ok for o in client.invite_many(user_id=newcomer.user_id, rooms=unknown))
