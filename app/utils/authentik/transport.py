"""The HTTP layer under the Authentik client: timeouts, bounded retries, errors from statuses.

Retry policy (the only place it lives):
- Only idempotent methods are retried: GET, HEAD, OPTIONS, PUT, DELETE. POST and PATCH are
  sent once, whatever happens (a second POST could create a second user or invitation).
- Only when the request cannot have had an effect or the server says "try again": connection
  errors, connect timeouts, and 502/503/504. A read timeout is not retried: the request may
  be running, and a second wait would double the time a person stares at a spinner.
- At most `retries` extra attempts, sleeping `backoff * 2**n` seconds (capped at 2 s, or the
  server's Retry-After when it is shorter than 5 s).
- A DELETE retried after a 5xx/connection failure that then gets 404 counts as done: the
  earlier attempt may have deleted the object, and "it is gone" is what the caller asked for.
"""

from __future__ import annotations

import logging
import os
import re
import ssl
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

import httpx

from app.utils.authentik.enrollment import invite_ref
from app.utils.authentik.errors import (
    AuthentikError,
    AuthentikNotFound,
    AuthentikPermissionDenied,
    AuthentikTokenRejected,
    AuthentikUnreachable,
    AuthentikValidationError,
)
from app.utils.authentik.models import Page
from app.utils.errors import InputError

logger = logging.getLogger(__name__)

T = TypeVar("T")
MAX_PAGE_SIZE = 1000
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
READS = frozenset({"GET", "HEAD", "OPTIONS"})
RETRY_STATUSES = frozenset({502, 503, 504})
MAX_SLEEP = 2.0
Params = Mapping[str, Any]
_INVITATION_PK = re.compile(r"(/stages/invitation/invitations/)([^/?]+)")


def describe(method: str, path: str) -> str:
    """A request as logs and error messages name it. An invitation's pk is its invite link's
    secret, and these messages reach the log and the audit log: it is shown as its ref."""
    return f"{method} " + _INVITATION_PK.sub(lambda m: m[1] + invite_ref(m[2]), path)


def tls_verify(verify: bool | str | os.PathLike[str] | ssl.SSLContext) -> bool | ssl.SSLContext:
    """httpx's `verify` for a CA bundle path; switching verification off is refused."""
    if verify is False:
        raise ValueError("TLS verification cannot be switched off; pass a CA bundle instead")
    if isinstance(verify, str | os.PathLike):
        return ssl.create_default_context(cafile=os.fspath(verify))
    return verify


def field_errors(body: object) -> dict[str, list[str]]:
    """Authentik's 400 body as field -> messages (strings, lists and nested dicts flattened)."""
    if not isinstance(body, dict):
        items = body if isinstance(body, list) else [body]
        return {"non_field_errors": [str(i) for i in items if i not in (None, "")]}
    errors: dict[str, list[str]] = {}
    for key, value in body.items():
        if key == "code" and isinstance(value, str):
            continue  # an error code beside the messages, not a field
        name = "non_field_errors" if key == "detail" else str(key)
        for sub, messages in _flatten(name, value):
            errors.setdefault(sub, []).extend(messages)
    return errors


def _flatten(name: str, value: object) -> list[tuple[str, list[str]]]:
    if isinstance(value, dict):
        return [pair for k, v in value.items() for pair in _flatten(f"{name}.{k}", v)]
    if isinstance(value, list):
        flat: list[tuple[str, list[str]]] = []
        plain = [str(v) for v in value if not isinstance(v, dict | list)]
        if plain:
            flat.append((name, plain))
        for index, item in enumerate(value):
            if isinstance(item, dict | list):
                flat += _flatten(f"{name}.{index}", item)
        return flat
    return [(name, [str(value)])]


class AuthentikHTTP:
    """Sends one logical request with the retry policy above and maps failures to errors."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        base_url: str,
        timeout: float,
        retries: int,
        backoff: float,
    ) -> None:
        self.http = http
        self.base_url = base_url
        self.timeout = timeout
        self.retries = max(0, retries)
        self.backoff = max(0.0, backoff)
        self.writes = 0  # changes sent (answered or not): what was read before may be stale

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        authenticated: bool = True,
    ) -> httpx.Response:
        """The response to `method path` if it is a success (2xx), else a typed error."""
        method = method.upper()
        if method not in READS:
            self.writes += 1
        attempts = 1 + (self.retries if method in IDEMPOTENT else 0)
        where = describe(method, path)
        for attempt in range(attempts):
            last = attempt == attempts - 1
            request = self.http.build_request(method, path, params=_clean(params), json=json)
            if not authenticated:
                request.headers.pop("Authorization", None)
            try:
                response = self.http.send(request)
            except (httpx.ConnectError, httpx.ConnectTimeout) as err:
                logger.debug("Authentik %s: connection failed (attempt %d)", where, attempt + 1)
                if last:
                    raise self._unreachable(err, where) from None
                self._sleep(attempt, None)
                continue
            except httpx.TransportError as err:  # read timeouts, dropped connections: no retry
                raise self._unreachable(err, where) from None
            logger.debug("Authentik %s -> %d", where, response.status_code)
            if response.status_code in RETRY_STATUSES and not last:
                self._sleep(attempt, response.headers.get("Retry-After"))
                continue
            if method == "DELETE" and attempt > 0 and response.status_code == 404:
                logger.info("Authentik %s: already gone after a retried attempt", where)
                return response
            if response.is_success:
                return response
            if response.is_redirect:  # never followed: it would carry the token elsewhere
                raise AuthentikError(self._redirected(response, where),
                                     status=response.status_code)
            raise self._error(response, where)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """`request`, then the body as JSON (an AuthentikError when it is not JSON)."""
        response = self.request(method, path, **kwargs)
        try:
            return response.json()
        except ValueError:
            raise AuthentikError(
                f"Authentik answered {describe(method, path)} with something that is not JSON; "
                "check that AUTHENTIK_URL points at Authentik itself."
            ) from None

    def page(self, path: str, params: Params, parse: Callable[[Any], T]) -> Page[T]:
        """One page of a list endpoint, its items parsed."""
        size = params.get("page_size")
        if size is not None and not 1 <= size <= MAX_PAGE_SIZE:
            raise InputError("page_size", f"must be between 1 and {MAX_PAGE_SIZE}")
        data = self.json("GET", path, params=params)
        return Page.from_api(data, tuple(parse(item) for item in data["results"]))

    def pages(self, path: str, params: Params, parse: Callable[[Any], T]) -> Iterator[Page[T]]:
        """Every page, following `pagination.next` (a page number) until it is 0."""
        number = 1
        while number:
            page = self.page(path, {**params, "page": number}, parse)
            yield page
            if page.next and page.next <= number:
                raise AuthentikError(f"Authentik's pagination of {path} went backwards")
            number = page.next

    def _sleep(self, attempt: int, retry_after: str | None) -> None:
        delay = min(self.backoff * 2**attempt, MAX_SLEEP)
        if retry_after and retry_after.isdigit() and int(retry_after) < 5:
            delay = float(retry_after)
        time.sleep(delay)

    def _unreachable(self, err: Exception, where: str) -> AuthentikUnreachable:
        if isinstance(err, httpx.TimeoutException):
            message = (
                f"Authentik at {self.base_url} did not answer within {self.timeout:g} s "
                f"({where}). Check that it is running, or raise AUTHENTIK_TIMEOUT_SECONDS."
            )
        else:
            message = (
                f"Authentik at {self.base_url} could not be reached ({where}: "
                f"{type(err).__name__}). Check AUTHENTIK_URL and that Authentik is running."
            )
        return AuthentikUnreachable(message)

    def _redirected(self, response: httpx.Response, where: str) -> str:
        said = (f"Authentik at {self.base_url} answered {response.status_code} "
                f"{response.reason_phrase} to {where}")
        target, better = _redirect_target(response)
        if not target:
            return f"{said}, without saying where to: check AUTHENTIK_URL."
        if better:
            return (f"{said}, to {target}: set AUTHENTIK_URL to {better}, then restart the "
                    "dashboard.")
        return (f"{said}, to {target}: set AUTHENTIK_URL to Authentik's own address (not a "
                "page in front of it), then restart the dashboard.")

    def _error(self, response: httpx.Response, where: str) -> AuthentikError:
        status = response.status_code
        try:
            body: Any = response.json()
        except ValueError:
            body = None
        detail = body.get("detail") if isinstance(body, dict) else None
        detail = detail if isinstance(detail, str) else None
        if status == 400:
            errors = {k: v for k, v in field_errors(body).items() if v}
            if not errors:
                errors = {
                    "non_field_errors": [f"Authentik answered 400 to {where} without details"]
                }
            return AuthentikValidationError(errors)
        if status in (401, 403):
            if detail and "permission" in detail.lower():
                return AuthentikPermissionDenied(
                    f"Authentik refused {where}: {detail} Give the API token's account "
                    "the permission, or use a token of an admin account.",
                    status=status,
                    detail=detail,
                )
            return AuthentikTokenRejected(
                f"Authentik at {self.base_url} rejected the API token"
                f"{f' ({detail})' if detail else ''}. Set AUTHENTIK_TOKEN to a valid API token "
                "(Authentik admin > Directory > Tokens).",
                status=status,
                detail=detail,
            )
        if status == 404:
            return AuthentikNotFound(
                f"Not found in Authentik: {detail or where}", status=status, detail=detail
            )
        if status in RETRY_STATUSES:
            return AuthentikUnreachable(
                f"Authentik at {self.base_url} answered {status} {response.reason_phrase} "
                f"({where}). It may be starting or overloaded; try again in a minute.",
                status=status,
                detail=detail,
            )
        return AuthentikError(
            f"Authentik answered {status} {response.reason_phrase} to {where}"
            f"{f': {detail}' if detail else ''}.",
            status=status,
            detail=detail,
        )


def _redirect_target(response: httpx.Response) -> tuple[str, str | None]:
    """Where a redirect points, and the AUTHENTIK_URL that would avoid it (None: a redirect
    that does not keep the API path, e.g. to a proxy's login page)."""
    location = response.headers.get("Location", "")
    target = str(response.request.url.join(location)) if location else ""
    asked = response.request.url
    api_path = asked.path  # e.g. /api/v3/root/config/ under AUTHENTIK_URL
    found = httpx.URL(target).copy_with(query=None, fragment=None) if target else None
    if found is None or not str(found).endswith(api_path) or "/api/v3/" not in api_path:
        return target, None
    return target, str(found)[: -len(api_path) + api_path.index("/api/v3/")].rstrip("/")


def _clean(params: Params | None) -> dict[str, Any] | None:
    """Drop unset filters so that only parameters with a value are sent."""
    if not params:
        return None
    cleaned: dict[str, Any] = {}
    for key, value in params.items():
        if value is None or (isinstance(value, list | tuple) and not value):
            continue
        cleaned[key] = list(value) if isinstance(value, tuple) else value
    return cleaned or None
