"""Lifting a lockout: the service the Accounts page uses, and `python -m app unlock`."""

from datetime import UTC, datetime, timedelta

import pytest

from app import cli
from app.auth.login import LoginRefused, log_in
from app.services import lockouts
from app.services.accounts import create_account
from app.services.audit import AuditFilter, search

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
PASSWORD = "a long enough password"



def lock_out(username: str, at: datetime) -> None:
    for second in range(5):
        with pytest.raises(LoginRefused):
            log_in(username, "wrong password!!", now=at + timedelta(seconds=second))


def test_locked_usernames_lists_each_lockout_with_its_end(db):
    lock_out("alice", T0)
    lock_out("bob", T0 + timedelta(minutes=1))
    listed = lockouts.locked_usernames(now=T0 + timedelta(minutes=2))
    assert [(u.username, u.until) for u in listed] == [
        ("bob", T0 + timedelta(minutes=16, seconds=4)),
        ("alice", T0 + timedelta(minutes=15, seconds=4)),
    ]
    later = lockouts.locked_usernames(now=T0 + timedelta(minutes=15, seconds=5))
    assert [u.username for u in later] == ["bob"]
    assert lockouts.locked_usernames(now=T0 + timedelta(hours=1)) == []


def test_unlock_lets_the_right_password_in_and_is_audited_with_the_actor(db):
    create_account(actor="test", username="alice", password=PASSWORD, role="admin")
    lock_out("alice", T0)
    at = T0 + timedelta(minutes=1)
    with pytest.raises(LoginRefused, match="Too many failed logins"):
        log_in("alice", PASSWORD, now=at)
    assert lockouts.unlock(actor="root", username=" Alice ", now=at) is True
    token, _ = log_in("alice", PASSWORD, now=at)
    assert token
    (row,) = search(AuditFilter(action="login.unlock")).rows
    assert (row.actor, row.target) == ("root", "alice")
    assert row.details == {
        "was_locked": True,
        "locked_until": (T0 + timedelta(minutes=15, seconds=4)).isoformat(),
    }
    assert lockouts.unlock(actor="root", username="alice", now=at) is False


def test_unlock_forgets_failures_so_a_full_count_starts_again(db):
    for second in range(4):
        with pytest.raises(LoginRefused):
            log_in("carol", "wrong password!!", now=T0 + timedelta(seconds=second))
    assert lockouts.unlock(actor="root", username="carol", now=T0) is False
    for second in range(4):  # four more do not lock: the earlier four were forgotten
        with pytest.raises(LoginRefused, match="Wrong username"):
            log_in("carol", "wrong password!!", now=T0 + timedelta(seconds=10 + second))


def test_cli_unlock_exits_0_when_unlocked_or_not_locked(db, capsys):
    create_account(actor="test", username="alice", password=PASSWORD, role="admin")
    lock_out("alice", datetime.now(UTC))
    assert cli.main(["unlock", "--username", "Alice"]) == 0
    assert "Unlocked 'alice'" in capsys.readouterr().out
    assert lockouts.locked_usernames() == []
    assert log_in("alice", PASSWORD)[0]
    assert cli.main(["unlock", "--username", "alice"]) == 0
    assert "was not locked out" in capsys.readouterr().out
    actors = {r.actor for r in search(AuditFilter(action="login.unlock")).rows}
    assert actors == {cli.CLI_ACTOR}


def test_cli_unlock_refuses_a_blank_username(db, capsys):
    assert cli.main(["unlock", "--username", "  "]) == 2
    assert "enter the username" in capsys.readouterr().err


def test_cli_unlock_needs_the_schema_at_head(isolated_settings, capsys):
    assert cli.main(["unlock", "--username", "alice"]) == 2
    assert "python -m app migrate" in capsys.readouterr().err
