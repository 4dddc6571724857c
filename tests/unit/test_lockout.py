"""Login and lockout: 5 failures in 15 minutes block a username for 15 minutes."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.auth import lockout
from app.auth.login import BUSY, LOCKED, WRONG_CREDENTIALS, LoginRefused, log_in
from app.db.engine import session_scope
from app.db.models import LoginThrottle
from app.services.accounts import create_account
from app.services.audit import AuditFilter, search

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
PASSWORD = "a long enough password"



@pytest.fixture
def alice(db):
    return create_account(actor="test", username="alice", password=PASSWORD, role="admin")


def fail(username: str, at: datetime) -> str:
    with pytest.raises(LoginRefused) as caught:
        log_in(username, "wrong password!!", now=at)
    return str(caught.value)


def test_good_login_returns_token_and_identity(alice):
    token, identity = log_in("  Alice ", PASSWORD, now=T0)
    assert token and identity.username == "alice" and identity.role == "admin"


def test_five_failures_lock_the_account_for_fifteen_minutes(alice):
    for minute in range(5):
        assert fail("alice", T0 + timedelta(minutes=minute)) == WRONG_CREDENTIALS
    # Even the right password is refused while locked.
    with pytest.raises(LoginRefused, match="Too many failed logins"):
        log_in("alice", PASSWORD, now=T0 + timedelta(minutes=10))
    with pytest.raises(LoginRefused, match="Try again in 1 minutes"):
        log_in("alice", PASSWORD, now=T0 + timedelta(minutes=18, seconds=30))
    token, _ = log_in("alice", PASSWORD, now=T0 + timedelta(minutes=19, seconds=1))
    assert token


def test_failures_spread_wider_than_the_window_do_not_lock(alice):
    for minute in (0, 4, 8, 12, 16):
        fail("alice", T0 + timedelta(minutes=minute))
    assert log_in("alice", PASSWORD, now=T0 + timedelta(minutes=17))[0]


def test_a_success_resets_the_failure_count(alice):
    for minute in range(4):
        fail("alice", T0 + timedelta(minutes=minute))
    log_in("alice", PASSWORD, now=T0 + timedelta(minutes=5))
    for minute in range(6, 10):
        assert fail("alice", T0 + timedelta(minutes=minute)) == WRONG_CREDENTIALS
    assert log_in("alice", PASSWORD, now=T0 + timedelta(minutes=11))[0]


def test_unknown_username_gets_the_same_messages(alice):
    messages = [fail("nobody", T0 + timedelta(seconds=s)) for s in range(5)]
    assert set(messages) == {WRONG_CREDENTIALS}
    locked = fail("nobody", T0 + timedelta(minutes=1))
    assert locked == LOCKED.format(minutes=15)


def test_logins_are_audited_without_the_password(alice):
    fail("alice", T0)
    log_in("alice", PASSWORD, now=T0 + timedelta(seconds=1))
    rows = search(AuditFilter(action="login")).rows
    assert [r.outcome for r in rows] == ["ok", "failed"]
    assert all(PASSWORD not in str(r.details) for r in rows)


def throttle_rows() -> dict[str, tuple[int, int, int]]:
    """username -> (failures, in_flight, refused)."""
    with session_scope() as db:
        rows = db.scalars(select(LoginThrottle)).all()
        return {r.username: (r.failures, r.in_flight, r.refused) for r in rows}


def reserve_without_release(username: str, at: datetime, times: int) -> None:
    """Checks that started and never finished: the process died mid-verification."""
    for _ in range(times):
        with session_scope() as db:
            assert lockout.reserve(db, username, at) is None


def test_a_refusal_while_locked_out_is_audited_and_checks_no_password(alice, verify_calls):
    for second in range(5):
        fail("alice", T0 + timedelta(seconds=second))
    assert verify_calls.count == 5
    with pytest.raises(LoginRefused, match="Too many failed logins"):
        log_in("alice", PASSWORD, now=T0 + timedelta(minutes=1))
    assert verify_calls.count == 5  # refused before argon2
    (denied,) = search(AuditFilter(action="login", outcome="denied")).rows
    assert denied.actor == "alice"
    assert denied.details["refused_so_far"] == 1
    assert denied.details["locked_until"] == (T0 + timedelta(seconds=4, minutes=15)).isoformat()
    failed = search(AuditFilter(action="login", outcome="failed")).rows
    assert len(failed) == 5
    assert failed[0].details == {"locked_until": denied.details["locked_until"]}  # the 5th


def test_checks_in_flight_count_against_the_limit(alice, verify_calls):
    fail("alice", T0)
    reserve_without_release("alice", T0, times=4)  # 1 failure + 4 running = the limit
    with pytest.raises(LoginRefused) as caught:
        log_in("alice", PASSWORD, now=T0 + timedelta(seconds=1))
    assert str(caught.value) == BUSY
    assert verify_calls.count == 1
    assert throttle_rows()["alice"] == (1, 4, 1)


def test_reservations_of_a_dead_process_lapse_after_a_minute(alice, verify_calls):
    reserve_without_release("alice", T0, times=5)
    with pytest.raises(LoginRefused, match="at once"):
        log_in("alice", PASSWORD, now=T0 + timedelta(seconds=59))
    assert verify_calls.count == 0
    token, identity = log_in("alice", PASSWORD, now=T0 + timedelta(seconds=61))
    assert token and identity.username == "alice" and verify_calls.count == 1
    # The refusal while they were pending is totalled once they lapsed.
    totals = [r.details for r in search(AuditFilter(outcome="denied")).rows]
    ended = {"reason": "too many failed logins", "refused_total": 1, "ended_by": "checks ended"}
    assert ended in totals
    assert "alice" not in throttle_rows()  # nothing left to remember


def test_a_failure_after_the_window_starts_a_new_count(alice):
    for minute in range(4):
        fail("alice", T0 + timedelta(minutes=minute))
    assert throttle_rows()["alice"] == (4, 0, 0)
    fail("alice", T0 + timedelta(minutes=15, seconds=1))  # the window opened at T0
    assert throttle_rows()["alice"] == (1, 0, 0)
