"""Calendar invites (issue 14): each session's event uid, sequence, place, zone and series
rule; people's e-mail addresses and calendar feed secrets.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from storage.tables import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMNs (with defaults where NOT NULL): no table rebuild on SQLite.
    with op.batch_alter_table("sessions", recreate="never") as batch:
        batch.add_column(sa.Column("uid", sa.String(100), nullable=True))
        batch.add_column(sa.Column("sequence", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("location", sa.String(300), nullable=False, server_default=""))
        batch.add_column(sa.Column("tzid", sa.String(64), nullable=False, server_default="UTC"))
        batch.add_column(sa.Column("recurrence_id", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("repeat_days", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("repeat_count", sa.Integer, nullable=False, server_default="0"))
    # Sessions booked before invites existed get a uid of their own, so a later move or
    # cancellation can name them.
    op.execute(
        "UPDATE sessions SET uid = 'mentorbot-session-' || CAST(id AS VARCHAR) || '@mentorbot' "
        "WHERE uid IS NULL"
    )
    op.create_index("ix_sessions_uid", "sessions", ["uid"])
    with op.batch_alter_table("participants", recreate="never") as batch:
        batch.add_column(sa.Column("email", sa.String(320), nullable=False, server_default=""))
        batch.add_column(sa.Column("calendar_token", sa.String(64), nullable=True))
    op.create_index(
        "ix_participants_calendar_token", "participants", ["calendar_token"], unique=True
    )


def downgrade() -> None:
    op.drop_index("ix_participants_calendar_token", table_name="participants")
    with op.batch_alter_table("participants") as batch:
        batch.drop_column("calendar_token")
        batch.drop_column("email")
    op.drop_index("ix_sessions_uid", table_name="sessions")
    with op.batch_alter_table("sessions") as batch:
        for name in (
            "repeat_count",
            "repeat_days",
            "recurrence_id",
            "tzid",
            "location",
            "sequence",
            "uid",
        ):
            batch.drop_column(name)
