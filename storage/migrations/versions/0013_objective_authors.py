"""Objectives keep who wrote them and who last moved them on, so that forget-me can empty
the text a person wrote (issue 25). Objectives written before this revision have no author.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

COLUMNS = ("written_by", "edited_by")


def upgrade() -> None:
    with op.batch_alter_table("objectives", recreate="always") as batch:
        for name in COLUMNS:
            batch.add_column(
                sa.Column(
                    name,
                    sa.Integer,
                    sa.ForeignKey("participants.id", name=f"fk_objectives_{name}"),
                    nullable=True,
                )
            )


def downgrade() -> None:
    with op.batch_alter_table("objectives", recreate="always") as batch:
        for name in reversed(COLUMNS):
            batch.drop_column(name)
