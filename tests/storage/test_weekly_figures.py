"""A program week by week (owners' charts, the digest, the export), as the store counts it:
the same as counting the rows themselves by storage/definitions.py's words, on both
databases; and a closed week, once written, never changes."""

import random
from datetime import timedelta

import pytest

from bot.domain.model import Pairing, Program, Session
from bot.domain.ports import Week, WeekFigures
from bot.policy import weeks
from tests.harness import unit_of_work
from tests.storage.support import NOW, TICK, world


def _shown(program: Program, now) -> list[Week]:
    """Ten weeks around NOW, the last of them the one `now` is in."""
    monday = NOW.date() - timedelta(days=NOW.weekday())
    found = [weeks.week(program, monday + timedelta(weeks=n)) for n in range(-8, 3)]
    return [w for w in found if w.start <= now]


def _counted(program, pairs, sessions, week: Week, now) -> WeekFigures:
    """One week counted in Python from every row of the program."""
    closed = week.closed(now)
    at = week.until if closed else now
    c = program.cadence

    def started(status: str) -> int:
        return sum(1 for s in sessions if s.status == status and week.start <= s.starts_at < at)

    def active(p: Pairing) -> bool:
        if p.activated_at is None or p.activated_at > at:
            return False
        return p.status == "active" or (p.ended_at is not None and p.ended_at > at)

    def risk_and_regular(p: Pairing) -> tuple[bool, bool]:
        own = [s for s in sessions if s.pairing_id == p.id]
        held = [
            s.starts_at for s in own if s.status == "held" and (not closed or s.starts_at <= at)
        ]
        last = max(held, default=None)
        booked = [
            s.starts_at
            for s in own
            if (s.status == "scheduled" if not closed else s.status != "cancelled")
            and s.starts_at > at
            and (s.created_at is None or s.created_at <= at)
        ]
        since = last or p.activated_at
        escalated = p.escalated_at is not None and p.escalated_at <= at and not booked
        risk = since < at - 2 * c or escalated
        met = (last is not None and last >= at - c) or any(b <= at + c for b in booked)
        return risk, not risk and met

    going = [p for p in pairs if p.program_id == program.id and active(p)]
    judged = [risk_and_regular(p) for p in going]
    return WeekFigures(
        week,
        closed,
        held=started("held"),
        missed=started("missed"),
        unconfirmed=started("scheduled"),
        booked=sum(
            1 for s in sessions if s.status != "cancelled" and week.start <= s.created_at < at
        ),
        active=len(going),
        regular=sum(1 for _, regular in judged if regular),
        at_risk=sum(1 for risk, _ in judged if risk),
    )


async def _rows(store, program):
    async with store.reading() as tx:
        pairs = await tx.find(Pairing, program_id=program.id)
        sessions = await tx.find(Session, pairing_id=[p.id for p in pairs])
    return pairs, sessions


async def _weekly(store, program, shown, now):
    async with store.reading() as tx:
        return await tx.reports.weekly_figures(program.id, shown, program.cadence, now)


async def _ended_some(store, rng):
    async with unit_of_work(store) as tx:  # some pairs ended, at moments near the weeks' ends
        pairs = await tx.find(Pairing)
        for pair in rng.sample(pairs, len(pairs) // 3):
            if pair.activated_at is not None:
                pair.ended_at = pair.activated_at + rng.choice((TICK, timedelta(days=7)))
                await tx.save(pair, fields=("ended_at",))


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_the_weeks_are_what_counting_the_rows_gives(store, seed):
    rng = random.Random(seed)
    programs = await world(store, rng)
    await _ended_some(store, rng)
    checked = 0
    for program in programs:
        pairs, sessions = await _rows(store, program)
        for shift in (timedelta(0), TICK, -TICK, timedelta(days=3)):
            now = NOW + shift
            shown = _shown(program, now)
            found = await _weekly(store, program, shown, now)
            expected = [_counted(program, pairs, sessions, w, now) for w in shown]
            assert found.weeks == expected, (program.name, shift)
            checked += sum(w.held + w.regular + w.active + w.at_risk for w in found.weeks)
    assert checked, "the world has sessions and pairs in the weeks"


@pytest.mark.parametrize("seed", [4, 5])
async def test_a_closed_week_once_written_never_changes(store, seed):
    rng = random.Random(seed)
    programs = await world(store, rng)
    program = programs[0]
    now = NOW + timedelta(days=3)
    shown = _shown(program, now)
    closed = [w for w in shown if w.closed(now)]
    async with unit_of_work(store) as tx:
        assert await tx.reports.close_weeks(program.id, closed, program.cadence) == len(closed)
    async with unit_of_work(store) as tx:  # a second tick, or another replica: nothing new
        assert await tx.reports.close_weeks(program.id, closed, program.cadence) == 0
    before = await _weekly(store, program, shown, now)
    async with unit_of_work(store) as tx:  # late answers, bookings and ends after the close
        pairs = await tx.find(Pairing, program_id=program.id)
        for session in await tx.find(Session, pairing_id=[p.id for p in pairs]):
            session.status = rng.choice(("held", "missed", "cancelled"))
            await tx.save(session, fields=("status",))
        for pair in pairs:
            await tx.add(Session(pairing_id=pair.id, starts_at=closed[-1].start, minutes=45))
            pair.status, pair.ended_at = "completed", closed[-1].start
            await tx.save(pair, fields=("status", "ended_at"))
    after = await _weekly(store, program, shown, now)
    assert [w for w in after.weeks if w.closed] == [w for w in before.weeks if w.closed]
    assert sum(w.held + w.missed + w.active for w in before.weeks if w.closed)
    assert after.weeks[-1] != before.weeks[-1], "the current week is counted as it goes"


async def test_a_program_without_pairs_has_quiet_weeks_from_its_first(store):
    async with unit_of_work(store) as tx:
        program = await tx.add(Program(name="Empty", starts_on=NOW.date() - timedelta(days=20)))
    shown = weeks.weeks(program, NOW)
    mondays = [w.monday.isoformat() for w in shown]
    assert mondays == ["2026-02-09", "2026-02-16", "2026-02-23", "2026-03-02"]
    found = await _weekly(store, program, shown, NOW)
    assert all(w.quiet and not (w.active or w.regular) for w in found.weeks)
    assert found.funnel == (0, 0, 0, 0)
