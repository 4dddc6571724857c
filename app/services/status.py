"""Health of the database and the integrations, checked concurrently with timeouts."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.db.engine import session_scope
from app.db.migrate import current_revision, head_revision
from app.services import connections, emails
from app.utils.config import Settings, get_settings
from app.utils.errors import DashboardError

logger = logging.getLogger(__name__)

OK, NOT_CONFIGURED, ERROR = "ok", "not configured", "error"


@dataclass(frozen=True)
class ComponentStatus:
    name: str
    state: str  # ok | not configured | error
    detail: str


def database_status(settings: Settings) -> ComponentStatus:
    url = make_url(settings.database_url)
    where = f"{url.get_backend_name()} {url.database or ''}".strip()
    try:
        with session_scope() as db:
            db.execute(text("SELECT 1"))
        revision, head = current_revision(), head_revision()
    except Exception as err:
        logger.warning("database check failed: %s", type(err).__name__)
        return ComponentStatus("Database", ERROR, f"{where}: not reachable ({type(err).__name__})")
    if revision != head:
        return ComponentStatus(
            "Database",
            ERROR,
            f"{where}: schema {revision} is not {head}; run python -m app migrate",
        )
    return ComponentStatus("Database", OK, f"{where}, schema {revision}")


def _integration(name: str, missing: list[str], check: Callable[[], str]) -> ComponentStatus:
    if missing:
        return ComponentStatus(name, NOT_CONFIGURED,
                               f"set {', '.join(missing)}, then restart the dashboard")
    try:
        return ComponentStatus(name, OK, check())
    except DashboardError as err:
        return ComponentStatus(name, ERROR, str(err))


Check = tuple[list[str], Callable[[], str]]


def check_all(checks: dict[str, Check] | None = None) -> list[ComponentStatus]:
    """Database first, then each integration; all run at once so the slowest sets the wait."""
    settings = get_settings()
    checks = checks if checks is not None else integration_checks(settings)
    with ThreadPoolExecutor(max_workers=1 + len(checks)) as pool:
        futures = [pool.submit(database_status, settings)]
        futures += [pool.submit(_integration, name, *spec) for name, spec in checks.items()]
        return [f.result() for f in futures]


def integration_checks(settings: Settings) -> dict[str, Check]:
    """Name -> (missing variables, a check returning a one-line description when healthy)."""
    return {
        "Authentik": (settings.authentik_missing, connections.authentik_status),
        "Matrix": (settings.matrix_missing, connections.matrix_status),
        "Email (SMTP)": (settings.smtp_missing, emails.smtp_status),
    }
