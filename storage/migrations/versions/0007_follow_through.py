"""Objectives, follow-through, session pulse and the learnings library (issue 16).

Adds each program's follow-up interval, a follow-up's state and ask count, anonymous
reflections, the objectives and pulses tables, and full-text search over reflections: an
external-content FTS5 table kept by triggers on SQLite, an expression GIN index on
PostgreSQL (the query in storage/learnings.py repeats its expression).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from storage.tables import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# The same words on both databases: English stemming, so "tests" finds "testing".
PG_DOCUMENT = "to_tsvector('english', what_changed || ' ' || will_do)"
SQLITE_FTS = (
    "CREATE VIRTUAL TABLE reflections_fts USING fts5("
    "what_changed, will_do, content='reflections', content_rowid='id', "
    "tokenize='porter unicode61')"
)
SQLITE_TRIGGERS = (
    "CREATE TRIGGER reflections_fts_insert AFTER INSERT ON reflections BEGIN "
    "INSERT INTO reflections_fts(rowid, what_changed, will_do) "
    "VALUES (new.id, new.what_changed, new.will_do); END",
    "CREATE TRIGGER reflections_fts_delete AFTER DELETE ON reflections BEGIN "
    "INSERT INTO reflections_fts(reflections_fts, rowid, what_changed, will_do) "
    "VALUES ('delete', old.id, old.what_changed, old.will_do); END",
    "CREATE TRIGGER reflections_fts_update AFTER UPDATE OF what_changed, will_do "
    "ON reflections BEGIN "
    "INSERT INTO reflections_fts(reflections_fts, rowid, what_changed, will_do) "
    "VALUES ('delete', old.id, old.what_changed, old.will_do); "
    "INSERT INTO reflections_fts(rowid, what_changed, will_do) "
    "VALUES (new.id, new.what_changed, new.will_do); END",
)


def upgrade() -> None:
    with op.batch_alter_table("programs", recreate="never") as batch:
        batch.add_column(
            sa.Column("followup_days", sa.Integer, nullable=False, server_default="30")
        )
    with op.batch_alter_table("reflections", recreate="never") as batch:
        batch.add_column(
            sa.Column("anonymous", sa.Boolean, nullable=False, server_default=sa.false())
        )
    op.create_index("ix_reflections_visibility", "reflections", ["visibility", "id"])
    with op.batch_alter_table("followups", recreate="never") as batch:
        batch.add_column(sa.Column("state", sa.String(20), nullable=False, server_default="open"))
        batch.add_column(sa.Column("asks", sa.Integer, nullable=False, server_default="0"))
    op.execute("UPDATE followups SET state = 'done' WHERE done")
    op.create_index("ix_followups_reflection", "followups", ["reflection_id"])
    op.create_table(
        "objectives",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("pairing_id", sa.Integer, sa.ForeignKey("pairings.id"), nullable=False),
        sa.Column("text", sa.String(200), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("done_on", sa.Date, nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_objectives_pairing_id", "objectives", ["pairing_id"])
    op.create_table(
        "pulses",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("pairing_id", sa.Integer, sa.ForeignKey("pairings.id"), nullable=False),
        sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id"), nullable=False),
        sa.Column("participant_id", sa.Integer, sa.ForeignKey("participants.id"), nullable=False),
        sa.Column("value", sa.String(10), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("kind", "session_id", "participant_id", name="uq_pulses_once"),
    )
    op.create_index("ix_pulses_pairing_id", "pulses", ["pairing_id"])
    if op.get_bind().dialect.name == "sqlite":
        op.execute(SQLITE_FTS)
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)
        op.execute("INSERT INTO reflections_fts(reflections_fts) VALUES ('rebuild')")
    else:
        op.execute(f"CREATE INDEX ix_reflections_search ON reflections USING gin ({PG_DOCUMENT})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER reflections_fts_{name}")
        op.execute("DROP TABLE reflections_fts")
    else:
        op.execute("DROP INDEX ix_reflections_search")
    op.drop_index("ix_pulses_pairing_id", table_name="pulses")
    op.drop_table("pulses")
    op.drop_index("ix_objectives_pairing_id", table_name="objectives")
    op.drop_table("objectives")
    op.drop_index("ix_followups_reflection", table_name="followups")
    with op.batch_alter_table("followups") as batch:
        batch.drop_column("asks")
        batch.drop_column("state")
    op.drop_index("ix_reflections_visibility", table_name="reflections")
    with op.batch_alter_table("reflections") as batch:
        batch.drop_column("anonymous")
    with op.batch_alter_table("programs") as batch:
        batch.drop_column("followup_days")
