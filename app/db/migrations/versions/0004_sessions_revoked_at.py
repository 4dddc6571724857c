"""accounts.sessions_revoked_at: when an admin last ended the account's sessions.

An SSO login that Authentik issued before that moment is not accepted again (Streamlit keeps
the claims of an Authentik login in its own cookie).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.db.models.base import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("sessions_revoked_at", UTCDateTime()))


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("sessions_revoked_at")
