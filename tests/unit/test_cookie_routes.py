"""The cookie routes and the browser-binding middleware, over HTTP (Starlette's test client)."""

from __future__ import annotations

import warnings

import pytest
from starlette.applications import Starlette
from starlette.exceptions import StarletteDeprecationWarning
from starlette.middleware import Middleware
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route
from streamlit import config as streamlit_config

from app.auth import cookie_tickets
from app.auth.sessions import create_session, revoke_session
from app.server import cookie_routes
from app.services.accounts import create_account

with warnings.catch_warnings():  # Starlette 1.10 asks for httpx2; the project ships httpx
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

BINDING = "the-binding-cookie-of-this-browser"


def page(_request):
    return HTMLResponse("<html></html>")


def asset(_request):
    return JSONResponse({})


def client(base_url: str = "http://testserver") -> TestClient:
    app = Starlette(
        routes=[*cookie_routes.routes(), Route("/", page), Route("/asset.json", asset)],
        middleware=[Middleware(cookie_routes.BrowserBindingMiddleware)],
    )
    return TestClient(app, base_url=base_url)


@pytest.fixture
def token(db) -> str:
    account = create_account(
        actor="test", username="admin", password="a long enough password", role="admin"
    )
    return create_session(account.id)


def set_url(ticket: str) -> str:
    return cookie_routes.ticket_url("set", ticket)


def test_a_page_without_a_binding_cookie_gets_one_httponly_assets_do_not(db):
    http = client()
    first = http.get("/")
    binding = first.headers["set-cookie"]
    assert binding.startswith("cd_session_bind=")
    assert "HttpOnly" in binding and "SameSite=Lax" in binding and "Path=/" in binding
    assert "set-cookie" not in http.get("/").headers  # the browser has one now: kept
    assert "set-cookie" not in client().get("/asset.json").headers
    junk = client()
    junk.cookies.set("cd_session_bind", "x" * 300)  # too long to bind a ticket to: replaced
    assert junk.get("/").headers["set-cookie"].startswith("cd_session_bind=")


def test_a_set_ticket_sets_the_httponly_strict_session_cookie_once(token):
    ticket = cookie_tickets.issue("set", binding=BINDING, token=token)
    http = client()
    http.cookies.set("cd_session_bind", BINDING)
    answer = http.get(set_url(ticket))
    assert answer.status_code == 204
    assert answer.headers["cache-control"] == "no-store"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"cd_session={token};")
    for part in ("HttpOnly", "SameSite=strict", "Path=/", "Max-Age=1209600"):
        assert part in cookie
    assert "Secure" not in cookie  # plain http, and the page said http too
    replay = http.get(set_url(ticket))
    assert replay.status_code == 403 and "set-cookie" not in replay.headers


def test_another_browser_or_no_ticket_sets_nothing(token):
    ticket = cookie_tickets.issue("set", binding=BINDING, token=token)
    stranger = client()
    stranger.cookies.set("cd_session_bind", "someone-else")
    for url in (set_url(ticket), cookie_routes.route_path("set")):
        answer = stranger.get(url)
        assert answer.status_code == 403 and "cd_session=" not in answer.headers.get(
            "set-cookie", ""
        )


def test_a_session_revoked_before_the_browser_came_sets_nothing(token):
    ticket = cookie_tickets.issue("set", binding=BINDING, token=token)
    revoke_session(token)
    http = client()
    http.cookies.set("cd_session_bind", BINDING)
    answer = http.get(set_url(ticket))
    assert answer.status_code == 403 and "set-cookie" not in answer.headers


def test_secure_when_the_page_or_the_request_used_https(token):
    from_https_page = cookie_tickets.issue("set", binding=BINDING, token=token, secure=True)
    http = client()
    http.cookies.set("cd_session_bind", BINDING)
    assert "Secure" in http.get(set_url(from_https_page)).headers["set-cookie"]
    over_https = cookie_tickets.issue("set", binding=BINDING, token=token)
    https = client("https://testserver")
    https.cookies.set("cd_session_bind", BINDING)
    assert "Secure" in https.get(set_url(over_https)).headers["set-cookie"]


def test_a_clear_ticket_expires_the_cookie_once(db):
    ticket = cookie_tickets.issue("clear", binding=BINDING)
    http = client()
    http.cookies.set("cd_session_bind", BINDING)
    answer = http.get(cookie_routes.ticket_url("clear", ticket))
    assert answer.status_code == 204
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith('cd_session="";') and "Max-Age=0" in cookie
    assert "HttpOnly" in cookie and "Path=/" in cookie
    assert http.get(cookie_routes.ticket_url("clear", ticket)).status_code == 403


def test_routes_follow_streamlits_base_url_path(monkeypatch):
    options = {"server.baseUrlPath": "/dash/"}
    monkeypatch.setattr(streamlit_config, "get_option", options.get)
    assert cookie_routes.route_path("set") == "/dash/_dashboard/cookie/set"


def test_mounted_only_while_the_server_holds_it_open():
    assert not cookie_routes.is_mounted()
    with cookie_routes.mounted():
        assert cookie_routes.is_mounted()
    assert not cookie_routes.is_mounted()
