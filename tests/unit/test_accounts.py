"""Account changes: guards that keep the dashboard administrable, and their audit."""

import pytest

from app.auth.sessions import create_session, validate_session
from app.services import accounts
from app.services.audit import AuditFilter, search
from app.utils.errors import InputError

PW = "a long enough password"


@pytest.fixture
def admin(db):
    return accounts.create_account(actor="cli", username="root-admin", password=PW, role="admin")


def test_create_validates_before_writing(admin):
    with pytest.raises(InputError, match="Username"):
        accounts.create_account(actor="root-admin", username="Bad Name!", password=PW, role="admin")
    with pytest.raises(InputError, match="Role"):
        accounts.create_account(actor="root-admin", username="okname", password=PW, role="owner")
    with pytest.raises(InputError, match="already taken"):
        accounts.create_account(
            actor="root-admin", username="ROOT-ADMIN", password=PW, role="admin"
        )
    assert [a.username for a in accounts.list_accounts()] == ["root-admin"]


def test_last_admin_cannot_be_removed_or_demoted(admin):
    mod = accounts.create_account(actor="root-admin", username="mod", password=PW, role="moderator")
    with pytest.raises(accounts.AccountError, match="last active admin"):
        accounts.set_active(actor="mod", account_id=admin.id, active=False)
    with pytest.raises(accounts.AccountError, match="cannot demote yourself"):
        accounts.set_role(actor="root-admin", account_id=admin.id, role="moderator")
    accounts.set_role(actor="root-admin", account_id=mod.id, role="admin")
    accounts.set_role(actor="mod", account_id=admin.id, role="moderator")
    assert {a.username: a.role for a in accounts.list_accounts()} == {
        "mod": "admin",
        "root-admin": "moderator",
    }


def test_password_reset_and_deactivation_end_sessions(admin):
    mod = accounts.create_account(actor="root-admin", username="mod", password=PW, role="moderator")
    token = create_session(mod.id)
    accounts.reset_password(
        actor="root-admin", account_id=mod.id, new_password="another long password"
    )
    assert validate_session(token) is None
    token = create_session(mod.id)
    assert accounts.list_accounts()[0].live_sessions == 1
    accounts.set_active(actor="root-admin", account_id=mod.id, active=False)
    assert validate_session(token) is None
    actions = [r.action for r in search(AuditFilter(actor="root-admin")).rows]
    assert actions == ["account.deactivate", "account.password_reset", "account.create"]
