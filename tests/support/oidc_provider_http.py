"""The wire side of the test OpenID Connect provider: routes, forms, cookies, error responses.

The OIDC rules live in tests/support/oidc_provider.py; this module only turns HTTP requests
into calls on the provider and its answers (or OAuthErrors) into HTTP responses.
"""

from __future__ import annotations

import html
import json
from http import HTTPStatus
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

if TYPE_CHECKING:
    from tests.support.oidc_provider import OidcProvider

SESSION_COOKIE = "op_session"


class OAuthError(Exception):
    """An error answered as OAuth does: JSON for clients, a page for browsers."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


class RedirectError(OAuthError):
    """An authorization error sent back to the client's (already verified) redirect URI."""

    def __init__(self, redirect_uri: str, state: str | None, error: str, description: str):
        super().__init__(error, description)
        self.redirect_uri = redirect_uri
        self.state = state

    @property
    def location(self) -> str:
        params = {"error": self.error, "error_description": self.description}
        if self.state:
            params["state"] = self.state
        return f"{self.redirect_uri}?{urlencode(params)}"


def login_page(request_id: str, error: str = "") -> str:
    message = f'<p role="alert">{html.escape(error)}</p>' if error else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test identity provider</title></head>
<body><h1>Sign in to the test identity provider</h1>{message}
<form method="post" action="/authorize">
<input type="hidden" name="request_id" value="{html.escape(request_id)}">
<label for="username">Username</label>
<input id="username" name="username" autocomplete="username">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password">
<button type="submit">Sign in</button>
</form></body></html>"""


def make_server(provider: OidcProvider) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.provider = provider  # type: ignore[attr-defined]
    return server


class _Handler(BaseHTTPRequestHandler):
    server_version = "TestOIDC/1.0"

    @property
    def op(self) -> OidcProvider:
        return self.server.provider  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: requests carry codes and tokens, and the test output is no place for them."""

    # -- plumbing --------------------------------------------------------------------------
    def _query(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(urlsplit(self.path).query).items()}

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8") if length else ""
        return {k: v[-1] for k, v in parse_qs(body).items()}

    def _session_id(self) -> str | None:
        cookie = SimpleCookie(self.headers.get("Cookie", ""))
        return cookie[SESSION_COOKIE].value if SESSION_COOKIE in cookie else None

    def _send(
        self, status: int, body: str, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _json(self, payload: dict[str, Any], status: int = 200, headers: dict | None = None):
        self._send(status, json.dumps(payload), "application/json", headers)

    def _html(self, body: str, status: int = 200, headers: dict | None = None) -> None:
        self._send(status, body, "text/html; charset=utf-8", headers)

    def _redirect(self, location: str, headers: dict[str, str] | None = None) -> None:
        self._send(HTTPStatus.FOUND, "", "text/plain", {"Location": location, **(headers or {})})

    def _oauth_error(self, err: OAuthError) -> None:
        endpoint = urlsplit(self.path).path.strip("/")
        self.op.record(endpoint, f"error {err.error}")
        if isinstance(err, RedirectError):
            self._redirect(err.location)
        elif self.command == "POST" and endpoint != "authorize":
            headers = {"WWW-Authenticate": 'Basic realm="oidc"'} if err.status == 401 else None
            payload = {"error": err.error, "error_description": err.description}
            self._json(payload, err.status, headers)
        else:  # a browser: nowhere safe to redirect to
            body = f"<h1>{html.escape(err.error)}</h1><p>{html.escape(err.description)}</p>"
            self._html(body, err.status)

    # -- routes ----------------------------------------------------------------------------
    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        try:
            if path == "/.well-known/openid-configuration":
                self._json(self.op.metadata())
            elif path == "/jwks":
                self._json(self.op.jwks())
            elif path == "/authorize":
                self._authorize(self._query())
            elif path == "/userinfo":
                self._json(self.op.userinfo(self.headers.get("Authorization", "")))
            elif path == "/end-session":
                self._end_session(self._query())
            else:
                self._html("<h1>Not found</h1>", HTTPStatus.NOT_FOUND)
        except OAuthError as err:
            self._oauth_error(err)

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        try:
            if path == "/authorize":
                self._log_in(self._form())
            elif path == "/token":
                form = self._form()
                self._json(self.op.token(self.headers.get("Authorization", ""), form))
            elif path == "/userinfo":
                self._json(self.op.userinfo(self.headers.get("Authorization", "")))
            elif path == "/end-session":
                self._end_session(self._form())
            else:
                self._json({"error": "not_found"}, HTTPStatus.NOT_FOUND)
        except OAuthError as err:
            self._oauth_error(err)

    def _authorize(self, query: dict[str, str]) -> None:
        location, request_id = self.op.authorize(query, self._session_id())
        if location is not None:
            self._redirect(location)
        else:
            self._html(login_page(request_id or ""))

    def _log_in(self, form: dict[str, str]) -> None:
        request_id = form.get("request_id", "")
        done = self.op.log_in(request_id, form.get("username", ""), form.get("password", ""))
        if done is None:
            self._html(login_page(request_id, "Wrong username or password."))
            return
        session_id, location = done
        cookie = f"{SESSION_COOKIE}={session_id}; Path=/; HttpOnly; SameSite=Lax"
        self._redirect(location, {"Set-Cookie": cookie})

    def _end_session(self, params: dict[str, str]) -> None:
        target = self.op.end_session(params, self._session_id())
        clear = {"Set-Cookie": f"{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"}
        if target:
            self._redirect(target, clear)
        else:
            self._html("<h1>You have been logged out.</h1>", headers=clear)
