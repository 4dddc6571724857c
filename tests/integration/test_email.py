"""Email against a real SMTP server on loopback (aiosmtpd) and the schema-checked Authentik fake:
invite links arrive exactly, over STARTTLS with AUTH and over implicit TLS; a down server, a
refused login, an untrusted certificate or a refused recipient is that recipient's failure,
recorded by the engine while the admin's call has long returned; nothing secret is stored or
logged."""

from __future__ import annotations

import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from app.services import emails, invite_links, journeys, onboarding, status
from app.services.accounts import create_account
from app.services.audit import AuditFilter, search
from app.services.emails import sending
from app.services.emails.records import DeliveryView
from app.services.onboarding import OnboardingRequest, OnboardingResult
from app.utils.config import get_settings
from app.utils.errors import InputError, NotConfigured, PermissionDenied
from tests.support.authentik_fake import AuthentikFake
from tests.support.smtp_server import SmtpServer, configure, running
from tests.support.synapse import free_port
from tests.support.waiting import wait_for

USER, SECRET = "mailer", "s3cret-Smtp-pass"
ADDRESSES = ["ada@example.org", "grace@example.org"]


def _accounts() -> None:
    create_account(actor="test", username="admin", password="Admin-pass-123", role="admin")
    create_account(actor="test", username="mod", password="Mod-pass-1234", role="moderator")


@pytest.fixture
def fake(db, authentik_installed: AuthentikFake, fast_hasher) -> AuthentikFake:
    _accounts()
    return authentik_installed


@pytest.fixture
def pg_fake(pg_db, authentik_installed: AuthentikFake, fast_hasher) -> AuthentikFake:
    _accounts()
    return authentik_installed


@pytest.fixture
def starttls_auth(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake) -> SmtpServer:
    with running(tmp_path, security="starttls", username=USER, password=SECRET) as server:
        configure(monkeypatch, server)
        yield server


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sending, "RETRY_DELAYS_SECONDS", (0.05, 0.05))


def new_invite(label: str = "spring") -> invite_links.InviteLink:
    return invite_links.create(actor="admin", label=label)


def send(invite: invite_links.InviteLink, addresses, submission: str | None = None):
    return emails.send_invite(actor="admin", invite_pk=invite.pk, invite_name=invite.name,
                              addresses=addresses, submission_id=submission or uuid.uuid4().hex)


def settled(deliveries: list[DeliveryView]) -> list[DeliveryView]:
    ids = [d.id for d in deliveries]
    return wait_for(lambda: all((now := emails.get_many(ids))[i].finished
                                for i in range(len(ids))) and now,
                    what="every delivery to end")


def audit(action: str) -> list:
    return search(AuditFilter(action=action), page_size=100).rows


def test_invite_email_arrives_with_the_exact_link_over_starttls_with_auth(
    starttls_auth: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    invite = new_invite()
    queued = send(invite, "ada@example.org,\n Grace@Example.org; ada@example.org")

    assert [d.recipient for d in queued] == ["ada@example.org", "Grace@Example.org"]
    assert all(d.status == "sent" for d in settled(queued))
    assert starttls_auth.logins == [USER, USER]  # AUTH over TLS, once per message
    for address in ("ada@example.org", "Grace@Example.org"):
        (mail,) = starttls_auth.to(address)
        assert mail.message["From"] == "Community <dash@example.org>"
        assert mail.message["Subject"] == "Your invitation to join the community"
        assert invite.link is not None and invite.link in mail.text.splitlines()
        assert f"?itoken={invite.pk}" in invite.link
    # Audited: the request once, each recipient's outcome; the invite by its ref, never its pk.
    (request,) = audit("email.invite.request")
    assert request.target == invite.name and request.details["invite_ref"] == invite.ref
    outcomes = audit("email.invite")
    assert sorted(r.member for r in outcomes) == ["Grace@Example.org", "ada@example.org"]
    assert {r.outcome for r in outcomes} == {"ok"}
    every_row = str([(r.target, r.member, r.details) for r in search(AuditFilter()).rows])
    assert invite.pk not in every_row and SECRET not in every_row
    assert SECRET not in caplog.text and invite.pk not in caplog.text


def test_the_token_is_stored_nowhere_but_authentik(starttls_auth: SmtpServer) -> None:
    """Neither the dashboard's tables nor the engine's (workflow inputs and step outputs)
    hold the link's token: the sending step finds the invitation again when it sends."""
    invite = new_invite()
    settled(send(invite, ["ada@example.org"]))
    database = Path(get_settings().database_url.removeprefix("sqlite:///"))
    files = [p for p in database.parent.iterdir() if p.name.startswith("dashboard")]
    assert any("engine" in p.name for p in files)
    for path in files:
        assert invite.pk.encode() not in path.read_bytes(), path.name


def test_a_double_submit_sends_each_email_once(starttls_auth: SmtpServer) -> None:
    invite = new_invite()
    submission = uuid.uuid4().hex
    first = send(invite, ADDRESSES, submission)
    again = send(invite, list(reversed(ADDRESSES)), submission)
    assert {d.id for d in first} == {d.id for d in again}
    settled(first)
    assert [len(starttls_auth.to(a)) for a in ADDRESSES] == [1, 1]
    assert len(audit("email.invite.request")) == 1


@pytest.mark.postgres
def test_the_same_submission_racing_itself_on_postgres_sends_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_fake: AuthentikFake
) -> None:
    with running(tmp_path, security="starttls", username=USER, password=SECRET) as server:
        configure(monkeypatch, server)
        invite, submission = new_invite(), uuid.uuid4().hex
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda _: send(invite, ADDRESSES, submission), range(4)))
        assert len({d.id for batch in results for d in batch}) == 2
        assert {d.status for d in settled(results[0])} == {"sent"}
        assert [len(server.to(a)) for a in ADDRESSES] == [1, 1]
        # Each recipient is in the request row of the one call that created its delivery.
        listed = [a for r in audit("email.invite.request") for a in r.details["recipients"]]
        assert sorted(listed) == sorted(ADDRESSES)


def test_implicit_tls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake) -> None:
    with running(tmp_path, security="ssl", username=USER, password=SECRET) as server:
        configure(monkeypatch, server)
        invite = new_invite()
        (delivery,) = settled(send(invite, ["ada@example.org"]))
        assert delivery.status == "sent", delivery.reason
        assert invite.link in server.to("ada@example.org")[0].text
        assert server.logins == [USER]


def test_plain_smtp_without_auth(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake) -> None:
    with running(tmp_path, security="none") as server:
        configure(monkeypatch, server, trust=False)
        (delivery,) = settled(send(new_invite(), ["ada@example.org"]))
        assert delivery.status == "sent" and len(server.received) == 1


def test_a_down_server_is_each_recipients_failure_after_the_engine_retried(
    fake, monkeypatch: pytest.MonkeyPatch, quick_retries, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for name, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(free_port()),
                        "SMTP_FROM": "dash@example.org", "SMTP_USERNAME": USER,
                        "SMTP_PASSWORD": SECRET, "SMTP_TIMEOUT_SECONDS": "2"}.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    queued = send(new_invite(), ADDRESSES)
    # The admin's call only queued them: nothing was tried while it ran.
    assert {(d.status, d.attempts) for d in queued} == {("queued", 0)}
    ended = settled(queued)
    for delivery in ended:
        assert delivery.status == "failed" and delivery.attempts == 3
        assert "could not reach the SMTP server 127.0.0.1" in delivery.reason
        assert "after 3 attempts" in delivery.reason
    outcomes = audit("email.invite")
    assert len(outcomes) == 2 and {r.outcome for r in outcomes} == {"failed"}
    assert SECRET not in caplog.text
    assert SECRET not in str([r.details for r in search(AuditFilter()).rows])


def test_a_refused_login_fails_at_once_without_the_password_anywhere(
    starttls_auth: SmtpServer, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "Wrong-Pass-42"
    configure(monkeypatch, starttls_auth, SMTP_PASSWORD=wrong)
    (delivery,) = settled(send(new_invite(), ["ada@example.org"]))
    assert delivery.status == "failed" and delivery.attempts == 1  # not worth retrying
    assert "refused the login" in delivery.reason and "SMTP_PASSWORD" in delivery.reason
    assert starttls_auth.received == []
    assert wrong not in caplog.text and wrong not in delivery.reason
    assert wrong not in str([r.details for r in search(AuditFilter()).rows])


def test_an_untrusted_certificate_is_a_tls_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake
) -> None:
    """TLS is verified: the self-signed certificate is refused unless SMTP_CA_BUNDLE holds it."""
    with running(tmp_path, security="starttls") as server:
        configure(monkeypatch, server, trust=False)
        (delivery,) = settled(send(new_invite(), ["ada@example.org"]))
    assert delivery.status == "failed" and delivery.attempts == 1
    assert "TLS with the SMTP server" in delivery.reason and "CERTIFICATE" in delivery.reason
    assert server.received == []


def test_a_refused_recipient_fails_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake
) -> None:
    with running(tmp_path, security="starttls", reject={"nobody@example.org"}) as server:
        configure(monkeypatch, server)
        invite = new_invite()
        ended = {d.recipient: d for d in settled(
            send(invite, ["ada@example.org", "nobody@example.org"]))}
    assert ended["ada@example.org"].status == "sent"
    assert ended["nobody@example.org"].status == "failed"
    assert "refused the recipient nobody@example.org (550" in ended["nobody@example.org"].reason
    assert [r.rcpt_tos for r in server.received] == [["ada@example.org"]]


def test_a_revoked_invite_is_not_sent(starttls_auth: SmtpServer, quick_retries) -> None:
    invite = new_invite()
    invite_links.revoke(actor="admin", pk=invite.pk, name=invite.name)
    with pytest.raises(InputError) as caught:
        send(invite, ["ada@example.org"])
    assert caught.value.field == "invite"
    assert starttls_auth.received == []


@pytest.mark.parametrize("addresses", ["", "ada@", "ada@example.org, not an address",
                                       "a@b.org\r\nBcc: x@y.org"])
def test_bad_addresses_are_refused_naming_the_field_before_any_request(
    starttls_auth: SmtpServer, fake: AuthentikFake, addresses: str
) -> None:
    invite = new_invite()
    fake.reset_requests()
    with pytest.raises(InputError) as caught:
        send(invite, addresses)
    assert caught.value.field == "Email addresses"
    assert fake.requests == [] and emails.recent() == []


def test_only_admins_send_and_only_when_configured(fake, monkeypatch: pytest.MonkeyPatch):
    invite = new_invite()
    with pytest.raises(PermissionDenied):
        emails.send_invite(actor="mod", invite_pk=invite.pk, invite_name=invite.name,
                           addresses="ada@example.org", submission_id=uuid.uuid4().hex)
    with pytest.raises(NotConfigured) as caught:
        send(invite, "ada@example.org")
    assert caught.value.missing == ["SMTP_HOST", "SMTP_FROM"]


# -- onboarding's welcome email -------------------------------------------------------------------


def onboard(email: str) -> OnboardingResult:
    request = OnboardingRequest(first_name="Ada", last_name="Lovelace", username="ada.lovelace",
                                email=email)
    result = onboarding.start(actor="admin", request=request, submission_id=uuid.uuid4().hex)
    wait_for(lambda: not journeys.get(result.journey.id).active, what="the journey to end")
    return result


def test_onboarding_sends_the_welcome_email_once_the_account_exists(
    starttls_auth: SmtpServer, fake: AuthentikFake
) -> None:
    result = onboard("ada@example.org")
    (queued,) = emails.for_journey(result.journey.id)
    (delivery,) = settled([queued])
    assert delivery.status == "sent" and delivery.kind == "welcome"
    (mail,) = starttls_auth.to("ada@example.org")
    assert mail.message["Subject"] == "Welcome to the community, Ada Lovelace"
    assert "Your account is ada.lovelace." in mail.text
    (row,) = audit("email.welcome")
    assert row.outcome == "ok" and row.target == f"onboarding #{result.journey.id}"
    # The same journey again (a double submit joins it): no second email.
    assert emails.queue_welcome(journeys.get(result.journey.id)).id == delivery.id
    assert len(starttls_auth.to("ada@example.org")) == 1


def test_no_welcome_email_without_an_address(starttls_auth: SmtpServer) -> None:
    result = onboard("")
    assert emails.for_journey(result.journey.id) == []


# -- the connection check on Home --------------------------------------------------------------


def test_home_checks_the_smtp_connection_without_sending(
    starttls_auth: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    (smtp_row,) = [c for c in status.check_all() if c.name == "Email (SMTP)"]
    assert smtp_row.state == status.OK
    assert smtp_row.detail == (f"127.0.0.1:{starttls_auth.port} answers (STARTTLS, logged in "
                               "as mailer); sending as Community <dash@example.org>")
    configure(monkeypatch, starttls_auth, SMTP_PASSWORD="Not-the-one-1")
    (smtp_row,) = [c for c in status.check_all() if c.name == "Email (SMTP)"]
    assert smtp_row.state == status.ERROR and "refused the login" in smtp_row.detail
    assert "Not-the-one-1" not in smtp_row.detail and starttls_auth.received == []
    for name in ("SMTP_HOST", "SMTP_FROM"):
        monkeypatch.delenv(name)
    get_settings.cache_clear()
    (smtp_row,) = [c for c in status.check_all() if c.name == "Email (SMTP)"]
    assert smtp_row.state == status.NOT_CONFIGURED
    assert smtp_row.detail.startswith("set SMTP_HOST, SMTP_FROM")


def test_a_welcome_skipped_for_want_of_an_account_goes_with_the_retry_that_creates_it(
    starttls_auth: SmtpServer, fake: AuthentikFake
) -> None:
    fake.fail_next("POST", "/core/users/", status=503)
    result = onboard("ada@example.org")
    (skipped,) = settled(emails.for_journey(result.journey.id))
    assert skipped.status == "skipped" and "no Authentik account" in skipped.reason
    assert starttls_auth.received == []
    onboarding.retry(actor="admin", journey_id=result.journey.id)
    wait_for(lambda: not journeys.get(result.journey.id).active, what="the retry to end")
    first, second = emails.for_journey(result.journey.id)
    assert first.id == skipped.id and settled([second])[0].status == "sent"
    assert len(starttls_auth.to("ada@example.org")) == 1
    # Another retry (nothing left to do) sends no second welcome.
    assert emails.queue_welcome(journeys.get(result.journey.id)).id == second.id
