"""SSO sign-in from Authentik claims: group -> role, refusals, account upsert, audit."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.auth.oidc import (
    SIGN_IN_WINDOW,
    SsoExpired,
    SsoRefused,
    parse_claims,
    role_for_groups,
    sign_in_from_claims,
)
from app.auth.sessions import create_session, validate_session
from app.db.engine import session_scope
from app.db.models import Account, utcnow
from app.services import audit
from app.services.accounts import create_account, revoke_sessions, set_active
from app.utils.config import Settings, get_settings

PASSWORD = "a long enough password"


def claims(**overrides) -> dict:
    base = {
        "is_logged_in": True,
        "sub": "sub-alice",
        "preferred_username": "alice",
        "name": "Alice Example",
        "email": "alice@example.org",
        "groups": ["dashboard-admins"],
        "iat": int(time.time()),
        "exp": int(time.time()) + 3600,
    }
    return base | overrides


def sso_account(subject: str = "sub-alice") -> Account:
    with session_scope() as db:
        account = db.scalar(select(Account).where(Account.oidc_subject == subject))
        db.expunge_all()
        return account


def events(action: str = "login") -> list[audit.AuditRow]:
    return audit.search(audit.AuditFilter(action=action)).rows


# -- group -> role --------------------------------------------------------------------------


def test_role_for_groups_maps_default_names_and_admin_wins():
    settings = Settings()
    assert role_for_groups(["dashboard-admins"], settings) == "admin"
    assert role_for_groups(["dashboard-moderators"], settings) == "moderator"
    assert role_for_groups(["dashboard-moderators", "dashboard-admins"], settings) == "admin"
    assert role_for_groups(["staff", "Dashboard-Admins"], settings) is None  # exact names
    assert role_for_groups([], settings) is None


def test_role_for_groups_uses_the_configured_group_names(monkeypatch):
    monkeypatch.setenv("OIDC_ADMIN_GROUP", "ops")
    monkeypatch.setenv("OIDC_MODERATOR_GROUP", "mods")
    get_settings.cache_clear()
    settings = get_settings()
    assert role_for_groups(["ops"], settings) == "admin"
    assert role_for_groups(["mods"], settings) == "moderator"
    assert role_for_groups(["dashboard-admins"], settings) is None


# -- claims ---------------------------------------------------------------------------------


def test_parse_claims_takes_username_from_preferred_username_then_email_then_sub():
    assert parse_claims(claims()).username == "alice"
    assert parse_claims(claims(preferred_username="")).username == "alice@example.org"
    no_names = claims(preferred_username=None, email=None, sub="9f86d081884c7d65")
    assert parse_claims(no_names).username == "9f86d081884c7d65"
    assert parse_claims(claims(preferred_username="Alice")).username == "alice"


def test_parse_claims_requires_a_subject_and_an_issue_time_and_a_usable_username():
    with pytest.raises(SsoRefused, match="no subject"):
        parse_claims(claims(sub=""))
    with pytest.raises(SsoRefused, match="no issue time"):
        parse_claims(claims(iat=None))
    with pytest.raises(SsoRefused, match="cannot be a dashboard username"):
        parse_claims(claims(preferred_username="alice smith"))


def test_parse_claims_reads_groups_leniently_and_never_invents_one():
    assert parse_claims(claims(groups="dashboard-admins")).groups == ("dashboard-admins",)
    assert parse_claims(claims(groups=[" a ", 3, "", "b"])).groups == ("a", "b")
    assert parse_claims(claims(groups={"dashboard-admins": True})).groups == ()
    assert parse_claims(claims(groups=None)).groups == ()


# -- sign-in --------------------------------------------------------------------------------


def test_first_sso_login_creates_an_oidc_account_and_a_session(db):
    token, identity = sign_in_from_claims(claims())
    assert identity.role == "admin" and identity.auth_source == "oidc"
    assert identity.username == "alice" and identity.display_name == "Alice Example"
    assert validate_session(token) == identity  # an ordinary DB session
    account = sso_account()
    assert account.password_hash is None and account.auth_source == "oidc"
    assert account.last_login_at is not None
    login = events()[0]
    assert (login.actor, login.outcome, login.details) == (
        "alice",
        "ok",
        {"method": "sso", "role": "admin"},
    )
    created = events("account.create")[0]
    assert created.target == "alice" and created.details["auth_source"] == "oidc"


def test_second_login_refreshes_role_name_and_username_from_authentik(db):
    token, _ = sign_in_from_claims(claims())
    later = claims(groups=["dashboard-moderators"], name="Alice B", preferred_username="alice.b")
    _, identity = sign_in_from_claims(later)
    assert (identity.role, identity.display_name, identity.username) == (
        "moderator",
        "Alice B",
        "alice.b",
    )
    # The same account row, and roles are read from it: the earlier session is a moderator now.
    assert validate_session(token).role == "moderator"
    with session_scope() as db_session:
        assert db_session.scalar(select(Account.id).where(Account.auth_source == "oidc"))
        assert len(db_session.scalars(select(Account)).all()) == 1
    change = events("account.role")[0]
    assert change.details == {"from": "admin", "to": "moderator", "via": "Authentik groups"}
    assert events("account.rename")[0].details["from"] == "alice"


def test_no_matching_group_is_refused_audited_and_ends_existing_sessions(db):
    token, _ = sign_in_from_claims(claims())
    with pytest.raises(SsoRefused) as refused:
        sign_in_from_claims(claims(groups=["staff"]))
    assert str(refused.value).startswith(
        "Your Authentik account is not in the dashboard-admins or dashboard-moderators group"
    )
    assert validate_session(token) is None  # out of every group: logged out everywhere
    denied = events()[0]
    assert denied.outcome == "denied"
    assert denied.details == {"method": "sso", "reason": "no dashboard group", "groups": ["staff"]}


def test_no_group_on_a_first_login_creates_no_account(db):
    with pytest.raises(SsoRefused):
        sign_in_from_claims(claims(groups=[]))
    assert sso_account() is None
    assert events()[0].outcome == "denied"


def test_the_refusal_names_the_configured_groups(db, monkeypatch):
    monkeypatch.setenv("OIDC_ADMIN_GROUP", "ops")
    monkeypatch.setenv("OIDC_MODERATOR_GROUP", "mods")
    get_settings.cache_clear()
    with pytest.raises(SsoRefused, match="not in the ops or mods group"):
        sign_in_from_claims(claims())


def test_deactivated_sso_account_is_refused_even_with_the_admin_group(db):
    create_account(actor="test", username="root", password=PASSWORD, role="admin")
    sign_in_from_claims(claims())
    set_active(actor="root", account_id=sso_account().id, active=False)
    with pytest.raises(SsoRefused, match="deactivated"):
        sign_in_from_claims(claims())
    assert sso_account().is_active is False
    assert events()[0].details["reason"] == "account deactivated"


def test_username_of_a_local_account_is_never_taken_over(db):
    local = create_account(actor="test", username="alice", password=PASSWORD, role="moderator")
    with pytest.raises(SsoRefused, match="belongs to local account"):
        sign_in_from_claims(claims())
    with session_scope() as db_session:
        row = db_session.get(Account, local.id)
        assert (row.auth_source, row.oidc_subject, row.role) == ("local", None, "moderator")
    assert sso_account() is None
    assert events()[0].details["reason"] == "username taken by local account"


def test_username_of_another_sso_account_is_refused(db):
    sign_in_from_claims(claims())
    with pytest.raises(SsoRefused, match="belongs to another SSO account"):
        sign_in_from_claims(claims(sub="sub-other"))
    assert sso_account("sub-other") is None


def test_old_claims_cannot_start_a_session_and_write_nothing(db):
    stale = int((utcnow() - SIGN_IN_WINDOW - timedelta(minutes=3)).timestamp())
    with pytest.raises(SsoExpired, match="Log in with Authentik again"):
        sign_in_from_claims(claims(iat=stale))
    future = int((utcnow() + timedelta(minutes=10)).timestamp())
    with pytest.raises(SsoRefused, match="clock"):
        sign_in_from_claims(claims(iat=future))
    assert sso_account() is None
    assert events() == []


def test_a_repeat_login_reuses_the_account_and_leaves_other_sessions_alone(db):
    token, identity = sign_in_from_claims(claims())
    other = create_session(identity.account_id)
    _, again = sign_in_from_claims(claims())
    assert again.account_id == identity.account_id
    assert validate_session(token) and validate_session(other)


def test_an_sso_login_from_before_its_sessions_were_ended_is_not_replayed(db):
    create_account(actor="test", username="root", password=PASSWORD, role="admin")
    login = claims(iat=int(time.time()) - 60)
    token, _ = sign_in_from_claims(login)
    revoke_sessions(actor="root", account_id=sso_account().id)
    assert validate_session(token) is None
    with pytest.raises(SsoExpired, match="session was ended"):
        sign_in_from_claims(login)  # the same Authentik login, as Streamlit's cookie replays it
    fresh, identity = sign_in_from_claims(claims(iat=int(time.time()) + 1))
    assert identity.username == "alice" and validate_session(fresh) is not None
