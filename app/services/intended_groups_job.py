"""The periodic job that applies invitations' intended groups, on the durable engine.

A DBOS scheduled workflow: its schedule lives in the engine's database, so it is applied once
(`apply_schedule()`, e.g. `python -m app reconcile-groups --schedule`) and then fires in every
process that runs the engine; each tick's workflow ID is the schedule's name and the tick's
time, so a tick runs once across all replicas. The work is `users.intended_groups.reconcile`,
which is idempotent (an account's groups are applied once, then marked), as steps must be.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from dbos import DBOS

from app.services.users import intended_groups
from app.utils.errors import DashboardError, NotConfigured

logger = logging.getLogger(__name__)

SCHEDULE_NAME = "authentik-intended-groups"
EVERY_TEN_MINUTES = "0 */10 * * * *"  # DBOS cron: seconds first


@DBOS.step(name="intended_groups.reconcile")
def reconcile_step() -> dict[str, int]:
    """One reconcile; counts for the engine's record. Authentik not configured: nothing to do."""
    try:
        outcomes = intended_groups.reconcile()
    except NotConfigured:
        return {"accounts": 0, "changed": 0, "failed": 0}
    except DashboardError as err:  # unreachable, token refused: the next tick tries again
        logger.warning("intended groups: reconcile not done: %s", err)
        return {"accounts": 0, "changed": 0, "failed": 1}
    return {
        "accounts": len(outcomes),
        "changed": sum(o.changed for o in outcomes),
        "failed": sum(bool(o.error) for o in outcomes),
    }


@DBOS.workflow(name="intended_groups.scheduled")
def scheduled(scheduled_at: datetime, context: Any) -> None:
    """What each tick of the schedule runs (DBOS passes the tick's time and a context)."""
    counts = reconcile_step()
    logger.info("intended groups at %s: %s", scheduled_at.isoformat(), counts)


def apply_schedule(cron: str = EVERY_TEN_MINUTES) -> None:
    """Create or replace the schedule in the engine's database (the engine must be running)."""
    DBOS.apply_schedules(
        [{"schedule_name": SCHEDULE_NAME, "workflow_fn": scheduled, "schedule": cron}]
    )
    logger.info("intended groups: scheduled (%s)", cron)
