"""Errors raised by the Authentik client; each message says what happened and what to do.

All are `AuthentikError`, itself a `DashboardError`, so a page can show any of them as is.
`AuthentikValidationError` is also a `FieldErrors`: Authentik's per-field messages, ready to
show next to the form fields they belong to.
"""

from __future__ import annotations

from app.utils.errors import DashboardError, FieldErrors


class AuthentikError(DashboardError):
    """Authentik answered something the dashboard cannot use (or any other Authentik failure)."""

    def __init__(self, message: str, *, status: int | None = None, detail: str | None = None):
        super().__init__(message)
        self.status = status
        self.detail = detail


class AuthentikUnreachable(AuthentikError):
    """No usable answer: connection refused, timed out, or 502/503/504 after the retries."""


class AuthentikTokenRejected(AuthentikError):
    """Authentik refused the API token (it answers 403, not 401, for a bad or missing token)."""


class AuthentikPermissionDenied(AuthentikTokenRejected):
    """The token is valid but its account may not do this (403 "You do not have permission")."""


class AuthentikNotFound(AuthentikError):
    """The object does not exist (404), e.g. a user deleted in Authentik meanwhile."""


class AuthentikConfigError(AuthentikError):
    """A setting points at something Authentik does not have; `variable` names the setting."""

    def __init__(self, variable: str, message: str, *, choices: list[str] | None = None):
        super().__init__(message)
        self.variable = variable
        self.choices = choices or []


class AuthentikValidationError(AuthentikError, FieldErrors):
    """Authentik rejected the input (400); `errors` maps field name -> messages.

    Messages that belong to no field are under "non_field_errors".
    """

    def __init__(self, errors: dict[str, list[str]], summary: str = "Authentik rejected the input"):
        FieldErrors.__init__(self, errors, summary)
        self.status = 400
        self.detail = None

    @property
    def non_field_errors(self) -> list[str]:
        return self.errors.get("non_field_errors", [])
