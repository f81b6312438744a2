"""Program owners' tools (issue 6): enrolment profiles, match proposals, check-in answers,
pairs ended early, forgotten people, and whether a mentor's manager hears of their impact.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

from storage.tables import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer, primary_key=True, autoincrement=True)


def upgrade() -> None:
    # Plain ADD COLUMNs (nullable, or with a server default): no table rebuild on SQLite.
    op.add_column(
        "programs",
        sa.Column("recognition", sa.String(20), nullable=False, server_default="mentor"),
    )
    op.add_column("participants", sa.Column("forgotten_at", UTCDateTime(), nullable=True))
    op.add_column("pairings", sa.Column("ended_at", UTCDateTime(), nullable=True))
    op.add_column("pairings", sa.Column("ended_by", sa.Integer, nullable=True))
    op.create_table(
        "enrolments",
        _id(),
        sa.Column("program_id", sa.Integer, sa.ForeignKey("programs.id"), nullable=False),
        sa.Column("participant_id", sa.Integer, sa.ForeignKey("participants.id"), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("interests", sa.JSON, nullable=False),
        sa.Column("teaches", sa.JSON, nullable=False),
        sa.Column("learns", sa.JSON, nullable=False),
        sa.Column("manager_id", sa.Integer, sa.ForeignKey("participants.id"), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("program_id", "participant_id", name="uq_enrolments_program_person"),
    )
    op.create_index("ix_enrolments_participant_id", "enrolments", ["participant_id"])
    op.create_table(
        "proposals",
        _id(),
        sa.Column("program_id", sa.Integer, sa.ForeignKey("programs.id"), nullable=False),
        sa.Column("run", sa.String(40), nullable=False),
        sa.Column("mentor_id", sa.Integer, sa.ForeignKey("participants.id"), nullable=False),
        sa.Column("mentee_id", sa.Integer, sa.ForeignKey("participants.id"), nullable=False),
        sa.Column("goal", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_proposals_program_id", "proposals", ["program_id"])
    op.create_index("ix_proposals_run", "proposals", ["run"])
    op.create_table(
        "checkins",
        _id(),
        sa.Column("pairing_id", sa.Integer, sa.ForeignKey("pairings.id"), nullable=False),
        sa.Column("participant_id", sa.Integer, sa.ForeignKey("participants.id"), nullable=False),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("rating", sa.Integer, nullable=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("pairing_id", "participant_id", "stage", name="uq_checkins_once"),
    )
    op.create_index("ix_checkins_pairing_id", "checkins", ["pairing_id"])


def downgrade() -> None:
    op.drop_table("checkins")
    op.drop_table("proposals")
    op.drop_table("enrolments")
    with op.batch_alter_table("pairings") as batch:
        batch.drop_column("ended_by")
        batch.drop_column("ended_at")
    with op.batch_alter_table("participants") as batch:
        batch.drop_column("forgotten_at")
    with op.batch_alter_table("programs") as batch:
        batch.drop_column("recognition")
