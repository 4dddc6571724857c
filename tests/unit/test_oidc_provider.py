"""The test OpenID Connect provider refuses what a real one refuses (it proves nothing if not)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.support.oidc_provider import OidcProvider, OidcUser, s256

CLIENT_ID = "dashboard"
CLIENT_SECRET = "client secret for tests"
REDIRECT = "http://127.0.0.1:1/oauth2callback"
ALICE = OidcUser(sub="sub-alice", username="alice", name="Alice A", groups=("dashboard-admins",))


@pytest.fixture(scope="module")
def op() -> Iterator[OidcProvider]:
    with OidcProvider() as provider:
        provider.add_client(CLIENT_ID, CLIENT_SECRET, [REDIRECT])
        provider.add_user(ALICE)
        yield provider


def auth_query(verifier: str, **overrides: str) -> dict[str, str]:
    query = {
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "openid profile email",
        "state": "st-1",
        "nonce": "n-1",
        "code_challenge": s256(verifier),
        "code_challenge_method": "S256",
    }
    return query | overrides


def code_from(location: str) -> str:
    params = parse_qs(urlsplit(location).query)
    assert params["state"] == ["st-1"]
    return params["code"][0]


def exchange(op: OidcProvider, code: str, verifier: str, **overrides: str) -> httpx.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
    } | overrides
    return httpx.post(f"{op.issuer}/token", data=form, auth=(CLIENT_ID, CLIENT_SECRET))


def test_discovery_and_a_full_code_flow_give_a_signed_id_token_with_groups(op):
    meta = httpx.get(op.metadata_url).json()
    assert meta["issuer"] == op.issuer
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert httpx.get(meta["jwks_uri"]).json()["keys"][0]["kty"] == "RSA"
    verifier = secrets.token_urlsafe(48)
    code = code_from(op.authorize_as("alice", auth_query(verifier)))
    answer = exchange(op, code, verifier)
    assert answer.status_code == 200, answer.text
    claims = op.decode(answer.json()["id_token"])
    assert claims["sub"] == "sub-alice" and claims["aud"] == CLIENT_ID
    assert claims["nonce"] == "n-1" and claims["groups"] == ["dashboard-admins"]
    assert claims["preferred_username"] == "alice" and abs(claims["iat"] - time.time()) < 5
    bearer = {"Authorization": f"Bearer {answer.json()['access_token']}"}
    assert httpx.get(meta["userinfo_endpoint"], headers=bearer).json()["name"] == "Alice A"


def test_authorization_refuses_unknown_client_and_unregistered_redirect(op):
    verifier = secrets.token_urlsafe(48)
    unknown = httpx.get(f"{op.issuer}/authorize", params=auth_query(verifier, client_id="nope"))
    assert unknown.status_code == 400 and "invalid_client" in unknown.text
    elsewhere = auth_query(verifier, redirect_uri="http://evil.example/oauth2callback")
    wrong = httpx.get(f"{op.issuer}/authorize", params=elsewhere)
    assert wrong.status_code == 400 and "redirect_uri" in wrong.text
    assert "location" not in wrong.headers  # never redirects to an unverified address


def test_authorization_without_pkce_or_openid_is_sent_back_with_an_error(op):
    no_pkce = auth_query("v")
    del no_pkce["code_challenge"]
    location = op.authorize_as("alice", no_pkce)
    assert parse_qs(urlsplit(location).query)["error"] == ["invalid_request"]
    location = op.authorize_as("alice", auth_query("v", scope="profile"))
    assert parse_qs(urlsplit(location).query)["error"] == ["invalid_scope"]


def test_browser_login_form_refuses_a_wrong_password_and_then_sets_a_session(op):
    verifier = secrets.token_urlsafe(48)
    with httpx.Client() as browser:
        form = browser.get(f"{op.issuer}/authorize", params=auth_query(verifier))
        assert "Sign in to the test identity provider" in form.text
        request_id = form.text.split('name="request_id" value="')[1].split('"')[0]
        post = {"request_id": request_id, "username": "alice", "password": "wrong"}
        again = browser.post(f"{op.issuer}/authorize", data=post)
        assert "Wrong username or password." in again.text
        post["password"] = ALICE.password
        done = browser.post(f"{op.issuer}/authorize", data=post)
        assert done.status_code == 302 and code_from(done.headers["location"])
        # The provider session now logs straight in, like Authentik's own login.
        second = browser.get(f"{op.issuer}/authorize", params=auth_query(verifier))
        assert second.status_code == 302 and code_from(second.headers["location"])


def test_token_endpoint_checks_client_verifier_redirect_and_single_use(op):
    verifier = secrets.token_urlsafe(48)
    code = code_from(op.authorize_as("alice", auth_query(verifier)))
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    bad_client = httpx.post(
        f"{op.issuer}/token",
        data=form | {"code_verifier": verifier},
        auth=(CLIENT_ID, "wrong secret"),
    )
    assert bad_client.status_code == 401 and bad_client.json()["error"] == "invalid_client"
    assert exchange(op, code, "not-the-verifier").json()["error"] == "invalid_grant"
    # The failed attempt used the code up: the right verifier cannot redeem it any more.
    assert exchange(op, code, verifier).json()["error"] == "invalid_grant"

    code = code_from(op.authorize_as("alice", auth_query(verifier)))
    wrong_redirect = exchange(op, code, verifier, redirect_uri="http://127.0.0.1:1/other")
    assert wrong_redirect.json()["error"] == "invalid_grant"

    code = code_from(op.authorize_as("alice", auth_query(verifier)))
    first = exchange(op, code, verifier)
    assert first.status_code == 200
    replay = exchange(op, code, verifier)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    # A replayed code revokes the access token it was exchanged for.
    bearer = {"Authorization": f"Bearer {first.json()['access_token']}"}
    assert httpx.get(f"{op.issuer}/userinfo", headers=bearer).status_code == 401


def test_end_session_checks_hint_and_post_logout_uri_and_ends_the_session(op):
    verifier = secrets.token_urlsafe(48)
    code = code_from(op.authorize_as("alice", auth_query(verifier)))
    id_token = exchange(op, code, verifier).json()["id_token"]
    forged = id_token[:-4] + ("AAAA" if not id_token.endswith("AAAA") else "BBBB")
    bad = httpx.get(f"{op.issuer}/end-session", params={"id_token_hint": forged})
    assert bad.status_code == 400
    elsewhere = {"id_token_hint": id_token, "post_logout_redirect_uri": "http://evil.example/"}
    assert httpx.get(f"{op.issuer}/end-session", params=elsewhere).status_code == 400
    ok = httpx.get(
        f"{op.issuer}/end-session",
        params={"id_token_hint": id_token, "post_logout_redirect_uri": REDIRECT},
    )
    assert ok.status_code == 302 and ok.headers["location"] == REDIRECT
    assert "op_session=;" in ok.headers["set-cookie"]
