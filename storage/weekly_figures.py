"""A program week by week, for owners' charts: counted from the stored sessions and pairings
in two statements, whatever the program's size.

- Sessions by week and outcome, and sessions booked by week: one count per week and status,
  each a range of the program's sessions index (program, status, start) or (program, created).
- Pairs under way at each week's end and those that had met within a cadence then: one pass
  over the program's pairings, joined to the spans of time each pair held sessions in (one
  grouped pass over the held sessions of the weeks, in pair order from an index, a few
  comparisons a session). A pair is under way at a moment when it had begun and not yet ended
  (paused or not), and counts as having met when it had held a session within one cadence
  before or had begun within one. (Owner status's "on cadence" also counts sessions booked
  ahead; which sessions were booked at a past moment is not kept.)
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Select,
    Subquery,
    and_,
    bindparam,
    case,
    cast,
    distinct,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.model import SessionStatus
from bot.domain.ports import Cutoffs, ProgramFigures, WeeklyFigures
from storage import status_figures
from storage.pair_figures import Figures
from storage.tables import pairings, sessions

WEEK = timedelta(days=7)
HELD, MISSED, SCHEDULED, CANCELLED = (
    s.value
    for s in (
        SessionStatus.HELD,
        SessionStatus.MISSED,
        SessionStatus.SCHEDULED,
        SessionStatus.CANCELLED,
    )
)


class SqlReports:
    """A transaction's reads for owners (bot.domain.ports.TxReports; `SqlTx.reports`): each
    first recounts the pairs the transaction changed, so its own changes count too."""

    def __init__(self, conn: AsyncConnection, figures: Figures) -> None:
        self.conn = conn
        self.figures = figures

    async def program_figures(self, program_id: int, cutoffs: Cutoffs) -> ProgramFigures:
        await self.figures.settle()
        return await status_figures.program_figures(self.conn, program_id, cutoffs)

    async def weekly_figures(
        self, program_id: int, week_ends: list[datetime], cadence: timedelta
    ) -> WeeklyFigures:
        await self.figures.settle()
        return await weekly_figures(self.conn, program_id, week_ends, cadence)


async def weekly_figures(
    conn: AsyncConnection, program_id: int, week_ends: list[datetime], cadence: timedelta
) -> WeeklyFigures:
    found = WeeklyFigures()
    if not week_ends:
        return found
    await _sessions_by_week(conn, found, program_id, week_ends)
    await _pairs_by_week(conn, found, program_id, week_ends, cadence)
    return found


async def _sessions_by_week(
    conn: AsyncConnection, found: WeeklyFigures, program_id: int, week_ends: list[datetime]
) -> None:
    values = {"program_id": program_id}
    for n, end in enumerate(week_ends):
        values |= {f"start_{n}": end - WEEK, f"end_{n}": end}
    query = _sessions_query(len(week_ends))
    row = [int(n or 0) for n in (await conn.execute(query, values)).one()]
    weeks = len(week_ends)
    found.held, found.missed, found.unconfirmed, found.booked = (
        row[n * weeks : (n + 1) * weeks] for n in range(4)
    )


# The statements are made once for each shape and reused with new values: building and keying
# one costs more than running it on a small program.
@cache
def _sessions_query(weeks: int) -> Select:
    """The counts of sessions by week and outcome, then booked by week; values: program_id,
    and start_n and end_n for each week."""
    s = sessions
    program = s.c.program_id == bindparam("program_id")

    def started(status: str, n: int) -> Any:
        week = (s.c.starts_at > bindparam(f"start_{n}"), s.c.starts_at <= bindparam(f"end_{n}"))
        return select(func.count()).where(program, s.c.status == status, *week).scalar_subquery()

    def booked(n: int) -> Any:
        week = (s.c.created_at > bindparam(f"start_{n}"), s.c.created_at <= bindparam(f"end_{n}"))
        return select(func.count()).where(program, *week, s.c.status != CANCELLED).scalar_subquery()

    return select(
        *(started(status, n) for status in (HELD, MISSED, SCHEDULED) for n in range(weeks)),
        *(booked(n) for n in range(weeks)),
    )


async def _pairs_by_week(
    conn: AsyncConnection,
    found: WeeklyFigures,
    program_id: int,
    week_ends: list[datetime],
    cadence: timedelta,
) -> None:
    # The moments that matter are the weeks' ends and a cadence before each: between two of
    # them a held session is within a cadence of the same weeks' ends. So each pair's held
    # sessions come back as the spans between those moments that they fell in, a bit each,
    # and week n asks whether the pair has a bit of the spans within a cadence of its end.
    cuts = sorted({*week_ends, *(end - cadence for end in week_ends)})
    values: dict[str, Any] = {"program_id": program_id}
    values |= {f"cut_{n}": cut for n, cut in enumerate(cuts)}
    for n, end in enumerate(week_ends):
        near = sum(1 << k for k in range(1, len(cuts)) if end - cadence <= cuts[k - 1] < end)
        values |= {f"end_{n}": end, f"recent_{n}": end - cadence, f"near_{n}": near}
    query = _pairs_query(len(week_ends), len(cuts), conn.dialect.name == "sqlite")
    row = [int(n or 0) for n in (await conn.execute(query, values)).one()]
    weeks = len(week_ends)
    proposed, accepted, first_held, reflected = row[:4]
    found.funnel = (proposed, accepted, first_held, reflected)
    found.active = row[4 : 4 + weeks]
    found.on_cadence = row[4 + weeks :]


@cache
def _pairs_query(weeks: int, cuts: int, sqlite: bool) -> Select:
    """The funnel, then pairs under way and those that met at each week's end; values:
    program_id, cut_k for each cut point (span k lies between cut_k-1 and cut_k), and
    end_n, recent_n (a cadence before it) and near_n (the bits of the spans within a
    cadence of it) for each week."""
    p = pairings
    held = _held_spans(cuts, sqlite)
    met_spans = func.coalesce(held.c.spans, 0)
    active, on_cadence = [], []
    for n in range(weeks):
        end = bindparam(f"end_{n}")
        going = and_(p.c.activated_at <= end, or_(p.c.ended_at.is_(None), p.c.ended_at > end))
        met = or_(
            met_spans.op("&")(bindparam(f"near_{n}")) != 0,
            p.c.activated_at > bindparam(f"recent_{n}"),
        )
        active.append(func.sum(case((going, 1), else_=0)))
        on_cadence.append(func.sum(case((and_(going, met), 1), else_=0)))
    funnel = (
        func.count(),
        func.sum(case((p.c.activated_at.is_not(None), 1), else_=0)),
        func.sum(case((p.c.held_count > 0, 1), else_=0)),
        func.sum(case((p.c.reflection_count > 0, 1), else_=0)),
    )
    return (
        select(*funnel, *active, *on_cadence)
        .select_from(p.outerjoin(held, held.c.pairing_id == p.c.id))
        .where(p.c.program_id == bindparam("program_id"))
    )


def _held_spans(cuts: int, sqlite: bool) -> Subquery:
    """Each pair of the program with the spans its held sessions fell in (the sum of their
    distinct bits), read in pair order from an index."""
    s = sessions
    start: Any = s.c.starts_at
    if sqlite:
        # Compared through an expression, so that SQLite reads the pair-ordered index
        # (ix_sessions_program_status_pair, which holds every column used here and needs
        # no sort to group) rather than the range by start. PostgreSQL would take this for
        # a rare condition and sort the sessions instead.
        start = func.coalesce(start, start)
    bits = cast(func.sum(distinct(_span_bit(s.c.starts_at, 1, cuts - 1))), BigInteger)
    return (
        select(s.c.pairing_id, bits.label("spans"))
        .where(
            s.c.program_id == bindparam("program_id"),
            s.c.status == HELD,
            start > bindparam("cut_0"),
            start <= bindparam(f"cut_{cuts - 1}"),
        )
        .group_by(s.c.pairing_id)
        .subquery()
    )


def _span_bit(moment: Any, first: int, last: int) -> Any:
    """The bit of the span among first..last that `moment` falls in (span k lies between
    cut_k-1 and cut_k, its bit is 1 << k), found by halving: a handful of comparisons for
    each session rather than two for each week."""
    if first == last:
        return literal_column(str(1 << first))
    half = (first + last) // 2
    return case(
        (moment <= bindparam(f"cut_{half}"), _span_bit(moment, first, half)),
        else_=_span_bit(moment, half + 1, last),
    )
