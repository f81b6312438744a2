"""Owner figures about outcomes, counted in SQL: objectives, follow-through, pulse, fit."""

from __future__ import annotations

from sqlalchemy import Integer, and_, cast, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.ports import OutcomeFacts
from bot.outbox.kinds import Kind, followthrough_series
from storage.tables import followups, notifications, objectives, pairings, pulses

# Fit answers that tell the owners a pair may need a hand.
DOUBTS = ("no", "not_sure")
GOING = ("active", "paused")


async def outcome_facts(conn: AsyncConnection, program_id: int) -> OutcomeFacts:
    """One grouped count per subject, each through an index on the pair (or the series)."""
    p, o, f, u = pairings, objectives, followups, pulses
    in_program = select(p.c.id).where(p.c.program_id == program_id)
    found = OutcomeFacts()
    by_state = select(o.c.state, func.count()).where(o.c.pairing_id.in_(in_program))
    found.objectives = dict((await conn.execute(by_state.group_by(o.c.state))).all())
    # Planned actions ("will do" lines; a mentee's "implemented" is not asked about).
    planned = and_(f.c.pairing_id.in_(in_program), f.c.asks > 0)
    by_action = select(f.c.state, func.count()).where(planned).group_by(f.c.state)
    for state, count in await conn.execute(by_action):
        found.actions_planned += count
        found.actions_done += count if state == "done" else 0
        found.actions_dropped += count if state == "dropped" else 0
    found.actions_asked = await _sent(conn, followthrough_series(0), Kind.FOLLOWTHROUGH, in_program)
    found.pulse_asked = await _sent(conn, str(Kind.PULSE), Kind.PULSE, in_program)
    # Ratings are the digits 1 to 5 (pulse.RATINGS); counted here, not read row by row.
    rating = cast(u.c.value, Integer)
    useful = select(func.count(), func.sum(rating)).where(
        u.c.kind == "useful", u.c.pairing_id.in_(in_program)
    )
    answers, total = (await conn.execute(useful)).one()
    found.pulse_answers, found.pulse_sum = answers, int(total or 0)
    going = select(p.c.id).where(p.c.program_id == program_id, p.c.status.in_(GOING))
    doubts = select(func.count(func.distinct(u.c.pairing_id))).where(
        u.c.kind == Kind.FIT, u.c.value.in_(DOUBTS), u.c.pairing_id.in_(going)
    )
    found.fit_alerts = int((await conn.execute(doubts)).scalar() or 0)
    return found


async def _sent(conn: AsyncConnection, series: str, kind: Kind, in_program) -> int:
    """Questions of one kind sent to the program's people (through the series index)."""
    n = notifications
    query = select(func.count()).where(
        n.c.series == series, n.c.kind == kind, n.c.status == "sent", n.c.pairing_id.in_(in_program)
    )
    return int((await conn.execute(query)).scalar() or 0)
