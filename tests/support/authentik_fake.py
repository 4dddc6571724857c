"""An in-process fake Authentik that holds every request and answer to Authentik's schema.

    fake = AuthentikFake()
    client = AuthentikClient(FAKE_BASE_URL, fake.token, transport=fake.transport)

Every request is checked against the trimmed 2026.5.6 schema (tests/support/authentik_schema/)
before it is answered, and every answer before it is sent: a request with an undeclared query
parameter or body field, a wrong type, a missing required field, or an answer the schema does
not allow, is a *violation*. Behind `httpx.MockTransport` a violation raises `SchemaViolation`
at once (an AssertionError, so the test fails even if the code under test swallows errors);
all are also kept in `fake.violations`, and the `authentik_fake` fixture fails the test at
teardown if any occurred (needed over real HTTP, where the fake can only answer 500).

State is plain dicts of records (`users`, `groups`, `flows`, `invitations`, `stages`,
`prompts`, `bindings`, `policies`, `brands`, `settings`); seed it directly (`add_user`,
`seed_users(10_000)`, `add_group`, `add_flow`, `add_stage`, `bind`): no HTTP, no validation,
fast. A superuser `akadmin` owns the token (`token_owner`; `use_token_of(user)` changes it).

It behaves as a real Authentik server does where the schema says nothing (each measured on
release 2025.12.4, see the comment where it is done): page size capped at
`settings["pagination_max_page_size"]` (100) with truthful `pagination`; NULLs first when
ordering descending (`-last_login`); recovery links on the host the API client called; the
token's account as every invitation's `created_by`; and, through `enroll(...)` (the flow
executor: authentik_fake_executor), an invitation's `fixed_data` kept only as user fields,
`attributes` and `attributes.`/`attributes_` keys.

`AuthentikFake(install="configured")` (the default) has flows set up for invitations and a
recovery flow on the brand; `install="fresh"` is a fresh install: only the SSO-only
`default-source-enrollment` and no recovery flow (see authentik_fake_install).

Faults: `fail_next("GET", "/core/users/", status=503)`, `fail_next(..., error=httpx.ConnectError)`,
`delay_next(..., seconds=3)`. Paths are schema templates ("/core/users/{id}/") or concrete
("/core/users/5/"), relative to /api/v3. Requests are recorded (`requests`, `count()`).
"""

from __future__ import annotations

import copy
import hashlib
import threading
import time
import uuid
from collections import Counter
from datetime import datetime
from typing import Any

import httpx

from tests.support import authentik_fake_install as installs
from tests.support.authentik_fake_executor import FlowDenied
from tests.support.authentik_fake_flow_records import (
    DEFAULT_SETTINGS,
    FakeBinding,
    FakeBrand,
    FakePolicy,
    FakePolicyBinding,
    FakePrompt,
    FakeStage,
)
from tests.support.authentik_fake_flow_store import FlowStore
from tests.support.authentik_fake_records import (
    FakeFlow,
    FakeGroup,
    FakeInvitation,
    FakeUser,
)
from tests.support.authentik_fake_routes import ROUTES, Call
from tests.support.authentik_fake_wire import (
    Answer,
    Fault,
    RawRequest,
    RecordedRequest,
    SchemaViolation,
    json_or_raw,
    to_httpx,
)
from tests.support.authentik_schema import API_PREFIX, AuthentikSchema, Operation, load_schema

__all__ = [
    "FAKE_BASE_URL",
    "FAKE_TOKEN",
    "AuthentikFake",
    "FlowDenied",
    "RecordedRequest",
    "SchemaViolation",
]

FAKE_BASE_URL = "https://authentik.test"
FAKE_TOKEN = "fake-authentik-api-token"  # a test value, not a secret
ADMIN_USERNAME = "akadmin"


class AuthentikFake(FlowStore):
    """Users, groups, flows and invitations in memory, served through Authentik's API shape."""

    def __init__(
        self,
        *,
        token: str = FAKE_TOKEN,
        schema: AuthentikSchema | None = None,
        install: str = installs.CONFIGURED,
    ):
        if install not in installs.INSTALLS:
            raise ValueError(f"install is one of {installs.INSTALLS}")
        self.schema = schema or load_schema()
        self.token = token
        self.users: dict[int, FakeUser] = {}
        self.groups: dict[str, FakeGroup] = {}
        self.flows: dict[str, FakeFlow] = {}  # by slug
        self.invitations: dict[str, FakeInvitation] = {}
        self.stages: dict[str, FakeStage] = {}
        self.prompts: dict[str, FakePrompt] = {}
        self.bindings: dict[str, FakeBinding] = {}  # stages bound to flows
        self.policies: dict[str, FakePolicy] = {}
        self.policy_bindings: dict[str, FakePolicyBinding] = {}
        self.brands: dict[str, FakeBrand] = {}
        self.settings: dict[str, Any] = copy.deepcopy(DEFAULT_SETTINGS)  # System > Settings
        self.recovery_tokens: dict[str, tuple[int, datetime]] = {}
        self.discarded_keys: list[str] = []  # what the user-write stage logged as discarded
        self.violations: list[str] = []
        self.requests: list[RecordedRequest] = []
        self._faults: list[Fault] = []
        self._next_pk = 1
        self._lock = threading.RLock()
        self.admin = self.add_user(
            ADMIN_USERNAME, name="authentik Default Admin", email="admin@example.org"
        )
        self.token_owner = self.admin
        admins = self.add_group("authentik Admins", is_superuser=True)
        self.set_member(admins.pk, self.admin.pk, True)
        brand = FakeBrand(str(uuid.uuid4()), "authentik-default", default=True)
        self.brands[brand.brand_uuid] = brand
        if install == installs.FRESH:
            installs.fresh(self)
        else:
            installs.configured(self)

    # -- the brand and the token ----------------------------------------------------------------

    @property
    def default_brand(self) -> FakeBrand:
        return next(b for b in self.brands.values() if b.default)

    @property
    def recovery_flow_slug(self) -> str | None:
        """The slug of the default brand's recovery flow (None: recovery links fail)."""
        pk = self.default_brand.flow_recovery
        return next((f.slug for f in self.flows.values() if f.pk == pk), None)

    @recovery_flow_slug.setter
    def recovery_flow_slug(self, slug: str | None) -> None:
        self.default_brand.flow_recovery = self.flows[slug].pk if slug else None

    def use_token_of(self, user: FakeUser) -> None:
        """The API token now belongs to `user` (e.g. a dedicated service account)."""
        self.token_owner = user

    # -- seeding (no HTTP) --------------------------------------------------------------------

    def add_user(
        self,
        username: str,
        *,
        name: str | None = None,
        email: str = "",
        is_active: bool = True,
        path: str = "users",
        type: str = "internal",
        attributes: dict[str, Any] | None = None,
        groups: list[str] | tuple[str, ...] = (),
        last_login: datetime | None = None,
    ) -> FakeUser:
        with self._lock:
            user = FakeUser(
                pk=self._next_pk,
                uuid=str(uuid.uuid4()),
                username=username,
                name=username if name is None else name,
                email=email,
                is_active=is_active,
                path=path,
                type=type,
                attributes=dict(attributes or {}),
                last_login=last_login,
            )
            self._next_pk += 1
            self.users[user.pk] = user
            for group_pk in groups:
                self.set_member(group_pk, user.pk, True)
            return user

    def seed_users(
        self,
        count: int,
        *,
        prefix: str = "member",
        groups: tuple[str, ...] = (),
        email_every: int = 2,
    ) -> list[FakeUser]:
        """`count` users named `{prefix}00001`...; every `email_every`-th has no email."""
        width = max(5, len(str(count)))
        return [
            self.add_user(
                f"{prefix}{i:0{width}d}",
                name=f"Member {i}",
                email="" if email_every and i % email_every == 0 else f"{prefix}{i}@example.org",
                groups=groups,
            )
            for i in range(1, count + 1)
        ]

    def add_group(
        self, name: str, *, is_superuser: bool = False, attributes: dict[str, Any] | None = None
    ) -> FakeGroup:
        with self._lock:
            group = FakeGroup(
                pk=str(uuid.uuid4()),
                num_pk=len(self.groups) + 1000,
                name=name,
                is_superuser=is_superuser,
                attributes=dict(attributes or {}),
            )
            self.groups[group.pk] = group
            return group

    def group_named(self, name: str) -> FakeGroup:
        return next(g for g in self.groups.values() if g.name == name)

    def set_member(self, group_pk: str, user_pk: int, present: bool) -> None:
        with self._lock:
            group, user = self.groups[group_pk], self.users[user_pk]
            if present and user_pk not in group.members:
                group.members.add(user_pk)
                user.groups.append(group_pk)
            elif not present and user_pk in group.members:
                group.members.discard(user_pk)
                user.groups.remove(group_pk)

    def remove_user(self, pk: int) -> None:
        with self._lock:
            for group_pk in list(self.users[pk].groups):
                self.set_member(group_pk, pk, False)
            del self.users[pk]

    def add_invitation(
        self,
        name: str,
        *,
        flow_pk: str | None = None,
        created_by: int | None = None,
        expires: datetime | None = None,
        single_use: bool = False,
        fixed_data: dict[str, Any] | None = None,
    ) -> FakeInvitation:
        with self._lock:
            invitation = FakeInvitation(
                pk=str(uuid.uuid4()),
                name=name,
                created_by=created_by or self.admin.pk,
                expires=expires,
                fixed_data=dict(fixed_data or {}),
                single_use=single_use,
                flow=flow_pk,
            )
            self.invitations[invitation.pk] = invitation
            return invitation

    def password_matches(self, user_pk: int, password: str) -> bool:
        digest = self.users[user_pk].password_sha256
        return digest == hashlib.sha256(password.encode()).hexdigest()

    # -- faults and bookkeeping ---------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        path: str,
        *,
        status: int | None = None,
        error: type[Exception] | None = None,
        times: int = 1,
    ) -> None:
        """The next `times` matching requests answer `status` (no body check) or raise `error`
        (e.g. httpx.ConnectError; over real HTTP the connection is dropped instead)."""
        if (status is None) == (error is None):
            raise ValueError("give exactly one of status= or error=")
        with self._lock:
            self._faults.append(Fault(method.upper(), _relative(path), times, status, error))

    def delay_next(self, method: str, path: str, *, seconds: float, times: int = 1) -> None:
        """The next `times` matching requests wait `seconds` before being answered. Behind
        MockTransport a wait longer than the client's read timeout raises httpx.ReadTimeout
        after that timeout, as a real socket would."""
        with self._lock:
            self._faults.append(Fault(method.upper(), _relative(path), times, delay=seconds))

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """Requests received, by method and/or path (template or concrete)."""
        wanted = _relative(path) if path else None
        return sum(
            1
            for r in self.requests
            if (method is None or r.method == method.upper())
            and (wanted is None or wanted in (r.path, r.template))
        )

    def counts(self) -> Counter[tuple[str, str]]:
        """Requests per (method, schema template), e.g. for a benchmark's report."""
        return Counter((r.method, r.template or r.path) for r in self.requests)

    def reset_requests(self) -> None:
        with self._lock:
            self.requests.clear()

    def assert_no_violations(self) -> None:
        if self.violations:
            raise SchemaViolation(
                f"{len(self.violations)} Authentik schema violation(s):\n  "
                + "\n  ".join(self.violations)
            )

    # -- serving ------------------------------------------------------------------------------

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self._handle)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        raw = RawRequest(
            method=request.method.upper(),
            url_path=request.url.path,
            query=request.url.params.multi_items(),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=request.content,
            link_base=f"{request.url.scheme}://{request.url.netloc.decode()}",
        )
        answer = self.answer(raw)
        if answer.delay:
            timeout = (request.extensions.get("timeout") or {}).get("read")
            if timeout is not None and answer.delay > timeout:
                time.sleep(timeout)
                raise httpx.ReadTimeout("fake Authentik: read timed out", request=request)
            time.sleep(answer.delay)
        if answer.error is not None:
            raise answer.error("fake Authentik: injected failure", request=request)
        if answer.violation is not None:
            raise SchemaViolation(answer.violation)
        return to_httpx(answer)

    def answer(self, raw: RawRequest) -> Answer:
        """Decide the answer to one request (shared by MockTransport and the HTTP server).

        A delay is returned, not slept, so that the caller waits outside the lock."""
        prefixed = raw.url_path.startswith(API_PREFIX)
        path = raw.url_path.removeprefix(API_PREFIX) if prefixed else None
        with self._lock:
            op = self.schema.find(raw.method, path) if path is not None else None
            record = RecordedRequest(
                raw.method,
                path or raw.url_path,
                op.template if op else None,
                list(raw.query),
                json_or_raw(raw.body),
                raw.header("authorization") is not None,
            )
            self.requests.append(record)
            fault = self._take_fault(raw.method, record)
            if fault and (fault.status or fault.error):
                record.status = fault.status
                return Answer(
                    status=fault.status or 0, body=f"{fault.status} (injected)", error=fault.error
                )
            if op is None or path is None:
                answer = self._unknown_operation(raw, path)
            else:
                answer = self._answer_operation(op, path, raw)
            record.status = answer.status
        answer.delay = fault.delay if fault else 0.0
        return answer

    def _unknown_operation(self, raw: RawRequest, path: str | None) -> Answer:
        where = f"{raw.method} {raw.url_path}"
        if path is None:
            return self._violation(f"{where}: not under {API_PREFIX}")
        if self.schema.path_exists(path):
            return self._violation(f"{where}: method not in the trimmed schema")
        return self._violation(
            f"{where}: no such operation in the trimmed schema "
            "(add it to tests/support/trim_authentik_schema.py)"
        )

    def _answer_operation(self, op: Operation, path: str, raw: RawRequest) -> Answer:
        checked = self.schema.check_request(
            op, path, raw.query, raw.header("content-type"), raw.body
        )
        route, honoured = ROUTES[op.operation_id]
        problems = [f"{raw.method} {path}: {p}" for p in checked.problems]
        problems += [
            f"{raw.method} {path}: the fake does not implement query parameter {name!r}"
            for name in sorted(set(checked.query) - honoured)
        ]
        if problems:
            return self._violation(*problems)
        refused = self._refuse_token(op, raw.header("authorization"))
        if refused:
            return refused
        call = Call(
            checked.path_params,
            checked.query,
            checked.body,
            raw.link_base,
            self.token_owner,  # Authentik records it as an invitation's created_by
            default_page_size=self.settings["pagination_default_page_size"],
            max_page_size=self.settings["pagination_max_page_size"],
        )
        status, payload = route(self, call)
        problems = self.schema.check_response(op, status, payload)
        if problems:
            return self._violation(*(f"answer to {raw.method} {path}: {p}" for p in problems))
        return Answer(status, payload)

    def _refuse_token(self, op: Operation, auth: str | None) -> Answer | None:
        """Authentik's answers: 403 (not 401) for a missing or bad token."""
        if auth is None and not op.anonymous_ok:
            return Answer(403, {"detail": "Authentication credentials were not provided."})
        if auth is not None and auth != f"Bearer {self.token}":
            return Answer(403, {"detail": "Token invalid/expired"})
        # Measured: deactivating (or deleting) the token's owner invalidates its token at once.
        owner = self.users.get(self.token_owner.pk)
        if auth is not None and (owner is None or not owner.is_active):
            return Answer(403, {"detail": "Token invalid/expired"})
        return None

    def _violation(self, *problems: str) -> Answer:
        self.violations.extend(problems)
        message = "; ".join(problems)
        detail = f"fake Authentik: schema violation: {message}"
        return Answer(500, {"detail": detail}, violation=message)

    def _take_fault(self, method: str, record: RecordedRequest) -> Fault | None:
        for fault in self._faults:
            if fault.method == method and fault.path in (record.path, record.template):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault
        return None


def _relative(path: str) -> str:
    return path.removeprefix(API_PREFIX)
