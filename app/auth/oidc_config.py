"""SSO configuration for Streamlit: the OIDC_* settings written as the `[auth]` secrets it reads.

Streamlit's `st.login` reads its OIDC client only from secrets files, never from the
environment. `python -m app serve` (and the browser tests, which start servers the same way)
call `secrets_files()`: it writes a 0600 TOML file under `.streamlit/generated/` and returns
the `secrets.files` list that points Streamlit at it. The secrets never reach a command line
or a log; only the file's path does.

Why a file and not `st.App(secrets=...)`: Streamlit 1.67 merges programmatic secrets in the
App's lifespan, after it has built its middleware, so its session middleware (which keeps the
OIDC state during the Authentik round trip) would sign with a random per-process key instead
of `cookie_secret`, and a login started on one replica could not finish on another.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import SecretStr

from app.utils.config import PROJECT_ROOT, ConfigError, Settings

GENERATED_DIR = PROJECT_ROOT / ".streamlit" / "generated"
SECRETS_FILE = "secrets.toml"
# Authentik's default "profile" scope mapping carries `groups` (the names of the user's
# groups) next to name and preferred_username; "email" carries email.
SCOPES = "openid profile email"
CALLBACK_PATH = "/oauth2callback"
MIN_COOKIE_SECRET = 32
# Streamlit's own default secrets locations, kept so an operator's secrets.toml still loads.
DEFAULT_SECRETS_FILES = (
    Path.home() / ".streamlit" / "secrets.toml",
    PROJECT_ROOT / ".streamlit" / "secrets.toml",
)


def is_configured(settings: Settings) -> bool:
    """True when every OIDC_* variable SSO needs is set."""
    return not settings.oidc_missing


def auth_section(settings: Settings) -> dict[str, object]:
    """The `[auth]` table for Streamlit; ConfigError names the variable that is wrong."""
    if missing := settings.oidc_missing:
        raise ConfigError(f"SSO is not configured: set {', '.join(missing)}")
    redirect_uri = str(settings.oidc_redirect_uri)
    if not redirect_uri.endswith(CALLBACK_PATH):
        raise ConfigError(
            f"Configuration error: OIDC_REDIRECT_URI must be the dashboard's public URL ending "
            f"in {CALLBACK_PATH}, e.g. https://dashboard.example.org{CALLBACK_PATH}"
        )
    cookie_secret = _secret(settings.oidc_cookie_secret, "OIDC_COOKIE_SECRET")
    if len(cookie_secret) < MIN_COOKIE_SECRET:
        raise ConfigError(
            f"Configuration error: OIDC_COOKIE_SECRET must be at least {MIN_COOKIE_SECRET} "
            'characters (python -c "import secrets; print(secrets.token_urlsafe(32))")'
        )
    return {
        "redirect_uri": redirect_uri,
        "cookie_secret": cookie_secret,
        "client_id": settings.oidc_client_id,
        "client_secret": _secret(settings.oidc_client_secret, "OIDC_CLIENT_SECRET"),
        "server_metadata_url": str(settings.oidc_server_metadata_url),
        "client_kwargs": {"scope": SCOPES},
    }


def _secret(value: SecretStr | None, variable: str) -> str:
    """A secret `oidc_missing` has already required (ConfigError if it is somehow unset)."""
    if value is None:
        raise ConfigError(f"SSO is not configured: set {variable}")
    return value.get_secret_value()


def _toml_string(value: str) -> str:
    """A TOML basic string: quote, backslash and control characters escaped."""
    out = ['"']
    for char in value:
        code = ord(char)
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04X}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def render_toml(section: Mapping[str, object], name: str = "auth") -> str:
    """Render one table (string values and nested tables of strings) as TOML."""
    lines = [f"[{name}]"]
    nested: list[str] = []
    for key, value in section.items():
        if isinstance(value, Mapping):
            nested.append(render_toml(value, f"{name}.{key}"))
        else:
            lines.append(f"{key} = {_toml_string(str(value))}")
    return "\n".join(lines) + "\n" + "".join("\n" + table for table in nested)


def write_secrets_file(settings: Settings, directory: Path = GENERATED_DIR) -> Path | None:
    """Write the generated secrets (mode 0600, atomically); None and no file when SSO is off."""
    path = directory / SECRETS_FILE
    if not is_configured(settings):
        path.unlink(missing_ok=True)  # a stale file would still hold a client secret
        return None
    text = (
        "# Generated from the OIDC_* settings by `python -m app serve`; rewritten on every start.\n"
        + render_toml(auth_section(settings))
    )
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = directory / f".{SECRETS_FILE}.{os.getpid()}.tmp"
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(partial, path)
    return path


def secrets_files(settings: Settings, directory: Path = GENERATED_DIR) -> list[str]:
    """Streamlit's `secrets.files` for SSO: empty when OIDC is not configured."""
    path = write_secrets_file(settings, directory.resolve())  # absolute: serve changes dir
    if path is None:
        return []
    return [str(file) for file in (*DEFAULT_SECRETS_FILES, path)]  # later files win: ours
