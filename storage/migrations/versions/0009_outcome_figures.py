"""Owner status's outcome figures from the same one pass over a program's pairings (issue 16):
each pairing keeps its objectives by state, its actions asked about (planned, done,
dropped), its follow-ups done (all, and those from reflections that are not private), its
pulse answers and their sum, and its "no" or "not sure" fit answers. Existing rows are
counted here; from now on the store keeps them (storage/pair_figures.py).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# The same counts as storage/pair_figures.py, written out: this revision must not change when that
# module later keeps more figures.
OBJECTIVES = "SELECT count(*) FROM objectives WHERE objectives.pairing_id = pairings.id"
ACTIONS = "SELECT count(*) FROM followups WHERE followups.pairing_id = pairings.id"
PULSES = "FROM pulses WHERE pulses.pairing_id = pairings.id"
SHARED = (
    "EXISTS (SELECT 1 FROM reflections WHERE reflections.id = followups.reflection_id "
    "AND reflections.visibility != 'private')"
)
COUNTS = {
    "objectives_not_started": f"{OBJECTIVES} AND objectives.state = 'not_started'",
    "objectives_started": f"{OBJECTIVES} AND objectives.state = 'started'",
    "objectives_done": f"{OBJECTIVES} AND objectives.state = 'done'",
    "actions_planned": f"{ACTIONS} AND followups.asks > 0",
    "actions_done": f"{ACTIONS} AND followups.asks > 0 AND followups.state = 'done'",
    "actions_dropped": f"{ACTIONS} AND followups.asks > 0 AND followups.state = 'dropped'",
    "implemented": f"{ACTIONS} AND followups.done",
    "implemented_shared": f"{ACTIONS} AND followups.done AND {SHARED}",
    "pulse_answers": f"SELECT count(*) {PULSES} AND pulses.kind = 'useful'",
    "pulse_sum": f"SELECT coalesce(sum(CAST(pulses.value AS INTEGER)), 0) {PULSES} "
    "AND pulses.kind = 'useful'",
    "fit_doubts": f"SELECT count(*) {PULSES} AND pulses.kind = 'fit' "
    "AND pulses.value IN ('no', 'not_sure')",
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
