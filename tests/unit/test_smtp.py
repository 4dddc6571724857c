"""SMTP settings, the message we build, and the client's typed errors for servers that refuse
or never answer (real sockets on loopback; the full conversations are in
tests/integration/test_email.py)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from app.services import templates
from app.utils.config import ConfigError, Settings, get_settings
from app.utils.errors import InputError
from app.utils.smtp import SmtpConfig, SmtpTimedOut, SmtpUnreachable, compose, send
from tests.support.synapse import free_port


def settings(**values: str) -> Settings:
    return Settings(_env_file=None, **values)


def config_error(monkeypatch: pytest.MonkeyPatch, **env: str) -> str:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    with pytest.raises(ConfigError) as caught:
        get_settings()
    return str(caught.value)


def test_the_port_follows_the_security_unless_set() -> None:
    assert settings().smtp_port_or_default == 587
    assert settings(smtp_security="SSL").smtp_port_or_default == 465
    assert settings(smtp_security="none").smtp_port_or_default == 25
    assert settings(smtp_security="ssl", smtp_port="2465").smtp_port_or_default == 2465


def test_bad_values_name_their_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "SMTP_SECURITY: Input should be 'starttls', 'ssl' or 'none'" in config_error(
        monkeypatch, SMTP_SECURITY="tls")
    assert "SMTP_PORT" in config_error(monkeypatch, SMTP_SECURITY="ssl", SMTP_PORT="70000")


def test_a_password_is_never_sent_in_clear_nor_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    message = config_error(monkeypatch, SMTP_SECURITY="none", SMTP_PASSWORD="Hunter-2-pw")
    assert "SMTP_SECURITY" in message and "Hunter-2-pw" not in message
    monkeypatch.setenv("SMTP_SECURITY", "starttls")
    get_settings.cache_clear()
    loaded = get_settings()
    assert "Hunter-2-pw" not in repr(loaded) and "Hunter-2-pw" not in str(loaded.model_dump())


@pytest.mark.parametrize("sender", ["nope", "a@b", "a@b.org\r\nBcc: x@y.org", "<>"])
def test_the_sender_is_one_address(monkeypatch: pytest.MonkeyPatch, sender: str) -> None:
    assert "SMTP_FROM: Value error, must be an address" in config_error(
        monkeypatch, SMTP_FROM=sender)


def test_what_is_missing_is_named() -> None:
    assert settings().smtp_missing == ["SMTP_HOST", "SMTP_FROM"]
    whole = settings(smtp_host="mail.example.org", smtp_from="Us <us@example.org>")
    assert whole.smtp_missing == []
    half = settings(smtp_host="mail.example.org", smtp_from="us@example.org", smtp_username="u")
    assert half.smtp_missing == ["SMTP_PASSWORD"]


def test_the_message_has_one_subject_line_and_a_stable_id() -> None:
    first = compose(sender="Us <us@example.org>", to="ada@example.org",
                    subject="Hello\r\nBcc: eve@example.org", body="Hi\n", key="email-x-1")
    again = compose(sender="us@example.org", to="ada@example.org", subject="Hello",
                    body="Hi\n", key="email-x-1")
    assert first["Subject"] == "Hello Bcc: eve@example.org" and "Bcc" not in first
    assert first["Message-ID"] == again["Message-ID"]
    assert first["Message-ID"].endswith("@example.org>")


def test_an_email_subject_template_is_one_line() -> None:
    with pytest.raises(InputError) as caught:
        templates.check_body("email_welcome_subject", "Welcome\n{name}")
    assert "one line" in caught.value.message
    assert templates.preview("email_invite_body", templates.SPECS["email_invite_body"].default)


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never says a word."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(5)
        yield int(listener.getsockname()[1])


def smtp_config(port: int) -> SmtpConfig:
    return SmtpConfig(host="127.0.0.1", port=port, security="starttls", sender="us@example.org",
                      timeout=0.5, username="u", password=SecretStr("Secret-pw-1"))


def message() -> object:
    return compose(sender="us@example.org", to="ada@example.org", subject="s", body="b", key="k")


def test_a_server_that_never_answers_times_out(silent_server: int) -> None:
    with pytest.raises(SmtpTimedOut) as caught:
        send(smtp_config(silent_server), message())  # type: ignore[arg-type]
    assert caught.value.transient and "SMTP_TIMEOUT_SECONDS" in str(caught.value)
    assert "Secret-pw-1" not in str(caught.value) and "Secret-pw-1" not in repr(smtp_config(1))


def test_a_closed_port_is_unreachable() -> None:
    with pytest.raises(SmtpUnreachable) as caught:
        send(smtp_config(free_port()), message())  # type: ignore[arg-type]
    assert caught.value.transient and "could not reach the SMTP server" in str(caught.value)
