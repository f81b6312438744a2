"""One card after a held session (issue 24): the 1-5 rating is asked in the reflection card
(a REFLECT row), no longer as a PULSE row of its own, so a pair's ratings asked are its
REFLECT rows sent. Existing pairs are counted again that way here (before, every held
session sent each person both rows, so the figure stays what it was).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# storage/pair_figures.py's ASKED["pulse_asked"], written out: this revision must not change when
# that module later counts differently.
REFLECT_SENT = (
    "SELECT count(*) FROM notifications WHERE notifications.pairing_id = pairings.id "
    "AND notifications.status = 'sent' AND notifications.kind = 'reflect'"
)
PULSE_SENT = (
    "SELECT count(*) FROM notifications WHERE notifications.pairing_id = pairings.id "
    "AND notifications.status = 'sent' AND notifications.kind = 'pulse' "
    "AND notifications.series = 'pulse'"
)


def upgrade() -> None:
    op.execute(f"UPDATE pairings SET pulse_asked = ({REFLECT_SENT})")


def downgrade() -> None:
    op.execute(f"UPDATE pairings SET pulse_asked = ({PULSE_SENT})")
