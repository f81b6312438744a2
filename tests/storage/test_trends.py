"""A program week by week (owners' charts), as the store counts it: the same as counting the
rows themselves, on both databases, for week ends that fall on, just before and just after
the moments the rows were written at."""

import random
from datetime import timedelta

import pytest

from bot.domain.model import Pairing, Reflection, Session
from bot.domain.ports import WeeklyFigures
from bot.flows.charts import week_ends
from tests.storage.support import NOW, TICK, world

WEEK = timedelta(days=7)


async def _counted(store, program, ends) -> WeeklyFigures:
    """The trends counted in Python from every row of the program."""
    async with store.transaction() as tx:
        pairs = await tx.find(Pairing, program_id=program.id)
        sessions = await tx.find(Session, pairing_id=[p.id for p in pairs])
        written = await tx.find(Reflection, session_id=[s.id for s in sessions])
    reflected = {s.pairing_id for s in sessions if s.id in {r.session_id for r in written}}
    found = WeeklyFigures()

    def started(status: str, end) -> int:
        return sum(1 for s in sessions if s.status == status and end - WEEK < s.starts_at <= end)

    for end in ends:
        found.held.append(started("held", end))
        found.missed.append(started("missed", end))
        found.unconfirmed.append(started("scheduled", end))
        booked = [s for s in sessions if s.status != "cancelled"]
        found.booked.append(sum(1 for s in booked if end - WEEK < s.created_at <= end))
        going = [
            p
            for p in pairs
            if p.activated_at is not None
            and p.activated_at <= end
            and (p.ended_at is None or p.ended_at > end)
        ]
        found.active.append(len(going))
        c = program.cadence
        met = [
            p
            for p in going
            if p.activated_at > end - c
            or any(
                s.pairing_id == p.id and s.status == "held" and end - c < s.starts_at <= end
                for s in sessions
            )
        ]
        found.on_cadence.append(len(met))
    held = {s.pairing_id for s in sessions if s.status == "held"}
    found.funnel = (
        len(pairs),
        sum(1 for p in pairs if p.activated_at is not None),
        sum(1 for p in pairs if p.id in held),
        sum(1 for p in pairs if p.id in reflected),
    )
    return found


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_the_weeks_are_what_counting_the_rows_gives(store, seed):
    rng = random.Random(seed)
    programs = await world(store, rng)
    async with store.transaction() as tx:  # some pairs ended, at moments near the weeks' ends
        pairs = await tx.find(Pairing)
        for pair in rng.sample(pairs, len(pairs) // 3):
            if pair.activated_at is not None:
                pair.ended_at = pair.activated_at + rng.choice((TICK, WEEK, 3 * WEEK))
                await tx.save(pair, fields=("ended_at",))
    checked = 0
    for program in programs:
        for shift in (timedelta(0), TICK, -TICK, timedelta(days=3)):
            ends = week_ends(NOW + shift)
            async with store.reading() as tx:
                found = await tx.reports.weekly_figures(program.id, ends, program.cadence)
            assert found == await _counted(store, program, ends), (program.name, shift)
            checked += sum(found.held) + sum(found.on_cadence) + sum(found.active)
    assert checked, "the world has sessions and pairs in the weeks"


async def test_a_program_without_pairs_has_empty_weeks(store):
    from bot.domain.model import Program

    async with store.transaction() as tx:
        program = await tx.add(Program(name="Empty"))
    async with store.reading() as tx:
        found = await tx.reports.weekly_figures(program.id, week_ends(NOW), program.cadence)
    assert found.held == found.on_cadence == found.active == [0] * 12
    assert found.funnel == (0, 0, 0, 0)
