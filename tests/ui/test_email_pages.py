"""AppTest: "Send by email" on the Invite links page (a real SMTP server on loopback, the
Authentik fake) and the email templates on the Templates page."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app.utils.state import SessionKey as K
from tests.support.authentik_fake import AuthentikFake
from tests.support.smtp_server import SmtpServer, configure, running
from tests.support.waiting import wait_for
from tests.ui.conftest import plain

INVITES = "app/pages/invites.py"


@pytest.fixture
def smtp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
         authentik_installed: AuthentikFake) -> SmtpServer:
    with running(tmp_path, security="starttls", username="mailer", password="Smtp-pass-9") as s:
        configure(monkeypatch, s)
        yield s


def click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click()
    return at.run()


def captions(at: AppTest) -> str:
    return " | ".join(plain(c.value) for c in at.caption)


def test_send_by_email_checks_the_addresses_then_shows_each_recipients_outcome(
    smtp: SmtpServer, admin_app: AppTest
) -> None:
    at = admin_app.switch_page(INVITES).run()
    at.text_input(key=K.INVITES_LABEL).input("spring")
    at.text_input(key=K.INVITES_EMAIL).input("ada@example.org")
    at = click(at, "Create invite")
    link = at.code[0].value
    # The new invite is chosen and its address filled in, ready to send.
    assert at.text_area(key=K.INVITES_MAIL_TO).value == "ada@example.org"
    at.text_area(key=K.INVITES_MAIL_TO).input("ada@example.org, grace@")
    at = click(at, "Send by email")
    assert "enter an address like name@example.org" in captions(at)
    assert smtp.received == [] and "goes by email" not in str(at.success)

    at.text_area(key=K.INVITES_MAIL_TO).input("ada@example.org\ngrace@example.org")
    at = click(at, "Send by email")
    assert "goes by email to 2 address(es) in the background" in plain(at.success[-1].value)
    wait_for(lambda: len(smtp.received) == 2, what="both emails")
    for address in ("ada@example.org", "grace@example.org"):
        assert link in smtp.to(address)[0].text.splitlines()
    def statuses() -> set[str]:
        return set(click(at, "Refresh").dataframe[1].value["Status"])

    wait_for(lambda: statuses() == {"✅ sent"}, what="the table to say sent")
    grid = at.dataframe[1].value
    assert sorted(grid["Recipient"]) == ["ada@example.org", "grace@example.org"]
    assert set(grid["Invite"]) == {"spring"} and set(grid["By"]) == {"admin"}
    # A second click of the same submission sends nothing more.
    at = click(at, "Send by email")
    assert len(smtp.received) == 2 and len(at.dataframe[1].value) == 2


def test_without_smtp_the_page_says_what_to_set(
    authentik_installed: AuthentikFake, admin_app: AppTest
) -> None:
    at = admin_app.switch_page(INVITES).run()
    notice = " ".join(plain(i.value) for i in at.info)
    assert "Email (SMTP) is not configured: set SMTP_HOST, SMTP_FROM, then restart" in notice
    assert not [b for b in at.button if b.label == "Send by email"]


def test_templates_page_edits_the_email_templates_with_a_plain_text_preview(
    admin_app: AppTest,
) -> None:
    at = admin_app.switch_page("app/pages/templates.py").run()
    at.selectbox(key=K.TEMPLATES_SELECTED).select("email_invite_body").run()
    assert "https://auth.example.org/if/flow/enrollment/?itoken=example" in at.code[0].value
    at.selectbox(key=K.TEMPLATES_SELECTED).select("email_invite_subject").run()
    at.text_area(key=f"{K.TEMPLATES_BODY}_email_invite_subject").input("Join us\nBcc: x@y.org")
    at = click(at, "Save")
    assert "a subject is one line" in plain(at.error[0].value)
