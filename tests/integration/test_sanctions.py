"""Timed sanctions against a real Synapse: they lift themselves on time (also across a restart
of the app process), can be lifted early or extended, and a mute restores levels exactly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest

from app.services import engine, sanctions
from app.services.audit import AuditFilter, search
from app.utils.enums import SanctionStatus
from app.utils.errors import InputError
from tests.support.journey_env import JourneyEnv
from tests.support.waiting import wait_for

pytestmark = pytest.mark.synapse
ROOT = Path(__file__).resolve().parents[2]


def _level(env: JourneyEnv, room: str, user: str) -> int | None:
    return env.synapse.state(env.bot, room, "m.room.power_levels").get("users", {}).get(user)


def test_a_timed_ban_lifts_itself_on_time(journey_env: JourneyEnv) -> None:
    env = journey_env
    member = env.synapse.register()
    rooms = [env.room(f"Timed {i}") for i in range(2)]
    for room in rooms:
        env.synapse.add_member(env.bot, room, member)
    ban = sanctions.impose(actor="mod", user_id=member.user_id, room_ids=rooms, kind="ban",
                           duration=timedelta(seconds=3), reason="cool down")
    assert ban.active and ban.time_left() is not None
    assert {env.synapse.membership(env.bot, r, member.user_id) for r in rooms} == {"ban"}
    ended = wait_for(lambda: (s := sanctions.get(ban.id)).status == SanctionStatus.EXPIRED and s,
                     timeout=60, what="the ban to lift itself")
    assert ended.ended_at is not None and ended.ended_at >= ban.ends_at  # type: ignore[operator]
    assert {env.synapse.membership(env.bot, r, member.user_id) for r in rooms} == {"leave"}
    env.synapse.invite(env.bot, rooms[0], member.user_id)
    env.synapse.join(member, rooms[0])  # they may come back
    assert {r.action for r in search(AuditFilter(member=member.user_id)).rows} >= {
        "sanction.impose", "sanction.expire"}


def test_a_timed_ban_lifts_on_time_when_the_app_restarts_during_the_wait(
    journey_env: JourneyEnv, tmp_path: Path
) -> None:
    env = journey_env
    member = env.synapse.register()
    room = env.room("Restart")
    env.synapse.add_member(env.bot, room, member)
    ban = sanctions.impose(actor="mod", user_id=member.user_id, room_ids=[room], kind="ban",
                           duration=timedelta(seconds=4), reason="restart test")
    engine.shutdown()  # the process that scheduled the lift is gone (as if it crashed)...
    environ = {**os.environ, "REPLICA_ID": "another", "DASHBOARD_ENV_FILE": ""}
    log = (tmp_path / "replica.log").open("w")
    replica = subprocess.Popen([sys.executable, "-m", "tests.support.journey_worker", "resume"],
                               cwd=ROOT, env=environ, stdout=log, stderr=subprocess.STDOUT)
    try:  # ...another replica, started afterwards, lifts it on time
        wait_for(lambda: sanctions.get(ban.id).status == SanctionStatus.EXPIRED, timeout=60,
                 what="the other replica to lift the ban")
    finally:
        replica.send_signal(signal.SIGKILL)
        replica.wait(10)
    assert env.synapse.membership(env.bot, room, member.user_id) == "leave"


def test_mute_lowers_and_restores_the_power_level_exactly(journey_env: JourneyEnv) -> None:
    env = journey_env
    member, helper = env.synapse.register(), env.synapse.register()
    plain_room, levelled_room = env.room("Plain"), env.room("Levelled")
    for room in (plain_room, levelled_room):
        env.synapse.add_member(env.bot, room, member)
    env.synapse.set_power_level(env.bot, levelled_room, member.user_id, 10)
    assert _level(env, plain_room, member.user_id) is None  # no entry of their own
    mute = sanctions.impose(actor="mod", user_id=member.user_id,
                            room_ids=[plain_room, levelled_room], kind="mute",
                            duration=timedelta(hours=1), reason="flooding")
    assert _level(env, plain_room, member.user_id) == -1  # below events_default (0)
    assert _level(env, levelled_room, member.user_id) == -1
    sanctions.lift(actor="mod", sanction_id=mute.id)
    assert _level(env, plain_room, member.user_id) is None  # the entry is gone again
    assert _level(env, levelled_room, member.user_id) == 10
    assert sanctions.get(mute.id).status == SanctionStatus.LIFTED
    with pytest.raises(InputError, match="already ended"):
        sanctions.lift(actor="mod", sanction_id=mute.id)
    assert helper  # (a second account exists in the rooms' server: nothing else changed)


def test_extend_moves_the_end_and_bad_input_is_refused(journey_env: JourneyEnv) -> None:
    env = journey_env
    member = env.synapse.register()
    room = env.room("Extend")
    env.synapse.add_member(env.bot, room, member)
    ban = sanctions.impose(actor="mod", user_id=member.user_id, room_ids=[room], kind="ban",
                           duration=timedelta(seconds=2), reason="x")
    longer = sanctions.extend(actor="mod", sanction_id=ban.id, duration=timedelta(days=7))
    assert longer.ends_at is not None and longer.time_left() > timedelta(days=6)  # type: ignore[operator]
    assert sanctions.get(ban.id).active  # the 2-second timer was cancelled
    for bad in (timedelta(0), timedelta(days=400)):
        with pytest.raises(InputError, match="Duration"):
            sanctions.extend(actor="mod", sanction_id=ban.id, duration=bad)
    with pytest.raises(InputError, match="own bot"):
        sanctions.impose(actor="mod", user_id=env.bot.user_id, room_ids=[room], kind="ban",
                         duration=None, reason="x")
    sanctions.lift(actor="mod", sanction_id=ban.id)
    assert env.synapse.membership(env.bot, room, member.user_id) == "leave"


def test_a_double_submitted_sanction_is_imposed_once(journey_env: JourneyEnv) -> None:
    env = journey_env
    member = env.synapse.register()
    room = env.room("Double")
    env.synapse.add_member(env.bot, room, member)
    submission = uuid.uuid4().hex

    def submit() -> sanctions.SanctionView:
        return sanctions.impose(actor="mod", user_id=member.user_id, room_ids=[room],
                                kind="ban", duration=timedelta(hours=1), reason="twice",
                                notify=True, submission_id=submission)

    with ThreadPoolExecutor(2) as pool:  # two clicks at once (two tabs, two replicas)
        first, second = pool.map(lambda _: submit(), range(2))
    again = submit()  # and once more, later
    assert first.id == second.id == again.id
    assert [s.id for s in sanctions.search(actor="tester", member=member.user_id)] == [first.id]
    impositions = search(AuditFilter(action="sanction.impose", subjects=(member.user_id,)))
    assert impositions.total == 1
    assert env.synapse.membership(env.bot, room, member.user_id) == "ban"
