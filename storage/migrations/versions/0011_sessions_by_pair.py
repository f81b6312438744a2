"""Owners' charts (issue 17): the held sessions of a program's pairs, pair by pair, read from
an index alone, to find each pair's last session before each week's end (storage/weekly_figures.py).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

NAME = "ix_sessions_program_status_pair"


def upgrade() -> None:
    op.create_index(NAME, "sessions", ["program_id", "status", "pairing_id", "starts_at"])


def downgrade() -> None:
    op.drop_index(NAME, table_name="sessions")
