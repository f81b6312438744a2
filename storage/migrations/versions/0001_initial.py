"""Initial schema: programs, participants, pairings, sessions, reflections, follow-ups, outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

from storage.tables import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer, primary_key=True, autoincrement=True)


def upgrade() -> None:
    op.create_table(
        "programs",
        _id(),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("objective", sa.String(200), nullable=False),
        sa.Column("cadence_days", sa.Integer, nullable=False),
        sa.Column("session_minutes", sa.Integer, nullable=False),
        sa.Column("starts_on", sa.Date, nullable=True),
        sa.Column("ends_on", sa.Date, nullable=True),
        sa.Column("owners", sa.JSON, nullable=False),
        sa.Column("agenda_set", sa.String(100), nullable=False),
        sa.Column("reflection_visibility", sa.String(20), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("working_hours", sa.String(100), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=True),
    )
    op.create_table(
        "participants",
        _id(),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("user_id", sa.String(200), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("workspace", sa.String(200), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=True),
        sa.Column("reachable", sa.Boolean, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("platform", "user_id", name="uq_participants_platform_user"),
    )
    op.create_table(
        "pairings",
        _id(),
        sa.Column("program_id", sa.Integer, sa.ForeignKey("programs.id"), nullable=False),
        sa.Column("mentor_id", sa.Integer, sa.ForeignKey("participants.id"), nullable=False),
        sa.Column("mentee_id", sa.Integer, sa.ForeignKey("participants.id"), nullable=False),
        sa.Column("goal", sa.Text, nullable=False),
        sa.Column("why", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("mentor_consent", sa.Boolean, nullable=True),
        sa.Column("mentee_consent", sa.Boolean, nullable=True),
        sa.Column("declined_by", sa.Integer, sa.ForeignKey("participants.id"), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=True),
        sa.Column("activated_at", UTCDateTime(), nullable=True),
        sa.Column("snoozed_until", UTCDateTime(), nullable=True),
        sa.Column("escalated_at", UTCDateTime(), nullable=True),
    )
    for column in ("program_id", "mentor_id", "mentee_id", "status"):
        op.create_index(f"ix_pairings_{column}", "pairings", [column])
    op.create_table(
        "sessions",
        _id(),
        sa.Column("pairing_id", sa.Integer, sa.ForeignKey("pairings.id"), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("minutes", sa.Integer, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("scheduled_by", sa.Integer, sa.ForeignKey("participants.id"), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=True),
        sa.Column("outcome_at", UTCDateTime(), nullable=True),
        sa.Column("outcome_by", sa.Integer, sa.ForeignKey("participants.id"), nullable=True),
    )
    op.create_index("ix_sessions_pairing_id", "sessions", ["pairing_id"])
    op.create_table(
        "reflections",
        _id(),
        sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id"), nullable=False),
        sa.Column("author_id", sa.Integer, sa.ForeignKey("participants.id"), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("what_changed", sa.Text, nullable=False),
        sa.Column("will_do", sa.Text, nullable=False),
        sa.Column("visibility", sa.String(20), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("session_id", "author_id", name="uq_reflections_session_author"),
    )
    op.create_index("ix_reflections_session_id", "reflections", ["session_id"])
    op.create_table(
        "followups",
        _id(),
        sa.Column("pairing_id", sa.Integer, sa.ForeignKey("pairings.id"), nullable=False),
        sa.Column("reflection_id", sa.Integer, sa.ForeignKey("reflections.id"), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("done", sa.Boolean, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=True),
        sa.Column("done_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_followups_pairing_id", "followups", ["pairing_id"])
    op.create_table(
        "notifications",
        _id(),
        sa.Column("key", sa.String(200), nullable=False, unique=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("recipient_id", sa.Integer, sa.ForeignKey("participants.id"), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("series", sa.String(100), nullable=False),
        sa.Column("pairing_id", sa.Integer, sa.ForeignKey("pairings.id"), nullable=True),
        sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id"), nullable=True),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text, nullable=False),
        sa.Column("lease_owner", sa.String(100), nullable=True),
        sa.Column("lease_expires_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
    )
    for column in ("recipient_id", "series", "pairing_id"):
        op.create_index(f"ix_notifications_{column}", "notifications", [column])
    op.create_index("ix_notifications_status_due", "notifications", ["status", "due_at"])
    op.create_table(
        "processed_events",
        sa.Column("platform", sa.String(20), primary_key=True),
        sa.Column("event_id", sa.String(200), primary_key=True),
        sa.Column("seen_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "processed_events",
        "notifications",
        "followups",
        "reflections",
        "sessions",
        "pairings",
        "participants",
        "programs",
    ):
        op.drop_table(table)
