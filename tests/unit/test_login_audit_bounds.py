"""Failed logins cannot grow the audit log without bound, and every try is still counted."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.auth.login import LoginRefused, log_in
from app.auth.setup import complete_setup
from app.db import audit_budget
from app.db.engine import session_scope
from app.db.models import LoginThrottle
from app.services.accounts import create_account
from app.services.audit import AuditFilter, AuditRow, search
from app.utils.enums import AuditAction
from app.utils.errors import InputError

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
PASSWORD = "a long enough password"



def refused(username: str, password: str, at: datetime) -> str:
    with pytest.raises(LoginRefused) as caught:
        log_in(username, password, now=at)
    return str(caught.value)


def rows(**filters: str) -> list[AuditRow]:
    return search(AuditFilter(**filters), page_size=500).rows


def test_one_username_hammered_writes_a_handful_of_rows_with_the_exact_count(db, verify_calls):
    create_account(actor="test", username="alice", password=PASSWORD, role="admin")
    for i in range(255):
        refused("alice", "wrong password!!", T0 + timedelta(seconds=i))
    assert verify_calls.count == 5
    failed, denied = rows(outcome="failed"), rows(outcome="denied")
    assert len(failed) == 5
    assert sorted(r.details["refused_so_far"] for r in denied) == [1, 10, 100]
    # The lockout (15 minutes from the 5th failure) ends; the next login writes the total.
    log_in("alice", PASSWORD, now=T0 + timedelta(minutes=20))
    (total,) = [r for r in rows(outcome="denied") if "refused_total" in r.details]
    assert total.details["refused_total"] == 250 and total.details["ended_by"] == "lockout ended"
    assert len(failed) + total.details["refused_total"] == 255
    assert len(rows(action="login")) == 5 + 3 + 1 + 1  # failed, so far, total, the login


def test_many_usernames_share_a_per_minute_cap_with_an_exact_n_more(db, monkeypatch):
    monkeypatch.setattr(audit_budget, "ROWS_PER_MINUTE", 10)
    for i in range(40):
        refused(f"nobody{i}", "wrong password!!", T0 + timedelta(seconds=i))
    assert len(rows(action="login")) == 10
    so_far = rows(action=AuditAction.AUDIT_CAPPED)
    assert sorted(r.details["not_written_so_far"] for r in so_far) == [1, 10]
    # A try in the next minute closes the full one with its total.
    refused("late", "wrong password!!", T0 + timedelta(minutes=1))
    totals = [
        r.details["not_written_total"]
        for r in rows(action=AuditAction.AUDIT_CAPPED)
        if "not_written_total" in r.details
    ]
    assert totals == [30]
    assert 10 + totals[0] == 40  # every failure: written, or in the total
    assert len(rows(action="login")) == 11
    assert len(rows()) == 11 + 3


def test_the_sweep_totals_an_ended_lockout_nobody_retried_and_forgets_idle_usernames(db):
    for i in range(5):
        refused("mallory", "wrong password!!", T0 + timedelta(seconds=i))
    for i in range(3):
        refused("mallory", "wrong password!!", T0 + timedelta(minutes=1, seconds=i))
    refused("someone", "wrong password!!", T0 + timedelta(minutes=30))  # any later check
    totals = [r.details for r in rows(actor="mallory") if "refused_total" in r.details]
    assert totals == [
        {"reason": "too many failed logins", "refused_total": 3, "ended_by": "lockout ended"}
    ]
    with session_scope() as s:
        assert s.scalars(select(LoginThrottle.username)).all() == ["someone"]


def test_wrong_setup_tokens_share_the_cap(db, monkeypatch):
    monkeypatch.setattr(audit_budget, "ROWS_PER_MINUTE", 3)
    for _ in range(12):
        with pytest.raises(InputError):
            complete_setup(token="not-a-token", username="eve", password=PASSWORD, now=T0)
    assert len(rows(action="setup.first_admin")) == 3
    assert [r.details["not_written_so_far"] for r in rows(action="audit.capped")] == [1]
