"""AppTest: the Accounts and Audit log pages."""

from app.db import audit_log
from app.services import audit, templates
from app.services.accounts import list_accounts
from app.services.audit import AuditFilter, search
from tests.ui.conftest import PASSWORD, log_in, new_app, plain

NEW = "accounts_new_"


def fill_create_form(at, username: str, password: str, confirm: str, role: str = "moderator"):
    at.text_input(key=f"{NEW}username").input(username)
    at.text_input(key=f"{NEW}display").input("New Person")
    at.selectbox(key=f"{NEW}role").select(role)
    at.text_input(key=f"{NEW}password").input(password)
    at.text_input(key=f"{NEW}confirm").input(confirm)
    next(b for b in at.button if b.label == "Create account").click()
    return at.run()


def test_admin_creates_a_moderator_and_bad_input_names_the_field(admin_app):
    at = admin_app.switch_page("app/pages/accounts.py").run()
    at = fill_create_form(at, "new-mod", PASSWORD, "something else!!")
    assert "**Confirm password**" in plain(at.error[0].value)
    at = fill_create_form(at, "Bad Name", PASSWORD, PASSWORD)
    assert "**Username**" in plain(at.error[0].value)
    at = fill_create_form(at, "new-mod", "short", "short")
    assert "**Password**" in plain(at.error[0].value) and "12" in plain(at.error[0].value)
    at = fill_create_form(at, "new-mod", PASSWORD, PASSWORD)
    assert not at.error
    assert "Created moderator account 'new-mod'." in plain(at.success[0].value)
    assert {a.username: a.role for a in list_accounts()}["new-mod"] == "moderator"
    # The new moderator can log in.
    assert log_in(new_app().run(), "new-mod").session_state["account"].role == "moderator"


def test_admin_deactivates_and_promotes_an_account(moderator_account, admin_app):
    at = admin_app.switch_page("app/pages/accounts.py").run()
    at.selectbox(key="accounts_selected").select("mod")
    at.run()
    at.button(key="accounts_role").click()
    at.run()
    assert "'mod' is now admin." in plain(at.success[0].value)
    at.button(key="accounts_deactivate").click()
    at.run()
    assert "'mod' is now deactivated." in plain(at.success[0].value)
    assert not {a.username: a for a in list_accounts()}["mod"].is_active
    assert log_in(new_app().run(), "mod").error[0].value == "Wrong username or password."
    # Admins cannot lock themselves out.
    at.selectbox(key="accounts_selected").select("admin")
    at.run()
    at.button(key="accounts_deactivate").click()
    at.run()
    assert "cannot deactivate your own account" in plain(at.error[0].value)


def test_audit_log_filters_by_action(admin_app):
    log_in(new_app().run(), "admin", "wrong password here")
    at = admin_app.switch_page("app/pages/audit_log.py").run()
    assert at.title[0].value == "Audit log"
    at.selectbox[2].select("failed")  # Outcome
    next(b for b in at.button if b.label == "Apply filters").click()
    at.run()
    assert "**1** matching events" in plain(at.markdown[0].value)
    assert search(AuditFilter(outcome="failed")).total == 1
    grid = at.dataframe[0].value
    assert list(grid["Outcome"]) == ["failed"] and list(grid["Action"]) == ["login"]


def test_templates_page_edits_previews_and_rejects_unknown_variables(admin_app):
    at = admin_app.switch_page("app/pages/templates.py").run()
    assert at.title[0].value == "Message templates"
    at.selectbox(key="templates_selected").select("graduation")
    at.run()
    editor = at.text_area(key="templates_body_graduation")
    editor.input("Bye {nope}")
    next(b for b in at.button if b.label == "Save").click()
    at.run()
    assert "{nope} is not allowed here" in plain(at.error[0].value)
    assert templates.get("graduation").is_default
    at.text_area(key="templates_body_graduation").input("Well done {mention}!")
    next(b for b in at.button if b.label == "Save").click()
    at.run()
    assert not at.error
    assert templates.get("graduation").body == "Well done {mention}!"
    assert "Well done" in at.get("html")[0].proto.body


def test_audit_log_filters_by_member(admin_app):
    audit_log.record(
        actor="admin",
        action="onboarding.room_invites",
        member="ada.lovelace @ada:x",
        target="onboarding #1",
    )
    audit_log.record(actor="admin", action="rooms.kick", member="@bob:x", target="@bob:x")
    at = admin_app.switch_page("app/pages/audit_log.py").run()
    at.text_input[0].input("@ada:x")
    next(b for b in at.button if b.label == "Apply filters").click().run()
    grid = at.dataframe[0].value
    assert list(grid["Action"]) == ["onboarding.room_invites"]
    assert "**1** matching events" in plain(at.markdown[0].value)


def test_admin_sees_a_locked_out_username_and_unlocks_it(moderator_account, admin_app, fast_hasher):
    for _ in range(5):
        log_in(new_app().run(), "mod", "wrong password here")
    locked = log_in(new_app().run(), "mod")
    assert "Too many failed logins" in plain(locked.error[0].value)
    at = admin_app.switch_page("app/pages/accounts.py").run()
    assert any("mod" in m.value and "until" in m.value for m in at.markdown)
    at.button(key="accounts_unlock_mod").click().run()
    assert "'mod' may log in again." in plain(at.success[0].value)
    assert log_in(new_app().run(), "mod").session_state["account"].role == "moderator"
    assert audit.search(AuditFilter(action="login.unlock")).rows[0].actor == "admin"
