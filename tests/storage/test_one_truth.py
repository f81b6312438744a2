"""No owner report contradicts another, on both databases, for random programs: pairs that
start and end in different weeks, sessions held, missed, moved and cancelled, paused pairs,
escalations. Owner status, the digest, the charts and the export show the same figures for
the same week; a pair at risk is never meeting regularly; and a closed week's figures never
change once written, whatever happens afterwards."""

import random
import re
from datetime import timedelta

import pytest
from sqlalchemy import and_, select

from bot.context import Context
from bot.data.export import WEEK_FIGURES, export_rows
from bot.domain.model import Pairing, Program, Session
from bot.flows.status import close_weeks, program_status
from bot.policy.rules import EngineConfig
from storage import definitions
from storage.tables import pairings
from tests.harness import unit_of_work
from tests.storage.support import NOW, world

MOMENTS = (timedelta(0), timedelta(days=4, hours=3), timedelta(days=9))


async def _reports(store, program: Program, now):
    """Status, its digest, and the export, all read at `now`."""
    async with store.reading() as tx:
        ctx = Context(tx, now, EngineConfig())
        status = await program_status(ctx, program, story=True)
        rows = await export_rows(ctx, [program])
    return status, status.section("digest"), rows


async def _both_regular_and_at_risk(store, program: Program, now) -> list[int]:
    """Pairs the store would count as meeting regularly and at risk at once."""
    p = pairings
    both = and_(
        p.c.program_id == program.id,
        definitions.regular(now, program.cadence, live=True),
        definitions.at_risk(now, program.cadence, live=True),
    )
    async with store.reading() as tx:
        return list((await tx.conn.execute(select(p.c.id).where(both))).scalars())


def _exported_weeks(rows) -> dict[str, dict[str, int]]:
    found: dict[str, dict[str, int]] = {}
    for row in rows:
        if row["week"]:
            found.setdefault(row["week"], {})[WEEK_FIGURES[row["figure"]]] = int(row["value"])
    return found


def _agree(status, digest, rows) -> None:
    weekly = status.weekly.weeks
    assert weekly, "the program has weeks"
    # The export's weeks are the charts' weeks (the export has them all, the charts the last).
    exported = _exported_weeks(rows)
    for week in weekly:
        label = week.week.monday.isoformat() + ("" if week.closed else " so far")
        assert exported[label] == {name: getattr(week, name) for name in WEEK_FIGURES.values()}
    # The charts draw those same numbers, in status and in the digest.
    for section in (status.section(), digest):
        for chart in section.charts[:1]:
            held = [int(v) for v in chart.series[0].values]
            assert held == [w.held for w in weekly], chart.title
    # Now: status's figures are the current week's.
    current = weekly[-1]
    if not current.closed:
        assert (status.active, status.regular) == (current.active, current.regular)
        assert len(status.at_risk) == current.at_risk
    assert status.regular + len(status.at_risk) <= status.active
    # The digest's "Last week" line is the last closed week's figures.
    closed = [w for w in weekly if w.closed]
    line = next((x for x in digest.lines if x.startswith("Last week (")), "")
    if closed:
        week = closed[-1]
        assert line.startswith(f"Last week ({week.week.label()}): ")
        numbers = [int(n) for n in re.findall(r"(?<![+-])\b(\d+)\b", line.split("): ", 1)[1])]
        held, missed, unconfirmed, booked, regular, active = (
            numbers[0],
            *numbers[1:4],
            *numbers[4:6],
        )
        assert (held, missed, unconfirmed, booked) == (
            week.held,
            week.missed,
            week.unconfirmed,
            week.booked,
        ), line
        assert (regular, active) == (week.regular, week.active), line
    else:
        assert not line


@pytest.mark.parametrize("seed", [11, 12, 13])
async def test_no_report_contradicts_another_and_closed_weeks_stay(store, seed):
    rng = random.Random(seed)
    programs = await world(store, rng)
    async with unit_of_work(store) as tx:  # the programs began weeks before NOW
        for program in programs:
            program.starts_on = (NOW - timedelta(days=rng.choice((20, 45, 70)))).date()
            await tx.save(program, fields=("starts_on",))
    checked = 0
    remembered: dict[tuple[int, str], dict[str, int]] = {}
    for step, later in enumerate(MOMENTS):
        now = NOW + later
        async with unit_of_work(store) as tx:  # the tick after each moment closes its weeks
            await close_weeks(Context(tx, now, EngineConfig()), programs)
        for program in programs:
            assert not await _both_regular_and_at_risk(store, program, now)
            status, digest, rows = await _reports(store, program, now)
            _agree(status, digest, rows)
            for week in status.weekly.weeks:
                if week.closed:
                    key = (program.id, week.week.monday.isoformat())
                    figures = {name: getattr(week, name) for name in WEEK_FIGURES.values()}
                    assert remembered.setdefault(key, figures) == figures, key
            checked += sum(w.held + w.active for w in status.weekly.weeks)
        await _change_things(store, rng, now)
        assert step < len(MOMENTS)
    assert checked, "the programs have sessions and pairs in their weeks"
    assert any(k for k in remembered), "weeks closed and were read again"


async def _change_things(store, rng: random.Random, now) -> None:
    """Late answers, moves, cancellations, new bookings, pauses, escalations and ends."""
    async with unit_of_work(store) as tx:
        sessions = await tx.find(Session)
        for session in rng.sample(sessions, len(sessions) // 3):
            session.status = rng.choice(("held", "missed", "cancelled", "scheduled"))
            session.starts_at += timedelta(days=rng.choice((-3, 0, 2)))
            await tx.save(session, fields=("status", "starts_at"))
        pairs = await tx.find(Pairing)
        for pair in rng.sample(pairs, len(pairs) // 4):
            await tx.add(
                Session(
                    pairing_id=pair.id,
                    starts_at=now + timedelta(days=rng.choice((-2, 1, 5))),
                    minutes=45,
                    created_at=now,
                    status=rng.choice(("scheduled", "held")),
                )
            )
        for pair in rng.sample(pairs, len(pairs) // 4):
            if pair.status == "active":
                change = rng.choice(("paused", "completed", "escalated"))
                if change == "escalated":
                    pair.escalated_at = now
                else:
                    pair.status = change
                    pair.ended_at = now if change == "completed" else None
                await tx.save(pair, fields=("status", "ended_at", "escalated_at"))
