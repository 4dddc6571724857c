"""An invitation's pk is its link's secret: the audit log and its CSV export never hold it."""

from __future__ import annotations

import hashlib
import logging

import pytest

from app.db.engine import session_scope
from app.db.models import AuditEvent, utcnow
from app.services import audit, invite_links
from app.services.audit import AuditFilter
from app.utils.authentik import AuthentikError
from tests.support.authentik_fake import AuthentikFake


@pytest.fixture
def fake(db, authentik_installed: AuthentikFake) -> AuthentikFake:
    return authentik_installed


def everything_audited() -> str:
    """Every stored column of every audit row, and the CSV export."""
    with session_scope() as s:
        stored = [
            (e.actor, e.action, e.target, e.member, e.outcome, e.details)
            for e in s.query(AuditEvent).all()
        ]
    return repr(stored) + audit.export_csv(AuditFilter())


def test_create_and_revoke_audit_a_reference_never_the_pk(
    fake: AuthentikFake, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="app")
    kept = invite_links.create(actor="admin", label="kept", email="new@example.org")
    gone = invite_links.create(actor="admin", label="gone")
    # No name: the target must not fall back to the pk.
    invite_links.revoke(actor="admin", pk=gone.pk)
    fake.fail_next("DELETE", f"/stages/invitation/invitations/{kept.pk}/", status=500)
    with pytest.raises(AuthentikError) as caught:
        invite_links.revoke(actor="admin", pk=kept.pk, name=kept.name)
    # The message reaches the screen, journey step reasons and the audit log: no pk either.
    assert kept.pk not in str(caught.value) and kept.ref in str(caught.value)

    text = everything_audited()
    assert kept.pk not in text and gone.pk not in text
    assert "DELETE /stages/invitation/invitations/" in caplog.text  # debug logging was on
    assert kept.pk not in caplog.text and gone.pk not in caplog.text
    assert kept.ref == hashlib.sha256(kept.pk.encode()).hexdigest()[:12]
    rows = audit.search(AuditFilter(), page_size=50).rows
    refs = [(r.action, r.outcome, r.target, r.details["invite_ref"]) for r in reversed(rows)]
    assert refs == [
        ("authentik.invite.create", "ok", "kept", kept.ref),
        ("authentik.invite.create", "ok", "gone", gone.ref),
        ("authentik.invite.revoke", "ok", gone.ref, gone.ref),
        ("authentik.invite.revoke", "failed", "kept", kept.ref),
    ]
    assert kept.ref in rows[0].details["reason"]  # the error, scrubbed of the pk


def test_rows_written_with_a_pk_before_are_shown_and_exported_with_the_reference(db) -> None:
    pk = "0b4c8a52-6a47-4f7e-9d1c-3f0d5b2e9a11"
    with session_scope() as s:
        s.add(
            AuditEvent(
                occurred_at=utcnow(),
                actor="admin",
                action="authentik.invite.revoke",
                target=pk,
                outcome="failed",
                details={"pk": pk, "reason": f"Authentik answered 500 to DELETE /{pk}/"},
            )
        )
    (row,) = audit.search(AuditFilter()).rows
    ref = invite_links.invite_ref(pk)
    assert row.target == ref
    assert row.details == {"invite_ref": ref, "reason": f"Authentik answered 500 to DELETE /{ref}/"}
    assert pk not in audit.export_csv(AuditFilter())
