"""The errors the dashboard raises on purpose, each carrying a message fit to show a person."""

from __future__ import annotations


class DashboardError(Exception):
    """Base of every error meant for the user: the message says what happened and what to do."""


class InputError(DashboardError):
    """Bad input, caught before any request is sent. `field` names the form field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class FieldErrors(DashboardError):
    """Several fields rejected at once (by our checks or by a remote service)."""

    def __init__(
        self, errors: dict[str, list[str]], summary: str = "Some fields are not valid"
    ) -> None:
        detail = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in errors.items())
        super().__init__(f"{summary}: {detail}" if detail else summary)
        self.errors = errors
        self.summary = summary


class NotConfigured(DashboardError):
    """An integration is used while its settings are missing."""

    def __init__(self, integration: str, missing: list[str]) -> None:
        super().__init__(f"{integration} is not configured: set {', '.join(missing)}")
        self.integration = integration
        self.missing = missing


class PermissionDenied(DashboardError):
    """The logged-in account's role does not allow this."""
