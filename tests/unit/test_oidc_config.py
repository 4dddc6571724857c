"""SSO configuration: the OIDC_* settings become Streamlit's `[auth]` secrets file."""

from __future__ import annotations

import stat
import tomllib

import pytest

from app import cli, server
from app.auth import oidc_config
from app.utils.config import ConfigError, get_settings

SECRET = "cookie-secret-" + "x" * 40
ENV = {
    "OIDC_CLIENT_ID": "dashboard",
    "OIDC_CLIENT_SECRET": 'client "secret" \\ with\ttricky\x7f characters',
    "OIDC_SERVER_METADATA_URL": "https://auth.example.org/application/o/dash/.well-known/openid-configuration",
    "OIDC_REDIRECT_URI": "https://dashboard.example.org/oauth2callback",
    "OIDC_COOKIE_SECRET": SECRET,
}


@pytest.fixture
def oidc_env(monkeypatch):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    return get_settings()


def test_nothing_is_generated_and_a_stale_file_is_removed_when_sso_is_off(tmp_path):
    stale = tmp_path / oidc_config.SECRETS_FILE
    stale.write_text("[auth]\nclient_secret = 'old'\n")
    assert oidc_config.secrets_files(get_settings(), tmp_path) == []
    assert not stale.exists()


def test_secrets_file_round_trips_through_toml_with_mode_0600(oidc_env, tmp_path):
    files = oidc_config.secrets_files(oidc_env, tmp_path / "gen")
    path = tmp_path / "gen" / oidc_config.SECRETS_FILE
    assert files[-1] == str(path)
    assert len(files) == 3  # Streamlit's own two locations, then ours
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    auth = tomllib.loads(path.read_text())["auth"]
    assert auth == {
        "redirect_uri": ENV["OIDC_REDIRECT_URI"],
        "cookie_secret": SECRET,
        "client_id": "dashboard",
        "client_secret": ENV["OIDC_CLIENT_SECRET"],
        "server_metadata_url": ENV["OIDC_SERVER_METADATA_URL"],
        "client_kwargs": {"scope": "openid profile email"},
    }
    # No secret in the option, which Streamlit may show or log; only the file's path.
    assert not any(SECRET in file or ENV["OIDC_CLIENT_SECRET"] in file for file in files)


def test_redirect_uri_must_be_the_oauth2callback(oidc_env, monkeypatch, tmp_path):
    monkeypatch.setenv("OIDC_REDIRECT_URI", "https://dashboard.example.org/")
    get_settings.cache_clear()
    with pytest.raises(ConfigError, match=r"OIDC_REDIRECT_URI must .* /oauth2callback"):
        oidc_config.secrets_files(get_settings(), tmp_path)


def test_short_cookie_secret_is_refused(oidc_env, monkeypatch, tmp_path):
    monkeypatch.setenv("OIDC_COOKIE_SECRET", "short")
    get_settings.cache_clear()
    with pytest.raises(ConfigError, match="OIDC_COOKIE_SECRET must be at least 32"):
        oidc_config.secrets_files(get_settings(), tmp_path)
    assert not (tmp_path / oidc_config.SECRETS_FILE).exists()


def test_serve_passes_the_generated_secrets_to_streamlit(db, oidc_env, monkeypatch, tmp_path):
    seen: list[dict] = []
    monkeypatch.setattr(server, "run", lambda **options: seen.append(options))
    monkeypatch.setattr(cli.os, "chdir", lambda _path: None)
    assert cli.main(["serve", "--port", "8599", "--generated-dir", str(tmp_path)]) == 0
    assert seen[0]["address"] == "127.0.0.1" and seen[0]["port"] == 8599
    assert seen[0]["secrets_files"][-1] == str(tmp_path / oidc_config.SECRETS_FILE)


def test_serve_with_a_bad_sso_setting_stops_with_the_variable_named(
    db, oidc_env, monkeypatch, capsys, tmp_path
):
    monkeypatch.setenv("OIDC_REDIRECT_URI", "https://dashboard.example.org/login")
    get_settings.cache_clear()
    monkeypatch.setattr(server, "run", lambda **_: pytest.fail("must not start Streamlit"))
    assert cli.main(["serve", "--generated-dir", str(tmp_path)]) == 2
    assert "OIDC_REDIRECT_URI" in capsys.readouterr().err
