"""Owner status's questions sent from the same one pass over a program's pairings (issue 16):
each pairing keeps how many first follow-through questions, session pulses and check-in
questions (by stage) went out to its people, where status counted outbox rows through the
series index on every call. Existing rows are counted here; from now on the store keeps
them when delivery marks such a row sent (storage/pair_figures.py).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _sent(kind: str, series: str) -> str:
    """The same count as storage/pair_figures.py's ASKED, written out: this revision must not
    change when that module later keeps more figures."""
    return (
        "SELECT count(*) FROM notifications WHERE notifications.pairing_id = pairings.id "
        f"AND notifications.status = 'sent' AND notifications.kind = '{kind}' "
        f"AND notifications.series = '{series}'"
    )


COUNTS = {
    "actions_asked": _sent("followthrough", "followthrough:0"),
    "pulse_asked": _sent("pulse", "pulse"),
    **{
        f"checkins_asked_{stage}": _sent("checkin", f"checkin:{stage}")
        for stage in ("expectations", "midpoint", "final")
    },
}


def upgrade() -> None:
    # Plain ADD COLUMNs with defaults: no table rebuild on SQLite.
    with op.batch_alter_table("pairings", recreate="never") as batch:
        for name in COUNTS:
            batch.add_column(sa.Column(name, sa.Integer, nullable=False, server_default="0"))
    sets = ", ".join(f"{name} = ({query})" for name, query in COUNTS.items())
    op.execute(f"UPDATE pairings SET {sets}")


def downgrade() -> None:
    with op.batch_alter_table("pairings") as batch:
        for name in reversed(list(COUNTS)):
            batch.drop_column(name)
