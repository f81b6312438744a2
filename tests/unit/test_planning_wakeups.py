"""The planner looks only at pairs due a look: never planned, woken by something that
happened, or at a moment it noted. Idle ticks touch nothing; no nudge is lost."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.domain.events import Actor
from bot.domain.model import Pairing
from bot.sending.planner import LONGEST_SLEEP, PLAN_BATCH
from tests.harness import ERIK, Harness


async def _plan_at(harness: Harness, pairing: Pairing) -> datetime | None:
    stored = await harness.engine.run(lambda ctx: ctx.tx.get(Pairing, pairing.id))
    return stored.plan_at


async def test_a_planned_pair_sleeps_until_its_next_moment_and_idle_ticks_plan_nothing(harness):
    config = replace(harness.config, nudge_reminder_after=timedelta(hours=6))
    harness = Harness(harness.store, config)
    pairing = await harness.active_pairing()  # Erik's first nudge is his answer to Accept
    assert await _plan_at(harness, pairing) is None, "a new active pair is planned at the next tick"
    first = await harness.tick()
    assert first.planned == 1 and first.sent == 0, first.line()  # Mina's nudge, due tomorrow
    # The reminder counts from when Erik's nudge was sent (in his answer): its moment is noted.
    woken = await _plan_at(harness, pairing)
    assert woken == harness.clock.now() + timedelta(hours=6), "the reminder's moment is noted"
    harness.clock.advance(timedelta(hours=5))
    idle = await harness.tick()
    assert (idle.planned, idle.due) == (0, 0)
    assert await _plan_at(harness, pairing) == woken, "an idle tick leaves the pair alone"
    harness.clock.advance(timedelta(hours=1))
    reminded = await harness.tick()
    assert reminded.planned == 1 and reminded.sent == 1, reminded.line()  # to the leader only
    assert harness.inbox("erik", "gentle reminder")


async def test_booking_wakes_the_pair_and_its_agenda_and_check_are_planned(harness):
    pairing = await harness.active_pairing()
    await harness.tick()
    await harness.tick()
    assert await _plan_at(harness, pairing) is not None
    await harness.book(ERIK, pairing, "2026-03-02", "16:00")  # Berlin: 15:00 UTC today
    assert await _plan_at(harness, pairing) is None, "the booking wakes the planner for this pair"
    result = await harness.tick()
    assert result.planned >= 4, result.line()  # agenda and check for each of the two
    # After planning, the pair sleeps until its session starts (the next nudge counts from it).
    assert await _plan_at(harness, pairing) == datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


async def test_a_program_starting_later_wakes_its_pairs_on_its_first_day_at_most_daily(harness):
    program = await harness.program(starts_on=datetime(2026, 3, 5).date())
    pairing = await harness.active_pairing(program)
    result = await harness.tick()
    assert result.planned == 0
    assert await _plan_at(harness, pairing) == harness.clock.now() + LONGEST_SLEEP, "a day at most"
    await harness.run_until(datetime(2026, 3, 5, 0, 0, tzinfo=UTC))
    assert not harness.inbox("erik"), "nothing before the program starts, not even the check-in"
    await harness.run_until(datetime(2026, 3, 5, 9, 0, tzinfo=UTC))
    [nudge] = harness.inbox("erik", "book")
    assert nudge.at == datetime(2026, 3, 5, 8, 0, tzinfo=UTC), "its first working hour"


async def test_more_pairs_than_one_batch_are_all_planned_in_one_tick(harness, monkeypatch):
    batch = 7  # the loop is the same at the real size (PLAN_BATCH), only slower to set up
    assert batch < PLAN_BATCH
    monkeypatch.setattr("bot.engine.PLAN_BATCH", batch)
    program = await harness.program()
    people = [
        (Actor("console", f"m{i}", f"Mentor {i}"), Actor("console", f"e{i}", f"Mentee {i}"))
        for i in range(2 * batch + 3)
    ]
    for mentor, mentee in people:
        pairing = await harness.pairing(program, mentor, mentee)
        await harness.click(mentor, "pairing.accept", pairing.id)
        await harness.click(mentee, "pairing.accept", pairing.id)
    result = await harness.tick()
    # Each leader had the first nudge in the answer; each mentor's is planned for tomorrow.
    assert result.planned == len(people), result.line()
