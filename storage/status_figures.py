"""Owner status, counted in SQL: a program's pairs, sessions, reflections and outcomes.

No statement here reads a row per session, and only the pairs status names come back as
rows: the pairs are one pass over the program's pairings, each with its own figures
(storage/pair_figures.py); sessions by status are index ranges by program; every other
number is one indexed aggregate in COUNTS, all read in one statement.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.model import PairingStatus
from bot.domain.ports import Cutoffs, PairFigures, ProgramFigures, StageFigures
from storage import definitions, pair_figures
from storage.tables import (
    checkins,
    notifications,
    pairings,
    participants,
    pulses,
    sessions,
)

DECLINED = PairingStatus.DECLINED.value

# One number per program (a ProgramFigures field of the same name): a query of one aggregate,
# indexed by program. All of them are read together, in one statement.
COUNTS: dict[str, Callable[[int, Cutoffs], Select]] = {}


def count(name: str):
    """Register the query of one ProgramFigures number, given the program id and cutoffs."""

    def register(build: Callable[[int, Cutoffs], Select]) -> Callable[[int, Cutoffs], Select]:
        COUNTS[name] = build
        return build

    return register


def _pairs_of(program_id: int) -> Select:
    return select(pairings.c.id).where(pairings.c.program_id == program_id)


@count("failed")
def _failed(program_id: int, cut: Cutoffs) -> Select:
    return select(func.count()).where(_failed_in(program_id))


@count("mentors")
def _mentors(program_id: int, cut: Cutoffs) -> Select:
    p = pairings
    return select(func.count(p.c.mentor_id.distinct())).where(p.c.program_id == program_id)


def _failed_in(program_id: int):
    """Failed outbox rows of the program's pairs: found through the status index (failed rows
    are few), each checked against its pairing; not through the pairs, which would read
    every row the program ever queued."""
    n, p = notifications, pairings
    mine = select(p.c.id).where(p.c.id == n.c.pairing_id, p.c.program_id == program_id)
    return and_(n.c.status == "failed", mine.exists())


async def program_figures(conn: AsyncConnection, program_id: int, cut: Cutoffs) -> ProgramFigures:
    """One program's figures for owner status as of `cut.now` (see ProgramFigures)."""
    figures = ProgramFigures()
    numbers = select(
        *(build(program_id, cut).scalar_subquery().label(name) for name, build in COUNTS.items())
    )
    for name, value in (await conn.execute(numbers)).one()._mapping.items():
        setattr(figures, name, int(value or 0))
    await _pair_figures(conn, figures, program_id, cut)
    await _session_figures(conn, figures, program_id, cut)
    if figures.failed:
        n = notifications
        last = select(n.c.last_error).where(_failed_in(program_id))
        last = last.order_by(n.c.due_at.desc(), n.c.id.desc()).limit(1)
        figures.last_error = (await conn.execute(last)).scalar() or ""
    await _outcome_figures(conn, figures, program_id)
    return figures


async def _pair_figures(
    conn: AsyncConnection, figures: ProgramFigures, program_id: int, cut: Cutoffs
) -> None:
    """Pairs by status with their figures summed, then the few pairs status names."""
    p, s = pairings, sessions
    regular = definitions.regular(cut.now, cut.cadence, live=True)
    by_status = select(
        p.c.status,
        func.count().label("pairs"),
        func.sum(case((regular, 1), else_=0)).label("regular"),
        func.sum(case((definitions.active(cut.now), 1), else_=0)).label("active"),
        *pair_figures.sums(),
    ).where(p.c.program_id == program_id)
    for row in await conn.execute(by_status.group_by(p.c.status)):
        found = row._mapping
        figures.pairs[found["status"]] = found["pairs"]
        figures.active += found["active"] or 0
        figures.regular += found["regular"] or 0
        pair_figures.add(figures, found)
    at_risk = definitions.at_risk(cut.now, cut.cadence, live=True)
    declined = and_(p.c.status == DECLINED, p.c.declined_by.is_not(None))
    doubted = definitions.doubted()
    upcoming = select(func.min(s.c.starts_at)).where(
        s.c.pairing_id == p.c.id, s.c.status == definitions.SCHEDULED, s.c.starts_at > cut.now
    )
    named = (
        select(
            p.c.id,
            p.c.status,
            p.c.mentor_id,
            p.c.mentee_id,
            p.c.activated_at,
            p.c.escalated_at,
            p.c.declined_by,
            p.c.last_held_at.label("last_held"),
            upcoming.scalar_subquery().label("upcoming"),
        )
        .where(p.c.program_id == program_id)
        .order_by(p.c.id)
    )
    for row in await conn.execute(named.where(or_(at_risk, declined))):
        pair = PairFigures(**row._mapping)
        (figures.at_risk if pair.status != DECLINED else figures.declined).append(pair)
    if cut.doubted:  # counted above; status names only the first few
        first = named.where(doubted).limit(cut.doubted)
        figures.doubted = [PairFigures(**row._mapping) for row in await conn.execute(first)]


async def _session_figures(
    conn: AsyncConnection, figures: ProgramFigures, program_id: int, cut: Cutoffs
) -> None:
    """Scheduled sessions (ahead, or started and unconfirmed): each one range of the
    program's sessions index."""
    s = sessions

    def number(*where) -> Any:
        return select(func.count()).where(s.c.program_id == program_id, *where).scalar_subquery()

    scheduled = s.c.status == definitions.SCHEDULED
    found = select(number(scheduled), number(scheduled, s.c.starts_at <= cut.now))
    booked, unconfirmed = (await conn.execute(found)).one()
    # Scheduled sessions that have started are "unconfirmed": nobody said how it went. A
    # status is there only when it counts something, as the sums of held and missed are.
    for name, number in (("scheduled", booked - unconfirmed), ("unconfirmed", unconfirmed)):
        if number:
            figures.sessions[name] = number


async def _outcome_figures(conn: AsyncConnection, figures: ProgramFigures, program_id: int) -> None:
    """Check-in answers by stage (beside the questions sent, which the pairs count), the
    people we cannot reach, and the mentors whose suggestions were implemented."""
    p, c = pairings, checkins
    answers = (
        select(c.c.stage, func.count(), func.count(c.c.rating), func.sum(c.c.rating))
        .where(c.c.pairing_id.in_(_pairs_of(program_id)))
        .group_by(c.c.stage)
    )
    for stage, number, rated, total in await conn.execute(answers):
        found = figures.checkins.get(stage, StageFigures())
        figures.checkins[stage] = replace(
            found, answered=number, rated=rated, rating_sum=total or 0
        )
    # The mentors who answered "were you heard?" (the answers show from MIN_GROUP of them).
    heard = select(func.count(pulses.c.participant_id.distinct())).where(
        pulses.c.kind == "heard", pulses.c.pairing_id.in_(_pairs_of(program_id))
    )
    figures.outcomes.heard_mentors = (await conn.execute(heard)).scalar_one()
    person = participants.c.id
    in_live_pair = (
        select(p.c.id)
        .where(
            p.c.program_id == program_id,
            p.c.status.in_((PairingStatus.PROPOSED, PairingStatus.ACTIVE)),
            or_(p.c.mentor_id == person, p.c.mentee_id == person),
        )
        .exists()
    )
    # Few people are unreachable: start from them, then check their pairs.
    unreachable = select(person).where(participants.c.reachable.is_(False), in_live_pair)
    figures.unreachable = sorted((await conn.execute(unreachable)).scalars())
    if not figures.implemented:
        return
    # Mentors are named for suggestions from reflections that are not private, which each
    # pair counts as it goes (storage/pair_figures.py).
    shared = func.sum(p.c.implemented_shared)
    per_mentor = (
        select(p.c.mentor_id, shared)
        .where(p.c.program_id == program_id, p.c.implemented_shared > 0)
        .group_by(p.c.mentor_id)
        .order_by(shared.desc(), p.c.mentor_id)
        .limit(3)
    )
    figures.top_mentors = [(mentor, number) for mentor, number in await conn.execute(per_mentor)]
