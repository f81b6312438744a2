"""The learnings library's search, in the database itself: FTS5 on SQLite, a tsvector GIN
index on PostgreSQL (both made by migration 0007).

Who may read what (bot.policy.library's LibraryScope) is part of the same query, so a
visibility changed or a person forgotten a moment ago counts at once. People's words never
reach either database as search syntax: only runs of letters and digits are kept, each is
quoted as an FTS5 string on SQLite, and PostgreSQL gets them through plainto_tsquery.
"""

from __future__ import annotations

import re

from sqlalchemy import Integer, and_, column, false, func, literal_column, or_, select, table
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.model import Visibility
from bot.domain.ports import LearningEntry, LibraryScope
from storage.tables import followups, pairings, participants, reflections, sessions

_WORD = re.compile(r"[^\W_]+")
# The expression of ix_reflections_search, word for word: PostgreSQL uses the index only for
# the very expression it was built on (migration 0007's PG_DOCUMENT).
PG_DOCUMENT = "to_tsvector('english', reflections.what_changed || ' ' || reflections.will_do)"
# Readable reflections PostgreSQL reads newest first for a word before it asks the index.
PG_NEWEST = 500
FOUND = ("id", "program_id", "what_changed", "author_id", "anonymous", "created_at")
# The FTS5 table (SQLite): its rowid is the reflection's id; the hidden column named like the
# table is what MATCH is asked of.
FTS_TABLE = table("reflections_fts", column("rowid", Integer), column("reflections_fts"))


async def search(
    conn: AsyncConnection, scope: LibraryScope, words: list[str], limit: int
) -> list[LearningEntry]:
    """See bot.domain.ports.Tx.learnings."""
    if not scope or limit < 1:
        return []
    words = [w for word in words for w in _WORD.findall(word)]  # again: never trust the caller
    r, p, who = reflections, pairings, participants
    readable = or_(
        and_(r.c.visibility == Visibility.SHARED, p.c.program_id.in_(sorted(scope.shared)))
        if scope.shared
        else false(),
        and_(r.c.visibility == Visibility.PROGRAM, p.c.program_id.in_(sorted(scope.owned)))
        if scope.owned
        else false(),
    )
    columns = (r.c.id, p.c.program_id, r.c.what_changed, r.c.author_id, r.c.anonymous)
    joined = (
        r.join(sessions, sessions.c.id == r.c.session_id)
        .join(p, p.c.id == sessions.c.pairing_id)
        .join(who, who.c.id == r.c.author_id)
    )
    # A forgotten author's reflections keep their rows, emptied: never listed.
    conditions = [readable, who.c.forgotten_at.is_(None), r.c.what_changed != ""]
    readable_rows = select(*columns, r.c.created_at).select_from(joined).where(*conditions)
    if not words:
        query = readable_rows.order_by(r.c.id.desc()).limit(limit)
        rows = (await conn.execute(query)).all()
    elif conn.dialect.name == "sqlite":
        # Driven from the FTS5 table, newest match first: FTS5 walks its index by rowid in
        # either order, so the first `limit` readable matches end the search.
        phrase = " ".join(f'"{w}"' for w in words)  # each an FTS5 string, never an operator
        query = (
            select(*columns, r.c.created_at)
            .select_from(FTS_TABLE.join(joined, r.c.id == FTS_TABLE.c.rowid))
            .where(*conditions, FTS_TABLE.c.reflections_fts.op("MATCH")(phrase))
            .order_by(FTS_TABLE.c.rowid.desc())
            .limit(limit)
        )
        rows = (await conn.execute(query)).all()
    else:
        rows = await _postgres(conn, readable_rows, words, limit)
    done = await _done(conn, [row.id for row in rows])
    return [
        LearningEntry(
            id=row.id,
            program_id=row.program_id,
            what_changed=row.what_changed,
            author_id=None if row.anonymous else row.author_id,
            created_at=row.created_at,
            done=tuple(done.get(row.id, ())),
        )
        for row in rows
    ]


async def _postgres(conn: AsyncConnection, readable_rows, words: list[str], limit: int):
    """The newest readable reflections holding every word, on PostgreSQL, in two steps.

    A common word is found among the newest readable reflections, each turned into words as
    it is read (cheap: a few dozen rows). Only when those PG_NEWEST do not hold `limit`
    matches is the GIN index asked for every match, readable or not (few, for a word that
    is not common); the planner alone would sometimes read backwards through every
    reflection turning each into words, when the newest ones are not readable (another
    program's) and the word common.
    """
    r = reflections
    terms = func.plainto_tsquery(literal_column("'english'"), " ".join(words))
    newest = readable_rows.add_columns(r.c.will_do).order_by(r.c.id.desc()).limit(PG_NEWEST)
    newest = newest.subquery("newest")
    document = func.to_tsvector(
        literal_column("'english'"), newest.c.what_changed + " " + newest.c.will_do
    )
    first = (
        select(*[newest.c[name] for name in FOUND])
        .where(document.bool_op("@@")(terms))
        .order_by(newest.c.id.desc())
        .limit(limit)
    )
    rows = (await conn.execute(first)).all()
    if len(rows) == limit:
        return rows
    matched = (
        select(r.c.id.label("matched_id"))
        .where(literal_column(PG_DOCUMENT).bool_op("@@")(terms))
        .cte("matched")
        .prefix_with("MATERIALIZED")  # the index, whatever the planner guesses
    )
    query = readable_rows.join(matched, matched.c.matched_id == r.c.id)
    return (await conn.execute(query.order_by(r.c.id.desc()).limit(limit))).all()


async def _done(conn: AsyncConnection, ids: list[int]) -> dict[int, list[str]]:
    """The texts of these reflections' follow-ups marked done, oldest first."""
    if not ids:
        return {}
    f = followups
    query = (
        select(f.c.reflection_id, f.c.text)
        .where(f.c.reflection_id.in_(ids), f.c.done.is_(True), f.c.text != "")
        .order_by(f.c.id)
    )
    found: dict[int, list[str]] = {}
    for reflection_id, done_text in await conn.execute(query):
        found.setdefault(reflection_id, []).append(done_text)
    return found
