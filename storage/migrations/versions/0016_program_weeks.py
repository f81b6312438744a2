"""A program's closed weeks (issue 27): each week's figures, written once by the tick after
the week closes (and at the program's end), so every report shows the same numbers for it.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from storage.tables import UTCDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

FIGURES = ("held", "missed", "unconfirmed", "booked", "active", "regular", "at_risk")


def upgrade() -> None:
    op.create_table(
        "program_weeks",
        sa.Column("program_id", sa.Integer, sa.ForeignKey("programs.id"), primary_key=True),
        sa.Column("week", sa.Date, primary_key=True),
        *(sa.Column(name, sa.Integer, nullable=False) for name in FIGURES),
        sa.Column("closed_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("program_weeks")
