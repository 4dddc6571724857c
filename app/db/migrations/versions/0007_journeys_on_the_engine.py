"""Journeys run on the durable engine: their workflow ID (the submission ID), status, runs, and
a key that keeps one active journey per member; two more kinds (removal, room invites).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

KINDS = "kind IN ('onboarding', 'offboarding', 'removal', 'room_invites')"
OLD_KINDS = "kind IN ('onboarding', 'offboarding')"
STATUSES = "status IN ('queued', 'running', 'done', 'failed', 'cancelled')"


def upgrade() -> None:
    with op.batch_alter_table("journeys") as batch:
        batch.add_column(sa.Column("workflow_id", sa.String(120)))
        batch.add_column(
            sa.Column("status", sa.String(16), nullable=False, server_default="done")
        )
        batch.add_column(sa.Column("runs", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("dedupe_key", sa.String(300)))
        batch.create_unique_constraint("uq_journeys_workflow_id", ["workflow_id"])
        batch.create_unique_constraint("uq_journeys_dedupe_key", ["dedupe_key"])
        batch.create_index("ix_journeys_status", ["status"])
        batch.drop_constraint("kind", type_="check")
        batch.create_check_constraint("kind", KINDS)
        batch.create_check_constraint("status", STATUSES)
    # Journeys from before the engine: finished, or failed if a step did not end well.
    op.execute(
        "UPDATE journeys SET status = 'failed' WHERE id IN (SELECT journey_id FROM "
        "journey_steps WHERE status NOT IN ('done', 'skipped'))"
    )


def downgrade() -> None:
    op.execute("DELETE FROM journeys WHERE kind NOT IN ('onboarding', 'offboarding')")
    with op.batch_alter_table("journeys") as batch:
        batch.drop_constraint("status", type_="check")
        batch.drop_constraint("kind", type_="check")
        batch.create_check_constraint("kind", OLD_KINDS)
        batch.drop_index("ix_journeys_status")
        batch.drop_constraint("uq_journeys_dedupe_key", type_="unique")
        batch.drop_constraint("uq_journeys_workflow_id", type_="unique")
        batch.drop_column("dedupe_key")
        batch.drop_column("runs")
        batch.drop_column("status")
        batch.drop_column("workflow_id")
