"""The junior mentor comes prepared (issue 29): a program's own topic guides, and each
pairing's prep notes sent to its mentor and the mentor's "were you heard?" answers (counted
here for the pairs already there: the agendas their mentors were sent).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

FIGURES = ("heard_yes", "heard_partly", "heard_no", "preps_sent")
# storage/pair_figures.py's "preps_sent", written out: this revision must not change when
# that module later counts differently.
PREPS_SENT = (
    "SELECT count(*) FROM notifications WHERE notifications.pairing_id = pairings.id "
    "AND notifications.kind = 'agenda' AND notifications.status = 'sent' "
    "AND notifications.recipient_id = pairings.mentor_id"
)


def upgrade() -> None:
    op.add_column("programs", sa.Column("guides", sa.JSON, nullable=True))
    for name in FIGURES:
        op.add_column("pairings", sa.Column(name, sa.Integer, nullable=False, server_default="0"))
    op.execute(f"UPDATE pairings SET preps_sent = ({PREPS_SENT})")


def downgrade() -> None:
    # In place (SQLite 3.35 and later drop a column): copying the table would drop the one
    # that pairings refer to.
    with op.batch_alter_table("pairings", recreate="never") as batch:
        for name in FIGURES:
            batch.drop_column(name)
    with op.batch_alter_table("programs", recreate="never") as batch:
        batch.drop_column("guides")
