"""Owner figures about outcomes: objectives, follow-through, pulse and fit, summed from the
figures each pairing keeps (storage/figures.py) in owner status's one pass over the pairs,
and the questions sent for them counted through the outbox's series index."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.outcomes import ObjectiveState
from bot.domain.ports import OutcomeFacts
from bot.outbox.kinds import Kind, followthrough_series
from storage.tables import notifications, pairings

GOING = ("active", "paused")  # pairs whose fit doubts still call for the owners
STATES = tuple(ObjectiveState)
SUMMED = (
    *(f"objectives_{state}" for state in STATES),
    *("actions_planned", "actions_done", "actions_dropped", "pulse_answers", "pulse_sum"),
)


def sums() -> list[Any]:
    """The aggregates `add` takes, for a select over pairings (grouped as it likes)."""
    p = pairings
    alert = and_(p.c.status.in_(GOING), p.c.fit_doubts > 0)
    return [*(func.sum(p.c[name]) for name in SUMMED), func.sum(case((alert, 1), else_=0))]


def add(found: OutcomeFacts, numbers: Any) -> None:
    """Add one group's values of `sums()`, in its order, to `found`."""
    values = [int(n or 0) for n in numbers]
    states, (planned, done, dropped, answers, total, alerts) = values[:3], values[3:]
    for state, number in zip(STATES, states, strict=True):
        if number:  # by state, as a count of the objectives grouped by state gives
            found.objectives[state.value] = found.objectives.get(state.value, 0) + number
    found.actions_planned += planned
    found.actions_done += done
    found.actions_dropped += dropped
    found.pulse_answers += answers
    found.pulse_sum += total
    found.fit_alerts += alerts


async def count_asked(conn: AsyncConnection, found: OutcomeFacts, program_id: int) -> None:
    """First follow-through questions and pulse questions sent to the program's people."""
    in_program = select(pairings.c.id).where(pairings.c.program_id == program_id)
    found.actions_asked = await _sent(conn, followthrough_series(0), Kind.FOLLOWTHROUGH, in_program)
    found.pulse_asked = await _sent(conn, str(Kind.PULSE), Kind.PULSE, in_program)


async def _sent(conn: AsyncConnection, series: str, kind: Kind, in_program) -> int:
    """Questions of one kind sent to the program's people (through the series index)."""
    n = notifications
    query = select(func.count()).where(
        n.c.series == series, n.c.kind == kind, n.c.status == "sent", n.c.pairing_id.in_(in_program)
    )
    return int((await conn.execute(query)).scalar() or 0)
