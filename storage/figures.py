"""Each pairing's own figures for owner status, kept on its row by the store: sessions held
and missed, reflections, and the start of the last held session; and on each session a copy
of its pairing's program (for the program's time windows, see storage/facts.py).

A transaction notes the pairs whose sessions or reflections it writes, and recounts each of
them from its own rows just before it commits (`Figures.settle`), so the figures are always
those of the rows committed with them. On PostgreSQL the pairing rows are locked first, in a
statement of their own: the recount that follows then starts after any other transaction
that recounted the same pair has committed, and sees its rows (a recount in the locking
statement itself would read the rows as they were before it waited, and lose the other's
change). SQLite runs one writer at a time.

Nothing else writes these columns, and the engine never reads them (`tables.COLUMNS`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.model import Reflection, Session
from storage.tables import pairings, reflections, sessions

# Writing these fields of a session can change its pair's figures.
COUNTED = frozenset({"status", "starts_at", "pairing_id"})
CHUNK = 5_000  # pairs recounted per statement (ids are bound one parameter each)


def recount(pairing_ids: list[int]):
    """The UPDATE that sets these pairings' figures from their sessions and reflections."""
    p, s, r = pairings, sessions, reflections
    mine = s.c.pairing_id == p.c.id
    held = and_(mine, s.c.status == "held")
    return (
        update(p)
        .where(p.c.id.in_(pairing_ids))
        .values(
            held_count=select(func.count()).where(held).scalar_subquery(),
            missed_count=select(func.count()).where(mine, s.c.status == "missed").scalar_subquery(),
            reflection_count=select(func.count())
            .select_from(r.join(s, r.c.session_id == s.c.id))
            .where(mine)
            .scalar_subquery(),
            last_held_at=select(func.max(s.c.starts_at)).where(held).scalar_subquery(),
        )
    )


def program_of(session: Session) -> Any:
    """The value a new session's program_id is inserted with: its pairing's program."""
    return (
        select(pairings.c.program_id).where(pairings.c.id == session.pairing_id).scalar_subquery()
    )


class Figures:
    """The pairs one transaction has touched, recounted by `settle`."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.pairing_ids: set[int] = set()
        self.session_ids: set[int] = set()  # of reflections written

    def wrote(self, records: Iterable[Any], fields: tuple[str, ...] = ()) -> None:
        """Note records added or saved (`fields`: the fields written, empty for all)."""
        for record in records:
            if isinstance(record, Session) and (not fields or COUNTED & set(fields)):
                self.pairing_ids.add(record.pairing_id)
            elif isinstance(record, Reflection) and (not fields or "session_id" in fields):
                self.session_ids.add(record.session_id)

    async def deleting(self, record_type: type, rows: Select) -> None:
        """Note the pairs of the rows a delete is about to remove (`rows`: their ids)."""
        if record_type is Session:
            query = select(sessions.c.pairing_id).where(sessions.c.id.in_(rows))
            self.pairing_ids.update((await self.conn.execute(query)).scalars())
        elif record_type is Reflection:
            query = select(reflections.c.session_id).where(reflections.c.id.in_(rows))
            self.session_ids.update((await self.conn.execute(query)).scalars())

    async def settle(self) -> None:
        """Recount the touched pairs now (the store calls this before every commit)."""
        ids = set(self.pairing_ids)
        if self.session_ids:
            query = select(sessions.c.pairing_id).where(sessions.c.id.in_(self.session_ids))
            ids.update((await self.conn.execute(query)).scalars())
        self.pairing_ids.clear()
        self.session_ids.clear()
        if not ids:
            return
        ordered = sorted(ids)
        for start in range(0, len(ordered), CHUNK):
            chunk = ordered[start : start + CHUNK]
            if self.conn.dialect.name == "postgresql":
                lock = select(pairings.c.id).where(pairings.c.id.in_(chunk)).order_by("id")
                await self.conn.execute(lock.with_for_update())
            await self.conn.execute(recount(chunk))


async def refresh_all(conn: AsyncConnection) -> None:
    """Give every session its program and recount every pair: for rows written around the
    store (the benchmarks' bulk inserts), as migration 0008 did for the rows before it."""
    s = sessions
    program = select(pairings.c.program_id).where(pairings.c.id == s.c.pairing_id)
    missing = update(s).where(s.c.program_id.is_(None))
    await conn.execute(missing.values(program_id=program.scalar_subquery()))
    figures = Figures(conn)
    figures.pairing_ids.update((await conn.execute(select(pairings.c.id))).scalars())
    await figures.settle()
