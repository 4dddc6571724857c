"""The fake Authentik's side of the wire: requests as they arrive, answers, faults, records."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx


class SchemaViolation(AssertionError):
    """A request or answer that Authentik's schema does not allow: a bug to fix, not to catch."""


@dataclass
class RecordedRequest:
    method: str
    path: str  # relative to /api/v3
    template: str | None  # the schema path it matched, None when it matched none
    query: list[tuple[str, str]]
    body: Any
    authenticated: bool  # an Authorization header was sent (never recorded: the token)
    status: int | None = None  # None when a fault raised instead of answering


@dataclass
class Fault:
    method: str
    path: str
    remaining: int
    status: int | None = None
    error: type[Exception] | None = None
    delay: float = 0.0


@dataclass
class RawRequest:
    """A request as it arrived, from MockTransport or from the HTTP server."""

    method: str
    url_path: str  # with /api/v3
    query: list[tuple[str, str]]
    headers: dict[str, str]  # names lower-cased
    body: bytes
    link_base: str  # scheme://host:port, for absolute links in answers

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Answer:
    """What the fake decided to do with one request."""

    status: int = 200
    body: Any = None
    delay: float = 0.0  # seconds to wait before answering
    error: type[Exception] | None = None  # raise (MockTransport) / drop the connection (HTTP)
    violation: str | None = None  # raise SchemaViolation (MockTransport) / answer 500 (HTTP)


def json_or_raw(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return body


def to_httpx(answer: Answer) -> httpx.Response:
    if answer.body is None:
        return httpx.Response(answer.status)
    if isinstance(answer.body, str):
        return httpx.Response(answer.status, text=answer.body)
    return httpx.Response(answer.status, json=answer.body)
