"""DB-backed login sessions: create, validate, slide, expire, revoke."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.auth import sessions
from app.auth.tokens import token_hash
from app.db.engine import session_scope
from app.db.models import LoginSession
from app.services.accounts import create_account, set_active, set_role

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def make_account(role: str = "moderator", username: str = "mod-one") -> int:
    return create_account(
        actor="test", username=username, password="a long enough password", role=role
    ).id


def test_create_stores_only_the_token_hash(db):
    account_id = make_account()
    token = sessions.create_session(account_id, now=T0)
    assert len(token) >= 43
    with session_scope() as s:
        stored = s.scalars(select(LoginSession.token_hash)).all()
    assert stored == [token_hash(token)]
    assert token not in stored


def test_validate_returns_identity_with_role_from_database(db):
    account_id = make_account()
    token = sessions.create_session(account_id, now=T0)
    identity = sessions.validate_session(token, now=T0 + timedelta(minutes=1))
    assert identity is not None
    assert (identity.username, identity.role) == ("mod-one", "moderator")
    admin_id = make_account(role="admin", username="admin-one")
    set_role(actor="admin-one", account_id=account_id, role="admin")
    assert admin_id != account_id
    assert sessions.validate_session(token, now=T0 + timedelta(minutes=2)).role == "admin"


def test_expiry_slides_on_use_and_never_past_the_absolute_cap(db):
    token = sessions.create_session(make_account(), now=T0)
    assert sessions.session_expiry(token) == T0 + timedelta(hours=24)
    later = T0 + timedelta(hours=20)
    assert sessions.validate_session(token, now=later) is not None
    assert sessions.session_expiry(token) == later + timedelta(hours=24)
    # Used every 20 h, it still ends at the 14-day absolute cap.
    moment = later
    while moment < T0 + timedelta(days=14):
        assert sessions.validate_session(token, now=moment) is not None
        moment += timedelta(hours=20)
    assert sessions.validate_session(token, now=T0 + timedelta(days=14, seconds=1)) is None


def test_unused_session_expires_after_the_ttl(db):
    token = sessions.create_session(make_account(), now=T0)
    assert sessions.validate_session(token, now=T0 + timedelta(hours=23, minutes=59)) is not None
    # That use slid the expiry; an idle day after it the session is gone.
    assert sessions.validate_session(token, now=T0 + timedelta(hours=48)) is None


def test_revoked_session_no_longer_validates(db):
    token = sessions.create_session(make_account(), now=T0)
    assert sessions.revoke_session(token, now=T0)
    assert sessions.validate_session(token, now=T0) is None
    assert not sessions.revoke_session(token, now=T0)  # already revoked


def test_revoke_all_sessions_of_an_account(db):
    account_id = make_account()
    tokens = [sessions.create_session(account_id, now=T0) for _ in range(3)]
    assert sessions.revoke_account_sessions(account_id, now=T0) == 3
    assert all(sessions.validate_session(t, now=T0) is None for t in tokens)


def test_deactivated_account_sessions_stop_validating(db):
    make_account(role="admin", username="boss")
    account_id = make_account()
    token = sessions.create_session(account_id)
    set_active(actor="boss", account_id=account_id, active=False)
    assert sessions.validate_session(token) is None


def test_forged_or_tampered_tokens_are_rejected(db):
    token = sessions.create_session(make_account(), now=T0)
    for forged in ["", "x" * 500, token[:-1] + ("A" if token[-1] != "A" else "B"), "é" * 10, None]:
        assert sessions.validate_session(forged, now=T0) is None
