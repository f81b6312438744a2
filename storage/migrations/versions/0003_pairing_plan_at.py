"""Pairings remember when the planner next needs to look at them, so an idle tick reads
nothing but an index; owner status counts sessions from a covering index (issue 5: an idle
tick over 100,000 pairs, status of a program of 10,000).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

from storage.tables import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing pairings start with NULL: the next tick plans every one of them once.
    with op.batch_alter_table("pairings") as batch:
        batch.add_column(sa.Column("plan_at", UTCDateTime(), nullable=True))
    op.create_index("ix_pairings_status_plan_at", "pairings", ["status", "plan_at"])
    op.create_index(
        "ix_sessions_pairing_status_start",
        "sessions",
        ["pairing_id", "status", "starts_at", "created_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_sessions_pairing_status_start", table_name="sessions")
    op.drop_index("ix_pairings_status_plan_at", table_name="pairings")
    with op.batch_alter_table("pairings") as batch:
        batch.drop_column("plan_at")
