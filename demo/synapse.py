"""A throwaway Synapse homeserver for tests and `make demo`: start, register users, drive rooms,
stop or kill.

Synapse runs as `python -m synapse.app.homeserver` from this interpreter, on 127.0.0.1 and a
free port, with a hand-written config (one client listener, SQLite, no federation, bcrypt
rounds 4). Rate limits are relaxed unless `rate_limits="default"`: Synapse's defaults throttle
the 11th room creation for about a minute, which only the throttling test wants.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib.util
import itertools
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import httpx

RateLimits = Literal["relaxed", "default"]

STARTUP_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
_RELAXED = "{per_second: 10000, burst_count: 100000}"
# Every limiter that can bite a test (see Synapse's config/ratelimiting.py).
_RELAXED_LIMITS = f"""\
rc_message: {_RELAXED}
rc_registration: {_RELAXED}
rc_login: {{address: {_RELAXED}, account: {_RELAXED}, failed_attempts: {_RELAXED}}}
rc_joins: {{local: {_RELAXED}, remote: {_RELAXED}}}
rc_joins_per_room: {_RELAXED}
rc_invites: {{per_room: {_RELAXED}, per_user: {_RELAXED}, per_issuer: {_RELAXED}}}
rc_admin_redaction: {_RELAXED}
rc_room_creation: {_RELAXED}
rc_3pid_validation: {_RELAXED}
rc_third_party_invite: {_RELAXED}
rc_media_create: {_RELAXED}
rc_presence: {{per_user: {_RELAXED}}}
rc_delayed_event_mgmt: {_RELAXED}
rc_reports: {_RELAXED}
rc_user_directory: {_RELAXED}
rc_profile: {_RELAXED}
"""
_MEGOLM = {"algorithm": "m.megolm.v1.aes-sha2"}


def synapse_installed() -> bool:
    return importlib.util.find_spec("synapse") is not None


def port_is_free(port: int) -> bool:
    try:
        with socket.create_server(("127.0.0.1", port)):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SynapseError(RuntimeError):
    """The test homeserver refused a helper request or would not start."""


@dataclass(frozen=True)
class TestUser:
    __test__ = False  # not a pytest test class

    user_id: str
    localpart: str
    password: str
    access_token: str
    admin: bool = False


@dataclass
class SynapseServer:
    """A running homeserver and helpers that act as its users over the client-server API."""

    directory: Path
    port: int
    server_name: str
    shared_secret: str
    rate_limits: RateLimits
    # Tests start it in its own session (a Ctrl-C aimed at pytest leaves it to the fixtures);
    # the demo keeps it in its own process group, so one signal to the group stops everything.
    own_session: bool = True
    process: subprocess.Popen[bytes] | None = None
    startup_seconds: float = 0.0
    admin: TestUser | None = None
    _http: httpx.Client = field(init=False, repr=False)
    _names: itertools.count[int] = field(default_factory=itertools.count, repr=False)

    def __post_init__(self) -> None:
        self._http = httpx.Client(base_url=self.url, timeout=15)

    # --- lifecycle --------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def bot(self) -> TestUser:
        """The admin user registered at start-up (the dashboard's bot in tests)."""
        if self.admin is None:
            raise SynapseError("the server has no admin user yet")
        return self.admin

    def launch(self) -> None:
        """Start (or restart, on the same directory and port) and wait until it answers."""
        if self.alive:
            raise SynapseError("already running")
        if not port_is_free(self.port):  # else the health check could answer from another server
            raise SynapseError(f"port {self.port} is taken")
        started = time.monotonic()
        log = (self.directory / "stdout.log").open("ab")
        self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and config)
            [sys.executable, "-m", "synapse.app.homeserver", "-c",
             str(self.directory / "homeserver.yaml")],
            cwd=self.directory, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=self.own_session,
        )
        log.close()
        while time.monotonic() - started < STARTUP_TIMEOUT:
            if not self.alive:
                raise SynapseError(f"Synapse exited at start-up:\n{self.log_tail()}")
            try:
                if self._http.get("/_matrix/client/versions", timeout=1).status_code == 200:
                    self.startup_seconds = time.monotonic() - started
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        self.kill()
        raise SynapseError(f"Synapse did not answer within {STARTUP_TIMEOUT} s:\n{self.log_tail()}")

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM, then SIGKILL if it has not exited within `timeout` seconds."""
        self.terminate()
        self.wait_stopped(timeout)

    def terminate(self) -> None:
        if self.alive and self.process is not None:
            self.process.send_signal(signal.SIGTERM)

    def wait_stopped(self, timeout: float = STOP_TIMEOUT) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL now: the homeserver vanishes mid-request, as in a crash."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(STOP_TIMEOUT)

    def close(self) -> None:
        self.stop()
        self._http.close()

    def log_tail(self, lines: int = 40) -> str:
        text = ""
        for name in ("stdout.log", "homeserver.log"):
            path = self.directory / name
            if path.exists():
                text += f"--- {name}\n" + "\n".join(path.read_text().splitlines()[-lines:]) + "\n"
        return text

    # --- users ------------------------------------------------------------------------------

    def register(
        self, localpart: str | None = None, *, admin: bool = False, password: str | None = None
    ) -> TestUser:
        """Register through the shared-secret admin API (nonce + HMAC-SHA1); returns a token."""
        name = localpart or f"user{next(self._names)}x{secrets.token_hex(2)}"
        pw = password or secrets.token_urlsafe(12)
        nonce = self.request("GET", "/_synapse/admin/v1/register")["nonce"]
        mac = hmac.new(
            self.shared_secret.encode(),
            b"\0".join([nonce.encode(), name.encode(), pw.encode(),
                        b"admin" if admin else b"notadmin"]),
            hashlib.sha1,
        ).hexdigest()
        body = {"nonce": nonce, "username": name, "password": pw, "admin": admin, "mac": mac}
        data = self.request("POST", "/_synapse/admin/v1/register", json=body)
        return TestUser(data["user_id"], name, pw, data["access_token"], admin)

    # --- acting as a user -------------------------------------------------------------------

    def request(
        self, method: str, path: str, *, token: str | None = None, json: Any = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self._http.request(method, path, headers=headers, json=json, params=params)
        if response.status_code >= 400:
            raise SynapseError(f"{method} {path} -> {response.status_code}: {response.text}")
        return response.json()

    def create_room(
        self,
        owner: TestUser,
        *,
        name: str | None = None,
        topic: str | None = None,
        alias: str | None = None,
        invite: tuple[str, ...] | list[str] = (),
        encrypted: bool = False,
        preset: str = "private_chat",
        is_direct: bool = False,
        power_overrides: dict[str, Any] | None = None,
    ) -> str:
        body: dict[str, Any] = {"preset": preset, "invite": list(invite), "is_direct": is_direct}
        if name is not None:
            body["name"] = name
        if topic is not None:
            body["topic"] = topic
        if alias is not None:
            body["room_alias_name"] = alias
        if encrypted:
            body["initial_state"] = [{"type": "m.room.encryption", "state_key": "",
                                      "content": _MEGOLM}]
        if power_overrides:
            body["power_level_content_override"] = power_overrides
        return str(self.request("POST", "/_matrix/client/v3/createRoom",
                                token=owner.access_token, json=body)["room_id"])

    def invite(self, by: TestUser, room_id: str, user_id: str) -> None:
        self.request("POST", _path("rooms", room_id, "invite"), token=by.access_token,
                     json={"user_id": user_id})

    def join(self, user: TestUser, room_id: str) -> None:
        self.request("POST", _path("join", room_id), token=user.access_token, json={})

    def add_member(self, by: TestUser, room_id: str, user: TestUser) -> None:
        """Invite `user` and have them accept."""
        self.invite(by, room_id, user.user_id)
        self.join(user, room_id)

    def state(self, reader: TestUser, room_id: str, event_type: str, state_key: str = "") -> Any:
        return self.request("GET", _path("rooms", room_id, "state", event_type, state_key),
                            token=reader.access_token)

    def put_state(
        self, by: TestUser, room_id: str, event_type: str, content: dict[str, Any],
        state_key: str = "",
    ) -> None:
        self.request("PUT", _path("rooms", room_id, "state", event_type, state_key),
                     token=by.access_token, json=content)

    def set_power_level(self, by: TestUser, room_id: str, user_id: str, level: int) -> None:
        content = self.state(by, room_id, "m.room.power_levels")
        content.setdefault("users", {})[user_id] = level
        self.put_state(by, room_id, "m.room.power_levels", content)

    def membership(self, reader: TestUser, room_id: str, user_id: str) -> str:
        """join / invite / leave / ban, or "none" when the user never had a member event."""
        try:
            content = self.state(reader, room_id, "m.room.member", user_id)
        except SynapseError as err:
            if "M_NOT_FOUND" in str(err):
                return "none"
            raise
        return str(content["membership"])

    def member_event(self, reader: TestUser, room_id: str, user_id: str) -> dict[str, Any]:
        return dict(self.state(reader, room_id, "m.room.member", user_id))

    def messages(self, reader: TestUser, room_id: str, limit: int = 50) -> list[dict[str, Any]]:
        """The newest m.room.message events as `reader` sees them, oldest first."""
        return [e for e in self.timeline(reader, room_id, limit)
                if e.get("type") == "m.room.message"]

    def timeline(self, reader: TestUser, room_id: str, limit: int = 200) -> list[dict[str, Any]]:
        """The newest events of every type (state changes included), oldest first."""
        data = self.request("GET", _path("rooms", room_id, "messages"), token=reader.access_token,
                            params={"dir": "b", "limit": limit})
        return list(reversed(data.get("chunk", [])))

    def account_data(self, user: TestUser, event_type: str) -> dict[str, Any]:
        return dict(self.request("GET", _path("user", user.user_id, "account_data", event_type),
                                 token=user.access_token))


def _path(*parts: str) -> str:
    return "/_matrix/client/v3" + "".join("/" + quote(p, safe="") for p in parts)


def write_config(
    directory: Path, *, port: int, server_name: str, shared_secret: str, rate_limits: RateLimits,
    log_level: str = "WARNING",
) -> None:
    (directory / "media").mkdir(parents=True, exist_ok=True)
    # Synapse's key file: "ed25519 <version> <unpadded base64 of a random 32-byte seed>".
    seed = base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    (directory / "signing.key").write_text(f"ed25519 a_1 {seed}\n")
    (directory / "log.yaml").write_text(f"""\
version: 1
formatters: {{f: {{format: '%(asctime)s %(levelname)s %(name)s %(message)s'}}}}
handlers:
  file: {{class: logging.FileHandler, filename: {directory}/homeserver.log, formatter: f}}
root: {{level: {log_level}, handlers: [file]}}
disable_existing_loggers: false
""")
    limits = _RELAXED_LIMITS if rate_limits == "relaxed" else ""
    (directory / "homeserver.yaml").write_text(f"""\
server_name: {server_name}
public_baseurl: http://127.0.0.1:{port}/
listeners:
  - port: {port}
    bind_addresses: [127.0.0.1]
    type: http
    tls: false
    resources: [{{names: [client], compress: false}}]
database: {{name: sqlite3, args: {{database: {directory}/homeserver.db}}}}
log_config: {directory}/log.yaml
media_store_path: {directory}/media
signing_key_path: {directory}/signing.key
registration_shared_secret: {shared_secret}
macaroon_secret_key: {shared_secret}-m
form_secret: {shared_secret}-f
enable_registration: false
bcrypt_rounds: 4
report_stats: false
enable_metrics: false
trusted_key_servers: []
presence: {{enabled: false}}
{limits}""")


def start_synapse(
    directory: Path, *, server_name: str = "test.local", rate_limits: RateLimits = "relaxed",
    port: int | None = None, own_session: bool = True,
) -> SynapseServer:
    """Write a config into `directory`, start Synapse, register an admin user `bot`."""
    directory = directory.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    chosen = port or free_port()
    secret = secrets.token_hex(16)
    write_config(directory, port=chosen, server_name=server_name, shared_secret=secret,
                 rate_limits=rate_limits, log_level=os.environ.get("SYNAPSE_LOG_LEVEL", "WARNING"))
    server = SynapseServer(directory, chosen, server_name, secret, rate_limits, own_session)
    try:
        server.launch()
        # Registering with our own secret also proves the answering server is ours.
        server.admin = server.register("bot", admin=True)
    except BaseException:
        server.kill()
        raise
    return server
