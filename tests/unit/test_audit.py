"""Audit service: record, filter, paginate, export."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from app.db import audit_log
from app.db.engine import session_scope
from app.db.models import AuditEvent
from app.services import audit
from app.utils.enums import AuditOutcome


def add_event(at: datetime, actor: str, action: str, outcome: str = "ok", member: str = "") -> None:
    with session_scope() as s:
        s.add(
            AuditEvent(
                occurred_at=at,
                actor=actor,
                action=action,
                outcome=outcome,
                target=f"t-{action}",
                member=member,
                details={},
            )
        )


def test_record_drops_secret_looking_details(db):
    audit_log.record(
        actor="a",
        action="x",
        details={
            "password": "p",
            "api_token": "t",
            "nested": {"client_secret": "s", "ok": 1},
            "n": 2,
        },
    )
    row = audit.search(audit.AuditFilter()).rows[0]
    assert row.details == {"nested": {"ok": 1}, "n": 2}


def test_filters_combine_and_pages_are_newest_first(db):
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    for i in range(30):
        add_event(
            t0 + timedelta(hours=i),
            actor="ann" if i % 2 else "bob",
            action="login" if i % 3 else "account.create",
            outcome="failed" if i % 5 == 0 else "ok",
            member=f"@m{i}:x",
        )
    page = audit.search(audit.AuditFilter(actor="ann"), page=1, page_size=4)
    assert page.total == 15 and page.pages == 4 and len(page.rows) == 4
    assert [r.occurred_at for r in page.rows] == sorted(
        (r.occurred_at for r in page.rows), reverse=True
    )
    last = audit.search(audit.AuditFilter(actor="ann"), page=4, page_size=4)
    assert len(last.rows) == 3
    only = audit.search(audit.AuditFilter(actor="bob", action="account.create", outcome="failed"))
    assert [r.member for r in only.rows] == ["@m0:x"]  # even, divisible by 3 and by 5
    by_member = audit.search(audit.AuditFilter(member="M17"))
    assert [r.member for r in by_member.rows] == ["@m17:x"]
    dated = audit.search(
        audit.AuditFilter(
            since=(t0 + timedelta(days=1)).date(), until=(t0 + timedelta(days=1)).date()
        )
    )
    assert dated.total == 6  # hours 24..29 fall on the second day


def test_csv_export_has_every_matching_row_and_defuses_formulas(db):
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    with session_scope() as s:  # one bulk INSERT: the export, not the setup, is under test
        s.execute(insert(AuditEvent), [
            {"occurred_at": t0 + timedelta(seconds=i), "actor": "=cmd()" if i == 0 else "ann",
             "action": "login", "outcome": "ok", "target": "t-login", "member": "",
             "details": {}}
            for i in range(2500)
        ])
    text = audit.export_csv(audit.AuditFilter(action="login"))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(audit.CSV_COLUMNS)
    assert len(rows) == 2501
    assert rows[-1][1] == "'=cmd()"  # the oldest row, written as text


def test_audited_block_writes_ok_with_what_the_block_learned(db):
    with audit_log.audited(actor="ann", action="x.create", target="draft", details={"a": 1}) as e:
        e.target = "final"
        e.details["pk"] = 7
    row = audit.search(audit.AuditFilter()).rows[0]
    assert (row.action, row.outcome, row.target, row.details) == (
        "x.create", "ok", "final", {"a": 1, "pk": 7}
    )


def test_audited_block_that_raises_writes_failed_with_the_reason_and_reraises(db):
    with pytest.raises(KeyError), audit_log.audited(
        actor="ann", action="x.revoke", target="t", details={"ref": "r"}, errors=KeyError,
        reason=lambda err: str(err).replace("secret", "ref"),
    ):
        raise KeyError("no secret here")
    row = audit.search(audit.AuditFilter()).rows[0]
    assert (row.outcome, row.details) == ("failed", {"ref": "r", "reason": "'no ref here'"})


def test_audited_block_leaves_other_errors_unaudited_and_may_set_its_outcome(db):
    with pytest.raises(ValueError), audit_log.audited(
        actor="ann", action="x.other", errors=KeyError
    ):
        raise ValueError("not ours")
    assert audit.search(audit.AuditFilter()).total == 0
    with audit_log.audited(actor="ann", action="x.sync", reason_key="error") as entry:
        entry.outcome = AuditOutcome.PARTIAL
    assert [r.outcome for r in audit.search(audit.AuditFilter()).rows] == ["partial"]
