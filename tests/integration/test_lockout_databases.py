"""The lockout on SQLite and PostgreSQL: parallel logins cannot race it (argon2 at production
cost), and the sweep totals ended lockouts and forgets idle usernames."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.auth import lockout
from app.auth.login import BUSY, LOCKED, WRONG_CREDENTIALS, LoginRefused, log_in
from app.db.engine import session_scope
from app.db.models import LoginThrottle, utcnow
from app.services import lockouts
from app.services.accounts import create_account
from app.services.audit import AuditFilter, search
from tests.support.auth_fixtures import CallCounter

PASSWORD = "a long enough password"
TRIES = 20
LIMIT = 5  # LOGIN_LOCKOUT_ATTEMPTS's default


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue("db" if request.param == "sqlite" else "pg_db")


def try_at_once(username: str, password: str, count: int) -> list[str]:
    """`count` logins released together by a barrier, each in its own thread."""
    barrier = threading.Barrier(count)

    def attempt(_: int) -> str:
        barrier.wait()
        try:
            log_in(username, password)
        except LoginRefused as err:
            return str(err)
        return "logged in"

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(attempt, range(count)))


def test_parallel_wrong_passwords_evaluate_at_most_the_limit_and_are_all_audited(
    database: str, verify_calls: CallCounter
) -> None:
    create_account(actor="test", username="alice", password=PASSWORD, role="admin")

    answers = Counter(try_at_once("alice", "wrong password!!", TRIES))

    assert verify_calls.count == LIMIT
    assert answers[WRONG_CREDENTIALS] == LIMIT
    assert set(answers) <= {WRONG_CREDENTIALS, BUSY, LOCKED.format(minutes=15)}
    failed = search(AuditFilter(action="login", outcome="failed")).rows
    assert len(failed) == LIMIT
    so_far = [r.details["refused_so_far"] for r in search(AuditFilter(outcome="denied")).rows]
    assert sorted(so_far) == [1, 10]  # the 15 refused tries, so far
    assert lockouts.locked_usernames()[0].refused == TRIES - LIMIT

    # The right password is refused, unchecked, until an admin lifts the lockout.
    with pytest.raises(LoginRefused, match="Too many failed logins"):
        log_in("alice", PASSWORD)
    assert verify_calls.count == LIMIT
    assert lockouts.unlock(actor="admin", username="alice") is True
    totals = [r.details for r in search(AuditFilter(outcome="denied")).rows]
    (total,) = [d["refused_total"] for d in totals if "refused_total" in d]
    assert len(failed) + total == TRIES + 1  # every try accounted for
    (unlocked,) = search(AuditFilter(action="login.unlock")).rows
    assert (unlocked.actor, unlocked.target, unlocked.details["was_locked"]) == (
        "admin",
        "alice",
        True,
    )

    token, identity = log_in("alice", PASSWORD)
    assert token and identity.username == "alice"
    assert verify_calls.count == LIMIT + 1
    assert lockouts.locked_usernames() == []


def test_parallel_tries_of_an_unknown_username_are_bounded_the_same_way(
    database: str, verify_calls: CallCounter
) -> None:
    answers = Counter(try_at_once("nobody", "wrong password!!", TRIES))
    assert verify_calls.count == LIMIT
    assert answers[WRONG_CREDENTIALS] == LIMIT
    assert [(u.username, u.refused) for u in lockouts.locked_usernames()] == [
        ("nobody", TRIES - LIMIT)
    ]


def test_the_sweep_totals_ended_lockouts_and_deletes_idle_rows(
    database: str, fast_hasher: object
) -> None:
    t0 = utcnow()
    for name in ("mallory", "idle"):
        for second in range(5 if name == "mallory" else 1):
            with pytest.raises(LoginRefused):
                log_in(name, "wrong password!!", now=t0 + timedelta(seconds=second))
    with pytest.raises(LoginRefused, match="Too many failed logins"):
        log_in("mallory", "wrong password!!", now=t0 + timedelta(minutes=1))
    with session_scope() as s:
        assert set(s.scalars(select(LoginThrottle.username))) == {"mallory", "idle"}

    lockout.sweep(t0 + timedelta(minutes=30))

    with session_scope() as s:
        assert s.scalars(select(LoginThrottle.username)).all() == []
    totals = [r.details for r in search(AuditFilter(actor="mallory", outcome="denied")).rows]
    ended = {"reason": "too many failed logins", "refused_total": 1, "ended_by": "lockout ended"}
    assert ended in totals
