"""A small, real OpenID Connect provider for the test suite, standing in for Authentik.

It runs in a thread on 127.0.0.1 and speaks the authorization-code flow the way Streamlit's
`st.login` (Authlib) expects: discovery, JWKS, an authorization endpoint that shows a login
form (or reuses its own browser session, like Authentik), PKCE S256, a token endpoint with
client authentication and single-use codes, RS256-signed ID tokens carrying Authentik's
"profile" claims (`groups` included), userinfo, and an end-session endpoint. It refuses what a
real provider refuses: unknown clients, unregistered redirect URIs, missing or wrong PKCE
verifiers, reused or expired codes, bad client secrets, forged ID-token hints.

Tests choose who logs in by filling its login form (browser) or with `authorize_as()`.
The HTTP side is in tests/support/oidc_provider_http.py.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlencode

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from tests.support.oidc_provider_http import OAuthError, RedirectError, make_server

PROMPTS = {"none", "login", "consent", "select_account"}
# What Authentik's default scope mappings put in the ID token ("profile" carries groups).
SCOPE_CLAIMS = {
    "profile": ("name", "given_name", "preferred_username", "nickname", "groups"),
    "email": ("email", "email_verified"),
}


@dataclass(frozen=True)
class OidcUser:
    """A person the provider knows; `groups` become the `groups` claim."""

    sub: str
    username: str
    name: str = ""
    email: str = ""
    groups: tuple[str, ...] = ()
    password: str = "provider password"

    def claims(self, scopes: set[str]) -> dict[str, Any]:
        values: dict[str, Any] = {
            "name": self.name,
            "given_name": self.name,
            "preferred_username": self.username,
            "nickname": self.username,
            "groups": list(self.groups),
            "email": self.email,
            "email_verified": False,
        }
        return {
            c: values[c] for scope, names in SCOPE_CLAIMS.items() if scope in scopes for c in names
        }


@dataclass(frozen=True)
class Client:
    client_id: str
    client_secret: str
    redirect_uris: frozenset[str]
    post_logout_redirect_uris: frozenset[str]


@dataclass(frozen=True)
class AuthRequest:
    client_id: str
    redirect_uri: str
    scopes: frozenset[str]
    state: str | None
    nonce: str | None
    code_challenge: str


@dataclass
class Grant:
    request: AuthRequest
    username: str
    auth_time: int
    expires: float
    used: bool = False
    access_token: str | None = None


@dataclass(frozen=True)
class AccessToken:
    username: str
    scopes: frozenset[str]
    expires: float


@dataclass
class ProviderState:
    """Everything the provider remembers; guarded by OidcProvider.lock (handlers are threads)."""

    users: dict[str, OidcUser] = field(default_factory=dict)
    clients: dict[str, Client] = field(default_factory=dict)
    pending: dict[str, AuthRequest] = field(default_factory=dict)  # login form -> request
    grants: dict[str, Grant] = field(default_factory=dict)  # code -> grant
    tokens: dict[str, AccessToken] = field(default_factory=dict)
    sessions: dict[str, tuple[str, int]] = field(default_factory=dict)  # id -> (user, auth time)
    events: list[tuple[str, str]] = field(default_factory=list)  # (endpoint, outcome)


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class OidcProvider:
    """`with OidcProvider() as op:`, then `op.add_client(...)`, `op.add_user(...)`, and point
    the dashboard at `op.metadata_url`."""

    def __init__(self, *, code_ttl: float = 60, token_ttl: float = 300) -> None:
        self.code_ttl = code_ttl
        self.token_ttl = token_ttl
        self.state = ProviderState()
        self.lock = threading.Lock()
        self.key = RSAKey.generate_key(
            2048, parameters={"kid": secrets.token_hex(8), "use": "sig", "alg": "RS256"}
        )
        self._server = make_server(self)
        self._thread: threading.Thread | None = None

    # -- lifecycle and set-up --------------------------------------------------------------
    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def start(self) -> OidcProvider:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> OidcProvider:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def add_client(
        self,
        client_id: str,
        client_secret: str,
        redirect_uris: list[str],
        post_logout_redirect_uris: list[str] | None = None,
    ) -> None:
        after_logout = post_logout_redirect_uris or redirect_uris
        with self.lock:
            self.state.clients[client_id] = Client(
                client_id, client_secret, frozenset(redirect_uris), frozenset(after_logout)
            )

    def add_user(self, user: OidcUser) -> OidcUser:
        with self.lock:
            self.state.users[user.username] = user
        return user

    # -- what tests look at ----------------------------------------------------------------
    def record(self, endpoint: str, outcome: str) -> None:
        with self.lock:
            self.state.events.append((endpoint, outcome))

    def events(self, endpoint: str | None = None) -> list[tuple[str, str]]:
        with self.lock:
            return [e for e in self.state.events if endpoint in (None, e[0])]

    def live_sessions(self) -> list[str]:
        """Usernames with a provider (browser) session, like a login to Authentik itself."""
        with self.lock:
            return [user for user, _ in self.state.sessions.values()]

    def decode(self, token: str) -> dict[str, Any]:
        """Verify one of our ID tokens (signature, issuer); raises JoseError or ValueError."""
        claims = jwt.decode(token, self.key, algorithms=["RS256"]).claims
        if claims.get("iss") != self.issuer:
            raise ValueError("wrong issuer")
        return claims

    def authorize_as(self, username: str, query: dict[str, str]) -> str:
        """The authorization request `query` approved by `username`, without a browser;
        returns the URL the browser would be sent to (with a code, or an error)."""
        try:
            request = self._check_authorize(query)
        except RedirectError as err:
            return err.location
        return self._issue_code(request, username, int(time.time()))

    # -- discovery -------------------------------------------------------------------------
    def metadata(self) -> dict[str, Any]:
        base = self.issuer
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "userinfo_endpoint": f"{base}/userinfo",
            "jwks_uri": f"{base}/jwks",
            "end_session_endpoint": f"{base}/end-session",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "profile", "email"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce"]
            + [c for names in SCOPE_CLAIMS.values() for c in names],
        }

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.key.as_dict(private=False)]}

    # -- authorization endpoint ------------------------------------------------------------
    def _check_authorize(self, query: dict[str, str]) -> AuthRequest:
        """Errors before the redirect URI is verified are shown to the browser (OAuthError);
        later ones go back to the client (RedirectError)."""
        with self.lock:
            client = self.state.clients.get(query.get("client_id", ""))
        if client is None:
            raise OAuthError("invalid_client", "Unknown client_id.")
        redirect_uri, state = query.get("redirect_uri", ""), query.get("state")
        if redirect_uri not in client.redirect_uris:
            raise OAuthError("invalid_request", "redirect_uri is not registered for this client.")
        if query.get("response_type") != "code":
            raise RedirectError(
                redirect_uri, state, "unsupported_response_type", "Only 'code' is supported."
            )
        scopes = frozenset(query.get("scope", "").split())
        if "openid" not in scopes:
            raise RedirectError(redirect_uri, state, "invalid_scope", "openid is required.")
        challenge = query.get("code_challenge", "")
        if not challenge or query.get("code_challenge_method") != "S256":
            raise RedirectError(redirect_uri, state, "invalid_request", "PKCE S256 is required.")
        return AuthRequest(
            client.client_id, redirect_uri, scopes, state, query.get("nonce"), challenge
        )

    def authorize(
        self, query: dict[str, str], session_id: str | None
    ) -> tuple[str | None, str | None]:
        """(redirect location, None) when decided at once, else (None, login form id)."""
        request = self._check_authorize(query)
        prompts = set(query.get("prompt", "").split()) & PROMPTS
        with self.lock:
            session = self.state.sessions.get(session_id or "")
        # Like Authentik: a provider session logs straight in (select_account shows no account
        # chooser there) unless prompt=login asks for the form again.
        if session is not None and "login" not in prompts:
            return self._issue_code(request, *session), None
        if "none" in prompts:
            raise RedirectError(
                request.redirect_uri, request.state, "login_required", "No session."
            )
        request_id = secrets.token_urlsafe(16)
        with self.lock:
            self.state.pending[request_id] = request
        self.record("authorize", "login form")
        return None, request_id

    def log_in(self, request_id: str, username: str, password: str) -> tuple[str, str] | None:
        """The login form: (new provider session id, redirect with code), None if refused."""
        with self.lock:
            request = self.state.pending.get(request_id)
            user = self.state.users.get(username)
        if request is None:
            raise OAuthError("invalid_request", "Unknown or finished login request.")
        if user is None or not secrets.compare_digest(user.password, password):
            self.record("authorize", "wrong password")
            return None
        session_id, now = secrets.token_urlsafe(24), int(time.time())
        with self.lock:
            self.state.pending.pop(request_id, None)
            self.state.sessions[session_id] = (user.username, now)
        return session_id, self._issue_code(request, user.username, now)

    def _issue_code(self, request: AuthRequest, username: str, auth_time: int) -> str:
        code = secrets.token_urlsafe(32)
        with self.lock:
            expires = time.monotonic() + self.code_ttl
            self.state.grants[code] = Grant(request, username, auth_time, expires)
        self.record("authorize", f"code for {username}")
        params = {"code": code} | ({"state": request.state} if request.state else {})
        return f"{request.redirect_uri}?{urlencode(params)}"

    # -- token endpoint --------------------------------------------------------------------
    def _client_auth(self, authorization: str, form: dict[str, str]) -> Client:
        if authorization.startswith("Basic "):
            try:
                raw = base64.b64decode(authorization[6:], validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                raise OAuthError("invalid_client", "Malformed Basic credentials.", 401) from None
            client_id, _, secret = raw.partition(":")
            client_id, secret = unquote(client_id), unquote(secret)
        else:
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        with self.lock:
            client = self.state.clients.get(client_id)
        if client is None or not secrets.compare_digest(client.client_secret, secret):
            raise OAuthError("invalid_client", "Client authentication failed.", 401)
        return client

    def _redeem(self, code: str) -> Grant:
        """Consume a code: any redemption attempt uses it up, a replay revokes its token."""
        with self.lock:
            grant = self.state.grants.get(code)
            if grant is None or grant.expires < time.monotonic():
                raise OAuthError("invalid_grant", "Unknown or expired code.")
            if grant.used:
                self.state.tokens.pop(grant.access_token or "", None)  # RFC 6749 4.1.2
                raise OAuthError("invalid_grant", "The code has been used already.")
            grant.used = True
            return grant

    def token(self, authorization: str, form: dict[str, str]) -> dict[str, Any]:
        client = self._client_auth(authorization, form)
        if form.get("grant_type") != "authorization_code":
            raise OAuthError("unsupported_grant_type", "Only authorization_code is supported.")
        grant = self._redeem(form.get("code", ""))
        request = grant.request
        if request.client_id != client.client_id:
            raise OAuthError("invalid_grant", "The code was issued to another client.")
        if form.get("redirect_uri") != request.redirect_uri:
            raise OAuthError("invalid_grant", "redirect_uri does not match the authorization.")
        verifier = form.get("code_verifier", "")
        if not verifier or not secrets.compare_digest(s256(verifier), request.code_challenge):
            raise OAuthError("invalid_grant", "PKCE verification failed.")
        now, access_token = int(time.time()), secrets.token_urlsafe(32)
        with self.lock:
            user = self.state.users[grant.username]
            expires = time.monotonic() + self.token_ttl
            self.state.tokens[access_token] = AccessToken(user.username, request.scopes, expires)
            grant.access_token = access_token
        claims = {
            "iss": self.issuer,
            "sub": user.sub,
            "aud": client.client_id,
            "iat": now,
            "exp": now + int(self.token_ttl),
            "auth_time": grant.auth_time,
            **({"nonce": request.nonce} if request.nonce else {}),
            **user.claims(set(request.scopes)),
        }
        self.record("token", f"ok for {user.username}")
        return {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": int(self.token_ttl),
            "scope": " ".join(sorted(request.scopes)),
            "id_token": jwt.encode({"alg": "RS256", "kid": self.key.kid}, claims, self.key),
        }

    # -- userinfo and logout ---------------------------------------------------------------
    def userinfo(self, authorization: str) -> dict[str, Any]:
        bearer = authorization[7:] if authorization.startswith("Bearer ") else ""
        with self.lock:
            token = self.state.tokens.get(bearer)
            user = self.state.users.get(token.username) if token else None
        if token is None or user is None or token.expires < time.monotonic():
            raise OAuthError("invalid_token", "Missing, unknown or expired access token.", 401)
        return {"sub": user.sub, **user.claims(set(token.scopes))}

    def end_session(self, params: dict[str, str], session_id: str | None) -> str | None:
        """End the browser's provider session; returns where to send the browser, if anywhere."""
        client_id = params.get("client_id")
        if hint := params.get("id_token_hint"):
            try:
                audience = self.decode(hint).get("aud")
            except (JoseError, ValueError):
                raise OAuthError("invalid_request", "id_token_hint is not ours.") from None
            if client_id and audience != client_id:
                raise OAuthError("invalid_request", "id_token_hint is for another client.")
            client_id = client_id or audience
        target = params.get("post_logout_redirect_uri")
        with self.lock:
            client = self.state.clients.get(client_id or "")
            if target and (client is None or target not in client.post_logout_redirect_uris):
                raise OAuthError("invalid_request", "post_logout_redirect_uri is not registered.")
            ended = self.state.sessions.pop(session_id or "", None)
        self.record("end-session", f"ended {ended[0]}" if ended else "no session")
        if not target:
            return None
        state = params.get("state")
        return f"{target}?{urlencode({'state': state})}" if state else target
