"""Login and lockout: 5 failures in 15 minutes block a username for 15 minutes."""

from datetime import UTC, datetime, timedelta

import pytest

from app.auth.login import LOCKED, WRONG_CREDENTIALS, LoginRefused, log_in
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
