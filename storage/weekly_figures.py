"""A program week by week, for owners' charts, the digest and the export (what each figure
means: storage/definitions.py).

A closed week's figures are counted once, as of its end, and written to `program_weeks` by
the tick after it closed (`close_weeks`); every report reads them from there, so the same
week shows the same numbers wherever and whenever it is read. A closed week not written yet
(the tick has not run since) is counted the same way; the current week is counted as of now.
Each week is one statement of a few indexed counts; the funnel is one pass over the
program's pairings and the figures they keep.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.outcomes import FollowUpState
from bot.domain.ports import Change, Cutoffs, ProgramFigures, Week, WeekFigures, WeeklyFigures
from storage import definitions, status_figures
from storage.pair_figures import Figures
from storage.tables import WEEK_FIGURES, followups, pairings, program_weeks, reflections
from storage.timestamps import utcnow


class SqlReports:
    """A transaction's reads for owners (bot.domain.ports.TxReports; `SqlTx.reports`), and
    the recount of the pairs it touched (`recount`): a read refuses to miss the
    transaction's own changes (storage.pair_figures.StaleFigures). The
    pairs status counted as of now (active, meeting regularly, at risk: the same
    definitions) are the current week's too, and are not counted again."""

    def __init__(self, conn: AsyncConnection, figures: Figures) -> None:
        self.conn = conn
        self.figures = figures
        self._pairs_now: dict[tuple[int, datetime, timedelta], dict[str, int]] = {}

    async def recount(self) -> None:
        await self.figures.recount()

    async def program_figures(self, program_id: int, cutoffs: Cutoffs) -> ProgramFigures:
        self.figures.check("reading a program's figures")
        found = await status_figures.program_figures(self.conn, program_id, cutoffs)
        pairs = {"active": found.active, "regular": found.regular, "at_risk": len(found.at_risk)}
        self._pairs_now[(program_id, cutoffs.now, cutoffs.cadence)] = pairs
        return found

    async def weekly_figures(
        self, program_id: int, weeks: list[Week], cadence: timedelta, now: datetime
    ) -> WeeklyFigures:
        self.figures.check("reading a program's weeks")
        written = await _written(self.conn, program_id, weeks)
        found = WeeklyFigures(funnel=await _funnel(self.conn, program_id))
        for week in weeks:
            closed = week.closed(now)
            counted = written.get(week.monday) if closed else None
            if counted is None:
                at = week.until if closed else now
                pairs = None if closed else self._pairs_now.get((program_id, now, cadence))
                counted = await _count(
                    self.conn, program_id, week, at, cadence, live=not closed, pairs=pairs
                )
            found.weeks.append(WeekFigures(week, closed, **counted))
        return found

    async def changes(
        self, program_id: int, start: datetime, until: datetime, limit: int
    ) -> list[Change]:
        named, joined = definitions.changed(program_id)
        r, f = reflections, followups
        said = (
            select(r.c.author_id, r.c.what_changed, r.c.created_at)
            .select_from(joined)
            .where(named, r.c.created_at >= start, r.c.created_at < until, r.c.what_changed != "")
            .order_by(r.c.created_at.desc(), r.c.id.desc())
            .limit(limit)
        )
        done = (
            select(r.c.author_id, f.c.text, f.c.done_at)
            .select_from(joined.join(f, f.c.reflection_id == r.c.id))
            .where(
                named, f.c.state == FollowUpState.DONE, f.c.done_at >= start, f.c.done_at < until
            )
            .order_by(f.c.done_at.desc(), f.c.id.desc())
            .limit(limit)
        )
        found = [Change(*row) for row in await self.conn.execute(said)]
        found += [Change(*row, done=True) for row in await self.conn.execute(done)]
        return sorted(found, key=lambda c: c.at, reverse=True)[:limit]

    async def close_weeks(self, program_id: int, weeks: list[Week], cadence: timedelta) -> int:
        self.figures.check("closing a program's weeks")
        written = await _written(self.conn, program_id, weeks)
        closed = 0
        for week in weeks:
            if week.monday in written:
                continue
            counted = await _count(self.conn, program_id, week, week.until, cadence, live=False)
            row = {"program_id": program_id, "week": week.monday, **counted}
            insert = pg_insert if self.conn.dialect.name == "postgresql" else sqlite_insert
            # Another process may close the same week at the same moment: the first one wins.
            statement = insert(program_weeks).values(**row, closed_at=utcnow())
            done = await self.conn.execute(statement.on_conflict_do_nothing())
            closed += done.rowcount or 0
        return closed


async def _written(
    conn: AsyncConnection, program_id: int, weeks: list[Week]
) -> dict[object, dict[str, int]]:
    if not weeks:
        return {}
    w = program_weeks
    query = select(w.c.week, *(w.c[name] for name in WEEK_FIGURES)).where(
        w.c.program_id == program_id,
        w.c.week >= weeks[0].monday,
        w.c.week <= weeks[-1].monday,
    )
    return {
        row.week: {name: row._mapping[name] for name in WEEK_FIGURES}
        for row in await conn.execute(query)
    }


async def _count(
    conn: AsyncConnection,
    program_id: int,
    week: Week,
    at: datetime,
    cadence: timedelta,
    *,
    live: bool,
    pairs: dict[str, int] | None = None,
) -> dict[str, int]:
    """One week's figures as of `at`, in one statement (its pairs' counted already, when
    given)."""
    numbers = definitions.week_sessions(program_id, week.start, at)
    if pairs is None:
        numbers |= definitions.week_pairs(program_id, at, cadence, live)
    row = (await conn.execute(select(*(v.label(k) for k, v in numbers.items())))).one()
    counted = {name: int(value or 0) for name, value in row._mapping.items()}
    return {name: counted[name] if name in counted else pairs[name] for name in WEEK_FIGURES}


async def _funnel(conn: AsyncConnection, program_id: int) -> tuple[int, int, int, int]:
    p = pairings
    query = select(
        func.count(),
        func.sum(case((p.c.activated_at.is_not(None), 1), else_=0)),
        func.sum(case((p.c.held_count > 0, 1), else_=0)),
        func.sum(case((p.c.reflection_count > 0, 1), else_=0)),
    ).where(p.c.program_id == program_id)
    proposed, accepted, first_held, reflected = (await conn.execute(query)).one()
    return (proposed, accepted or 0, first_held or 0, reflected or 0)
