"""Journeys against crashes, restarts and a second replica, on one PostgreSQL, with a real
Synapse and the Authentik fake: separate app processes, killed with SIGKILL where it hurts.

Counted on the servers themselves: one Authentik user, one invite per room, one graduation
message, one welcome DM conversation (hello and text once each), one removal message per room.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path

import pytest

from app.services import journeys, onboarding
from app.services.journeys import JourneyView
from app.services.offboarding import OffboardingRequest
from app.services.offboarding_steps import ROOMS as REMOVAL
from app.services.onboarding import OnboardingRequest
from app.services.onboarding_steps import AUTHENTIK, CREDENTIAL, WELCOME
from tests.support.journey_env import JourneyEnv
from tests.support.synapse import TestUser
from tests.support.tcp_proxy import TcpProxy
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.synapse, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
Worker = Callable[..., subprocess.Popen[str]]


@pytest.fixture
def env(journey_env: JourneyEnv, pg_db: str) -> JourneyEnv:
    """The journey environment with the app's database on PostgreSQL (pg_db comes second)."""
    return journey_env


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[Worker]:
    procs: list[subprocess.Popen[str]] = []

    def start(*args: str, replica: str = "r1", **extra_env: str) -> subprocess.Popen[str]:
        environ = {**os.environ, "REPLICA_ID": replica, "DASHBOARD_ENV_FILE": "", **extra_env}
        log = (tmp_path / f"worker-{len(procs)}.log").open("w")
        proc = subprocess.Popen([sys.executable, "-m", "tests.support.journey_worker", *args],
                                cwd=ROOT, env=environ, stdout=log, stderr=subprocess.STDOUT,
                                text=True)
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


def onboarding_json(user_id: str, rooms: list[str]) -> str:
    return json.dumps(asdict(OnboardingRequest(
        first_name="Ada", last_name="Lovelace", username="ada.lovelace",
        email="ada@example.org", matrix_user_id=user_id, room_ids=tuple(rooms),
    )))


def the_journey(kind: str = "onboarding") -> JourneyView:
    return wait_for(lambda: next(iter(journeys.search(kind=kind)), None),
                    what=f"the {kind} journey to exist")


def ended(journey_id: int, timeout: float = 90) -> JourneyView:
    return wait_for(lambda: (j := journeys.get(journey_id)).active is False and j,
                    timeout=timeout, what="the journey to end")


def kill(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)


def bot_texts(env: JourneyEnv, room: str, reader: TestUser | None = None) -> list[str]:
    events = env.synapse.messages(reader or env.bot, room, limit=200)
    return [e["content"].get("body", "") for e in events
            if e["type"] == "m.room.message" and e["sender"] == env.bot.user_id]


def invites(env: JourneyEnv, room: str, user_id: str) -> int:
    events = env.synapse.timeline(env.bot, room)
    return sum(1 for e in events if e["type"] == "m.room.member"
               and e.get("state_key") == user_id and e["content"].get("membership") == "invite")


def assert_onboarded_once(env: JourneyEnv, member: TestUser, rooms: list[str],
                          journey: JourneyView) -> None:
    assert [u.username for u in env.authentik.users.values()].count("ada.lovelace") == 1
    assert [invites(env, room, member.user_id) for room in rooms] == [1] * len(rooms)
    graduation = [t for t in bot_texts(env, env.welcome_room) if "is all set up" in t]
    assert len(graduation) == 1
    direct = env.synapse.account_data(env.bot, "m.direct").get(member.user_id, [])
    assert len(direct) == 1  # one DM conversation
    assert journey.step(WELCOME).result["room_id"] == direct[0]
    env.synapse.join(member, direct[0])
    texts = bot_texts(env, direct[0], member)
    assert [t.startswith("Hi Ada") for t in texts].count(True) == 1  # the hello, once
    assert [t.startswith("Welcome to the community") for t in texts].count(True) == 1


def test_the_same_onboarding_from_two_processes_is_done_once(env: JourneyEnv, worker) -> None:
    member = env.member()
    rooms = [env.room(f"Double {i}") for i in range(3)]
    submission = uuid.uuid4().hex
    runs = [worker("onboard", submission, onboarding_json(member.user_id, rooms),
                   replica=f"replica-{i}") for i in range(2)]
    for run in runs:
        assert run.wait(120) == 0
    journey = ended(the_journey().id)
    assert journey.status == "done"
    assert_onboarded_once(env, member, rooms, journey)


def test_the_same_onboarding_from_two_threads_is_done_once(env: JourneyEnv) -> None:
    import threading  # noqa: PLC0415 (only this test uses threads)

    member = env.member()
    rooms = [env.room(f"Threads {i}") for i in range(2)]
    request = OnboardingRequest(**json.loads(onboarding_json(member.user_id, rooms)))
    submission, results = uuid.uuid4().hex, []

    def submit() -> None:
        results.append(onboarding.start(actor="admin", request=request,
                                        submission_id=submission))

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len({r.journey.id for r in results}) == 1
    assert sum(1 for r in results if r.password) == 1  # one admin is shown the password
    assert_onboarded_once(env, member, rooms, ended(results[0].journey.id))


def test_kill_9_mid_room_step_then_the_replica_finishes_and_posts_nothing_twice(
    env: JourneyEnv, worker
) -> None:
    member = env.synapse.register()
    rooms = [env.room(f"Crash {i}") for i in range(25)]
    for room in rooms:
        env.synapse.add_member(env.bot, room, member)
    request = json.dumps(asdict(OffboardingRequest(
        matrix_user_id=member.user_id, reason="spam links", action="kick",
        message_key="removal_spam", room_ids=tuple(rooms),
    )))
    with TcpProxy("127.0.0.1", int(env.synapse.url.rsplit(":", 1)[1])) as slow:
        slow.latency = 0.05  # a slow link, so the kill lands in the middle of the kicks
        proxied = f"http://127.0.0.1:{slow.port}"
        first = worker("offboard", uuid.uuid4().hex, request, MATRIX_HOMESERVER_URL=proxied,
                       MATRIX_CONCURRENCY="1")

        def kicked() -> int:
            found = journeys.search(kind="offboarding")
            rooms_done = found[0].step(REMOVAL).result.get("rooms", {}) if found else {}
            return sum(1 for r in rooms_done.values() if r.get("ok"))

        wait_for(lambda: kicked() >= 10, timeout=120, what="ten rooms kicked")
        kill(first)
        assert kicked() < 25  # killed mid-step
        worker("resume", MATRIX_HOMESERVER_URL=proxied)  # the same replica starts again
        journey = ended(the_journey("offboarding").id, timeout=180)
    assert journey.status == "done"
    for room in rooms:
        assert env.synapse.membership(env.bot, room, member.user_id) == "leave"
        assert [t for t in bot_texts(env, room) if "removed for spamming" in t] != []
        assert len([t for t in bot_texts(env, room) if "removed for spamming" in t]) == 1


def test_kill_9_between_authentiks_answer_and_the_checkpoint_then_the_account_step_succeeds(
    env: JourneyEnv, worker
) -> None:
    member = env.member()
    env.authentik.delay_next("POST", "/core/users/", seconds=60)  # created, then no answer
    first = worker("onboard", uuid.uuid4().hex, onboarding_json(member.user_id, []))
    wait_for(lambda: any(u.username == "ada.lovelace" for u in env.authentik.users.values()),
             timeout=60, what="Authentik to create the user")
    kill(first)
    worker("resume")
    journey = wait_for(
        lambda: (j := journeys.get(the_journey().id)).step(AUTHENTIK).finished and j,
        timeout=90, what="the account step to finish")
    assert journey.step(AUTHENTIK).status == "done"  # found by its journey mark, not "taken"
    assert [u.username for u in env.authentik.users.values()].count("ada.lovelace") == 1
    # The credential was never shown (its admin's process died): made for the next admin.
    assert journey.step(CREDENTIAL).status in ("pending", "failed")
    again = onboarding.follow(actor="admin", journey_id=journey.id)
    user = next(u for u in env.authentik.users.values() if u.username == "ada.lovelace")
    assert again.password and env.authentik.password_matches(user.pk, again.password)


def test_the_welcome_dm_survives_a_restart_during_its_delay_and_is_sent_once(
    env: JourneyEnv, worker
) -> None:
    member = env.member()
    first = worker("onboard", uuid.uuid4().hex, onboarding_json(member.user_id, []),
                   WELCOME_DM_DELAY_SECONDS="8")
    journey = wait_for(
        lambda: (j := the_journey()).step(WELCOME).result.get("hello_event") and j,
        timeout=90, what="the hello to be sent")
    kill(first)  # during the pause before the welcome text
    assert "welcome_event" not in journeys.get(journey.id).step(WELCOME).result
    worker("resume", WELCOME_DM_DELAY_SECONDS="8")
    journey = ended(journey.id)
    assert journey.step(WELCOME).status == "done"
    room = journey.step(WELCOME).result["room_id"]
    env.synapse.join(member, room)
    texts = bot_texts(env, room, member)
    assert sum(t.startswith("Hi Ada") for t in texts) == 1
    assert sum(t.startswith("Welcome to the community") for t in texts) == 1


def test_an_upgrade_with_a_journey_in_flight_resumes_it(
    env: JourneyEnv, worker, tmp_path: Path
) -> None:
    """The engine's application version is pinned (WORKFLOW_VERSION), not a hash of the code:
    a new release that keeps the steps' order resumes what the old one left running."""
    member = env.member()
    first = worker("onboard", uuid.uuid4().hex, onboarding_json(member.user_id, []),
                   WELCOME_DM_DELAY_SECONDS="8")
    journey = wait_for(
        lambda: (j := the_journey()).step(WELCOME).result.get("hello_event") and j,
        timeout=90, what="the hello to be sent")
    kill(first)
    release = tmp_path / "release"
    shutil.copytree(ROOT, release, ignore=shutil.ignore_patterns(
        ".git", ".venv", "data", "__pycache__", ".pytest_cache", "test-results"))
    changed = release / "app" / "services" / "onboarding_steps.py"
    code = changed.read_text()  # the next release changed a workflow's own code
    changed.write_text(code.replace("def welcome_text(journey_id: int) -> None:\n",
                                    "def welcome_text(journey_id: int) -> None:\n"
                                    "    # changed in the next release\n"))
    assert changed.read_text() != code
    environ = {**os.environ, "REPLICA_ID": "r1", "DASHBOARD_ENV_FILE": "",
               "WELCOME_DM_DELAY_SECONDS": "8"}
    upgraded = subprocess.Popen([sys.executable, "-m", "tests.support.journey_worker", "resume"],
                                cwd=release, env=environ, stdout=subprocess.DEVNULL,
                                stderr=subprocess.STDOUT)
    try:
        assert ended(journey.id).step(WELCOME).status == "done"
    finally:
        upgraded.kill()
        upgraded.wait(10)
