"""Owner figures about outcomes: objectives, follow-through, pulse and fit, and the questions
sent for them, summed from the figures each pairing keeps (storage/pair_figures.py) in owner
status's one pass over the pairs."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import case, func

from bot.domain.model import Stage
from bot.domain.outcomes import ObjectiveState
from bot.domain.ports import ProgramFigures, StageFigures
from storage import definitions
from storage.tables import pairings

STATES = tuple(ObjectiveState)
SUMMED = (
    *(f"objectives_{state}" for state in STATES),
    *("followups_planned", "followups_asked", "followups_done", "followups_dropped"),
    *("pulse_asked", "pulse_answers", "pulse_sum"),
    *(f"checkins_asked_{stage}" for stage in Stage),
)


def sums() -> list[Any]:
    """The aggregates `add` takes, for a select over pairings (grouped as it likes)."""
    p = pairings
    alert = definitions.doubted()
    return [*(func.sum(p.c[name]) for name in SUMMED), func.sum(case((alert, 1), else_=0))]


def add(figures: ProgramFigures, numbers: Any) -> None:
    """Add one group's values of `sums()`, in its order, to `figures` (its outcomes, and the
    check-in questions sent by stage)."""
    values = [int(n or 0) for n in numbers]
    states, values = values[: len(STATES)], values[len(STATES) :]
    planned, asked, done, dropped, pulses, answers, total = values[:7]
    checkins, (alerts,) = values[7:-1], values[-1:]
    found = figures.outcomes
    for state, number in zip(STATES, states, strict=True):
        if number:  # by state, as a count of the objectives grouped by state gives
            found.objectives[state.value] = found.objectives.get(state.value, 0) + number
    found.followups_planned += planned
    found.followups_asked += asked
    found.followups_done += done
    found.followups_dropped += dropped
    found.pulse_asked += pulses
    found.pulse_answers += answers
    found.pulse_sum += total
    found.fit_alerts += alerts
    for stage, number in zip(Stage, checkins, strict=True):
        if number:
            found = figures.checkins.get(stage.value, StageFigures())
            figures.checkins[stage.value] = replace(found, asked=found.asked + number)
