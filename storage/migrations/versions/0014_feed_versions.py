"""Calendar feeds and links (issue 25): sessions count their changes in `revision` (a
trigger moves it on with every UPDATE, whoever writes it: an older replica during a rolling
deploy, or plain SQL), so a feed polled again is answered from a cache until one of its
sessions changed; feed tokens
are kept as their SHA-256 digests, not in clear (the addresses already handed out keep
working); and people get a `link_generation`, which `calendar reset` moves on so that their
Teams invite links end with their feed's address.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


SQLITE_TRIGGER = """
CREATE TRIGGER sessions_revision AFTER UPDATE ON sessions FOR EACH ROW
WHEN NEW.revision = OLD.revision
BEGIN
    UPDATE sessions SET revision = OLD.revision + 1 WHERE id = NEW.id;
END
"""
POSTGRESQL_FUNCTION = """
CREATE FUNCTION sessions_revision() RETURNS trigger AS $$
BEGIN
    NEW.revision := OLD.revision + 1;
    RETURN NEW;
END
$$ LANGUAGE plpgsql
"""
POSTGRESQL_TRIGGER = """
CREATE TRIGGER sessions_revision BEFORE UPDATE ON sessions
FOR EACH ROW EXECUTE FUNCTION sessions_revision()
"""


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("revision", sa.Integer, nullable=False, server_default="0"))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRESQL_FUNCTION)
        op.execute(POSTGRESQL_TRIGGER)
    else:
        op.execute(SQLITE_TRIGGER)
    with op.batch_alter_table("participants") as batch:
        batch.add_column(
            sa.Column("link_generation", sa.Integer, nullable=False, server_default="0")
        )
    connection = op.get_bind()
    people = sa.table("participants", sa.column("id"), sa.column("calendar_token"))
    tokens = connection.execute(
        sa.select(people.c.id, people.c.calendar_token).where(people.c.calendar_token.isnot(None))
    ).all()
    for person_id, token in tokens:
        connection.execute(
            people.update()
            .where(people.c.id == person_id)
            .values(calendar_token=hashlib.sha256(token.encode()).hexdigest())
        )


def downgrade() -> None:
    # A digest cannot be turned back into its token: the feed addresses stop working, and
    # `calendar` makes new ones.
    op.execute("UPDATE participants SET calendar_token = NULL")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER sessions_revision ON sessions")
        op.execute("DROP FUNCTION sessions_revision()")
    else:
        op.execute("DROP TRIGGER sessions_revision")
    # SQLite drops a column in place (3.35 and later): rebuilding these tables would fail on
    # the foreign keys that name them.
    with op.batch_alter_table("participants", recreate="never") as batch:
        batch.drop_column("link_generation")
    with op.batch_alter_table("sessions", recreate="never") as batch:
        batch.drop_column("revision")
