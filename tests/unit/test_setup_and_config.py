"""First-run setup token and configuration errors."""

import pytest

from app.auth.sessions import validate_session
from app.auth.setup import complete_setup, issue_setup_token, needs_setup
from app.utils.config import ConfigError, get_settings
from app.utils.errors import InputError

PW = "a long enough password"


def test_setup_token_creates_the_first_admin_once(db):
    assert needs_setup()
    token = issue_setup_token()
    with pytest.raises(InputError, match="Setup token"):
        complete_setup(token="wrong", username="first", password=PW)
    session_token, identity = complete_setup(token=token, username="First", password=PW)
    assert identity.role == "admin" and identity.username == "first"
    assert validate_session(session_token).username == "first"
    assert not needs_setup()
    assert issue_setup_token() is None
    with pytest.raises(InputError, match="already done"):
        complete_setup(token=token, username="second", password=PW)


def test_bad_setting_names_its_variable(monkeypatch):
    monkeypatch.setenv("MATRIX_CONCURRENCY", "0")
    monkeypatch.setenv("MATRIX_BOT_USER_ID", "bot")
    get_settings.cache_clear()
    with pytest.raises(ConfigError) as caught:
        get_settings()
    assert "MATRIX_CONCURRENCY" in str(caught.value)
    assert "MATRIX_BOT_USER_ID" in str(caught.value)


def test_unset_integrations_say_what_to_set(monkeypatch):
    monkeypatch.setenv("AUTHENTIK_URL", "https://auth.example.org")
    monkeypatch.setenv("MATRIX_ACCESS_TOKEN", "")
    get_settings.cache_clear()
    settings = get_settings()
    assert settings.authentik_missing == ["AUTHENTIK_TOKEN"]
    assert settings.matrix_missing == [
        "MATRIX_HOMESERVER_URL",
        "MATRIX_ACCESS_TOKEN",
        "MATRIX_BOT_USER_ID",
    ]


def test_postgres_urls_use_the_shipped_driver(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    get_settings.cache_clear()
    assert get_settings().database_url == "postgresql+psycopg2://u@h/db"
