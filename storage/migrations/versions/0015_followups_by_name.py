"""One word for a follow-up (issue 26): the figures each pairing keeps about its follow-ups
are named `followups_*`, as in the code, the export and the docs (they were `actions_*`).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

RENAMED = ("planned", "asked", "done", "dropped")


def _rename(old: str, new: str) -> None:
    for what in RENAMED:
        op.execute(f"ALTER TABLE pairings RENAME COLUMN {old}_{what} TO {new}_{what}")


def upgrade() -> None:
    _rename("actions", "followups")


def downgrade() -> None:
    _rename("followups", "actions")
