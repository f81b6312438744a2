"""An assistant who can book for a leader (issue 28): who named whom, and whether they
confirmed.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from storage.tables import UTCDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "delegations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("leader_id", sa.Integer, sa.ForeignKey("participants.id"), nullable=False),
        sa.Column("assistant_id", sa.Integer, sa.ForeignKey("participants.id"), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("named_by", sa.Integer, sa.ForeignKey("participants.id"), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=True),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_delegations_leader_id", "delegations", ["leader_id"])
    op.create_index("ix_delegations_assistant_id", "delegations", ["assistant_id"])
    # One assistant at a time per leader (asked or active).
    open_only = sa.text("status IN ('asked', 'active')")
    op.create_index(
        "uq_delegations_open_leader",
        "delegations",
        ["leader_id"],
        unique=True,
        sqlite_where=open_only,
        postgresql_where=open_only,
    )


def downgrade() -> None:
    op.drop_table("delegations")
