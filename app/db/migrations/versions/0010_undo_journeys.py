"""Undo journeys: a journey kind that undoes a bulk action (a journey or a batch of users).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

KINDS = "kind IN ('onboarding', 'offboarding', 'removal', 'room_invites', 'undo')"
OLD_KINDS = "kind IN ('onboarding', 'offboarding', 'removal', 'room_invites')"


def upgrade() -> None:
    with op.batch_alter_table("journeys") as batch:
        batch.drop_constraint("kind", type_="check")
        batch.create_check_constraint("kind", KINDS)


def downgrade() -> None:
    op.execute("DELETE FROM journey_steps WHERE journey_id IN "
               "(SELECT id FROM journeys WHERE kind = 'undo')")
    op.execute("DELETE FROM journeys WHERE kind = 'undo'")
    with op.batch_alter_table("journeys") as batch:
        batch.drop_constraint("kind", type_="check")
        batch.create_check_constraint("kind", OLD_KINDS)
