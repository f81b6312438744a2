"""When each person last reached us (a send refused while they write in does not mark them
unreachable), and an index to prune the retry-dedupe table oldest first (issue 13).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from storage.tables import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain nullable ADD COLUMN: no table rebuild on SQLite.
    op.add_column("participants", sa.Column("contacted_at", UTCDateTime(), nullable=True))
    op.create_index("ix_processed_events_seen_at", "processed_events", ["seen_at"])


def downgrade() -> None:
    op.drop_index("ix_processed_events_seen_at", table_name="processed_events")
    with op.batch_alter_table("participants") as batch:
        batch.drop_column("contacted_at")
