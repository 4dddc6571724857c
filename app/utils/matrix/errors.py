"""Typed Matrix errors with messages fit to show a person, mapped from homeserver answers."""

from __future__ import annotations

from collections.abc import Mapping

from app.utils.errors import DashboardError

# Used when a 429 carries no retry_after_ms (e.g. a proxy answered): nio's own default.
DEFAULT_RETRY_AFTER_SECONDS = 5.0


class MatrixError(DashboardError):
    """Any failure talking to the homeserver; `errcode` is the Matrix code when there was one."""

    hint = "Check the homeserver and the dashboard's Matrix settings, then try again."

    def __init__(
        self, action: str, detail: str, *, errcode: str = "", http_status: int | None = None
    ) -> None:
        self.action = action
        self.detail = detail
        self.errcode = errcode
        self.http_status = http_status
        said = f"{errcode}: {detail}" if errcode else detail
        super().__init__(f"Could not {action}: {said.rstrip('.')}. {self.hint}")


class MatrixForbidden(MatrixError):
    hint = "The bot lacks the power level (or membership) this needs in that room."


class MatrixNotFound(MatrixError):
    hint = "Check that the room or user exists and that the bot can see it."


class MatrixUnknownToken(MatrixError):
    hint = "The bot's access token was refused: set a valid MATRIX_ACCESS_TOKEN."


class MatrixUnreachable(MatrixError):
    hint = "The homeserver did not answer in time; check that it is up and reachable."


class MatrixRefused(MatrixUnreachable):
    """No connection could be made (refused, unknown host, TLS refused): nothing was sent."""

    hint = ("Check that the homeserver is running and that MATRIX_HOMESERVER_URL is its "
            "address, then restart the dashboard if you change it.")


class MatrixConnectionLost(MatrixUnreachable):
    """The request was sent, but its answer never came (the connection dropped, or no answer in
    time): the homeserver may have applied it. A refused connection is not this (nothing was
    sent). `timed_out`: the homeserver may still be working on it."""

    hint = ("The homeserver stopped answering after the request was sent; a change may have "
            "been applied: check before repeating it.")

    def __init__(self, action: str, detail: str, *, timed_out: bool = False) -> None:
        self.timed_out = timed_out
        super().__init__(action, detail)


class MatrixThrottled(MatrixError):
    """The homeserver rate-limited us for longer than we are allowed to wait."""

    hint = "The homeserver is rate-limiting the bot; wait a little and try again."

    def __init__(
        self,
        action: str,
        detail: str,
        *,
        retry_after: float,
        errcode: str = "M_LIMIT_EXCEEDED",
        http_status: int | None = 429,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(
            action, f"{detail} (retry after {retry_after:.1f} s)", errcode=errcode,
            http_status=http_status,
        )


def matrix_error(
    action: str,
    *,
    errcode: str | None,
    message: str | None,
    http_status: int | None,
    retry_after_ms: float | None = None,
) -> MatrixError:
    """The typed error for one failed request; the errcode wins, the HTTP status fills gaps."""
    code = errcode or ""
    detail = message or (f"HTTP {http_status}" if http_status else "unknown error")
    if code == "M_LIMIT_EXCEEDED" or http_status == 429:
        retry = retry_after_ms / 1000 if retry_after_ms else DEFAULT_RETRY_AFTER_SECONDS
        return MatrixThrottled(
            action, detail, retry_after=retry, errcode=code or "M_LIMIT_EXCEEDED",
            http_status=http_status,
        )
    kind: type[MatrixError] = MatrixError
    if code in ("M_UNKNOWN_TOKEN", "M_MISSING_TOKEN") or (not code and http_status == 401):
        kind = MatrixUnknownToken
    elif code == "M_FORBIDDEN" or (not code and http_status == 403):
        kind = MatrixForbidden
    elif code == "M_NOT_FOUND" or (code in ("", "M_UNKNOWN") and http_status == 404):
        # Synapse answers some lookups of unknown rows with 404 M_UNKNOWN "No row found".
        kind = MatrixNotFound
    elif not code and http_status in (502, 503, 504):
        kind = MatrixUnreachable  # a proxy in front of a homeserver that is down
    return kind(action, detail, errcode=code, http_status=http_status)


def error_from_body(
    action: str, http_status: int, body: object, headers: Mapping[str, str] | None = None
) -> MatrixError:
    """Map a raw HTTP error answer (JSON body or not) to a typed error."""
    data = body if isinstance(body, dict) else {}
    retry_ms = data.get("retry_after_ms")
    if retry_ms is None and headers and headers.get("Retry-After", "").isdigit():
        retry_ms = int(headers["Retry-After"]) * 1000
    return matrix_error(
        action,
        errcode=str(data.get("errcode") or "") or None,
        message=str(data.get("error") or "") or None,
        http_status=http_status,
        retry_after_ms=retry_ms,
    )
