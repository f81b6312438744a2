"""Each pairing's own figures for owner status, kept on its row by the store: sessions held
and missed, reflections, the start of the last held session, and its outcomes (objectives by
state; actions asked about, done and dropped; follow-ups done, all and from reflections that
are not private; pulse answers and their sum; "no" or "not sure" fit answers); and on each
session a copy of its pairing's program (for the program's time windows, see
storage/status_figures.py).

A transaction notes the pairs whose sessions, reflections (their session or visibility),
follow-ups, objectives or pulses it writes or deletes, or whose questions counted in ASKED it
marks sent (delivery's release), and recounts each of them from its own
rows just before it commits (`Figures.settle`), so the figures are always those of the rows
committed with them. On PostgreSQL the pairing rows are locked first, in a statement of
their own: the recount that follows then starts after any other transaction that recounted
the same pair has committed, and sees its rows (a recount in the locking statement itself
would read the rows as they were before it waited, and lose the other's change). SQLite runs
one writer at a time.

Nothing else writes these columns, and the engine never reads them (`tables.COLUMNS`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Integer, Select, and_, cast, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.kinds import Kind, checkin_series, followthrough_series
from bot.domain.model import FollowUp, Notification, NotificationStatus, Reflection, Session, Stage
from bot.domain.outcomes import Fit, FollowUpState, Objective, ObjectiveState, Pulse
from storage.tables import (
    TABLES,
    followups,
    notifications,
    objectives,
    pairings,
    pulses,
    reflections,
    sessions,
)

# Writing these fields of a record can change its pair's figures (a record of these types
# has a pairing_id; a reflection's pair is found through its session and its follow-ups).
COUNTED: dict[type, frozenset[str]] = {
    Session: frozenset({"status", "starts_at", "pairing_id"}),
    FollowUp: frozenset({"pairing_id", "reflection_id", "done", "state", "asks"}),
    Objective: frozenset({"pairing_id", "state"}),
    Pulse: frozenset({"pairing_id", "kind", "value"}),
}
REFLECTION_COUNTED = frozenset({"session_id", "visibility"})
SENT = NotificationStatus.SENT.value
# Questions sent, counted per pair (a figure: the kind and series of the outbox rows it
# counts, None for any series): the first ask of each follow-through action, session ratings
# (each post-session card asks one, flows/debrief.py), and check-ins by stage.
ASKED: dict[str, tuple[str, str | None]] = {
    "followups_asked": (Kind.FOLLOWTHROUGH, followthrough_series(0)),
    "pulse_asked": (Kind.REFLECT, None),
    **{f"checkins_asked_{s}": (Kind.CHECKIN, checkin_series(s)) for s in Stage},
}
DOUBTS = (Fit.NO.value, Fit.NOT_SURE.value)  # fit answers that may need the owners
CHUNK = 5_000  # pairs recounted per statement (ids are bound one parameter each)


def recount(pairing_ids: list[int]):
    """The UPDATE that sets these pairings' figures from their own rows."""
    p, s, r, f, o, u = pairings, sessions, reflections, followups, objectives, pulses
    n = notifications
    mine = s.c.pairing_id == p.c.id
    held = and_(mine, s.c.status == "held")

    def number(table, *where) -> Any:
        return select(func.count()).where(table.c.pairing_id == p.c.id, *where).scalar_subquery()

    planned = f.c.asks > 0
    shared = select(r.c.id).where(r.c.id == f.c.reflection_id, r.c.visibility != "private")
    useful = (u.c.pairing_id == p.c.id, u.c.kind == "useful")
    rating = func.coalesce(func.sum(cast(u.c.value, Integer)), 0)  # digits 1-5 (flows.pulse)
    states = {f"objectives_{state}": number(o, o.c.state == state) for state in ObjectiveState}
    asked = {
        name: number(
            n,
            n.c.kind == kind,
            n.c.status == SENT,
            *([] if series is None else [n.c.series == series]),
        )
        for name, (kind, series) in ASKED.items()
    }
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
            **states,
            followups_planned=number(f, planned),
            followups_done=number(f, planned, f.c.state == FollowUpState.DONE),
            followups_dropped=number(f, planned, f.c.state == FollowUpState.DROPPED),
            implemented=number(f, f.c.done.is_(True)),
            implemented_shared=number(f, f.c.done.is_(True), shared.exists()),
            pulse_answers=number(u, *useful[1:]),
            pulse_sum=select(rating).where(*useful).scalar_subquery(),
            fit_doubts=number(u, u.c.kind == "fit", u.c.value.in_(DOUBTS)),
            **asked,
        )
    )


def program_of(session: Session) -> Any:
    """The value a new session's program_id is inserted with: its pairing's program."""
    return (
        select(pairings.c.program_id).where(pairings.c.id == session.pairing_id).scalar_subquery()
    )


def _counts(record: Any, fields: tuple[str, ...]) -> bool:
    """Whether writing these fields of a record (of a type with a pairing_id) can change its
    pair's figures: a COUNTED field, or an outbox row marked sent that ASKED counts."""
    kind = type(record)
    if kind is Notification:
        written = not fields or "status" in fields
        return (
            written
            and record.status == SENT
            and any(
                record.kind == kind and series in (None, record.series)
                for kind, series in ASKED.values()
            )
        )
    return kind in COUNTED and (not fields or bool(COUNTED[kind] & set(fields)))


class Figures:
    """The pairs one transaction has touched, recounted by `settle`."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.pairing_ids: set[int] = set()
        self.session_ids: set[int] = set()  # of reflections written
        self.reflection_ids: set[int] = set()  # written: their follow-ups' pairs

    def wrote(self, records: Iterable[Any], fields: tuple[str, ...] = ()) -> None:
        """Note records added or saved (`fields`: the fields written, empty for all)."""
        for record in records:
            kind = type(record)
            if kind is Reflection:
                if not fields or REFLECTION_COUNTED & set(fields):
                    self.session_ids.add(record.session_id)
                    self.reflection_ids.add(record.id)
            elif _counts(record, fields):
                self.pairing_ids.add(record.pairing_id)

    async def deleting(self, record_type: type, rows: Select) -> None:
        """Note the pairs of the rows a delete is about to remove (`rows`: their ids)."""
        if record_type in COUNTED:
            table = TABLES[record_type]
            query = select(table.c.pairing_id).where(table.c.id.in_(rows))
            self.pairing_ids.update((await self.conn.execute(query)).scalars())
        elif record_type is Reflection:
            query = select(reflections.c.session_id).where(reflections.c.id.in_(rows))
            self.session_ids.update((await self.conn.execute(query)).scalars())

    async def settle(self) -> None:
        """Recount the touched pairs now (the store calls this before every commit)."""
        ids = set(self.pairing_ids)
        ids.update(await self._pairs(sessions.c.pairing_id, sessions.c.id, self.session_ids))
        f = followups
        ids.update(await self._pairs(f.c.pairing_id, f.c.reflection_id, self.reflection_ids))
        self.pairing_ids.clear()
        self.session_ids.clear()
        self.reflection_ids.clear()
        if not ids:
            return
        ordered = sorted(ids)
        for start in range(0, len(ordered), CHUNK):
            chunk = ordered[start : start + CHUNK]
            if self.conn.dialect.name == "postgresql":
                lock = select(pairings.c.id).where(pairings.c.id.in_(chunk)).order_by("id")
                await self.conn.execute(lock.with_for_update())
            await self.conn.execute(recount(chunk))

    async def _pairs(self, pairing_id, key, values: set[int]) -> set[int]:
        """The pairs of the rows whose `key` is one of `values`."""
        found: set[int] = set()
        ordered = sorted(values)
        for start in range(0, len(ordered), CHUNK):
            query = select(pairing_id).where(key.in_(ordered[start : start + CHUNK]))
            found.update((await self.conn.execute(query)).scalars())
        return found


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
