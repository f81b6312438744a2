"""A program setting (issue 28): whether the booking form takes a time outside the
partner's working hours. Off by default: the form refuses one and offers two that fit.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("programs", recreate="never") as batch:
        batch.add_column(
            sa.Column("allow_outside_hours", sa.Boolean, nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    # In place (SQLite 3.35 and later drop a column): copying the table would drop the one
    # that pairings refer to.
    with op.batch_alter_table("programs", recreate="never") as batch:
        batch.drop_column("allow_outside_hours")
