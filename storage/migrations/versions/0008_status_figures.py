"""Owner status from one pass over a program's pairings (issue 15, (c)/(8)): each pairing
keeps its own figures (sessions held and missed, reflections, the start of its last held
session), and each session a copy of its pairing's program, indexed for the time windows.
Existing rows are counted here; from now on the store keeps them (storage/pair_figures.py).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from storage.tables import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# The same counts as storage/pair_figures.py, written out: this revision must not change when that
# module later keeps more figures.
MINE = "sessions.pairing_id = pairings.id"
BACKFILL_PAIRINGS = (
    "UPDATE pairings SET "
    f"held_count = (SELECT count(*) FROM sessions WHERE {MINE} AND sessions.status = 'held'), "
    f"missed_count = (SELECT count(*) FROM sessions WHERE {MINE} AND sessions.status = 'missed'), "
    "reflection_count = (SELECT count(*) FROM reflections JOIN sessions "
    f"ON sessions.id = reflections.session_id WHERE {MINE}), "
    "last_held_at = (SELECT max(sessions.starts_at) FROM sessions "
    f"WHERE {MINE} AND sessions.status = 'held')"
)
BACKFILL_SESSIONS = (
    "UPDATE sessions SET program_id = "
    "(SELECT pairings.program_id FROM pairings WHERE pairings.id = sessions.pairing_id)"
)


def upgrade() -> None:
    # Plain ADD COLUMNs (with defaults where NOT NULL): no table rebuild on SQLite.
    with op.batch_alter_table("pairings", recreate="never") as batch:
        batch.add_column(sa.Column("held_count", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("missed_count", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("reflection_count", sa.Integer, nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("last_held_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("sessions", recreate="never") as batch:
        batch.add_column(sa.Column("program_id", sa.Integer, nullable=True))
    op.execute(BACKFILL_SESSIONS)
    op.execute(BACKFILL_PAIRINGS)
    op.create_index(
        "ix_sessions_program_status_start", "sessions", ["program_id", "status", "starts_at"]
    )
    op.create_index(
        "ix_sessions_program_created", "sessions", ["program_id", "created_at", "status"]
    )


def downgrade() -> None:
    op.drop_index("ix_sessions_program_created", table_name="sessions")
    op.drop_index("ix_sessions_program_status_start", table_name="sessions")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("program_id")
    with op.batch_alter_table("pairings") as batch:
        for name in ("last_held_at", "reflection_count", "missed_count", "held_count"):
            batch.drop_column(name)
