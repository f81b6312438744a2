"""Agendas: concrete items for a session, varied by session number and program objective."""

from __future__ import annotations

from bot.domain import copy
from bot.domain.model import Program


def agenda_items(program: Program, number: int, mentor: str, mentee: str) -> list[str]:
    """The suggested items for session `number` (1-based) of a pair in `program`."""
    plans = copy.agenda_plans(program.agenda_set or program.objective)
    plan = plans[(max(number, 1) - 1) % len(plans)]
    return [item.format(mentor=mentor, mentee=mentee) for item in plan]
