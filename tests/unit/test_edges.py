"""Edges found in review: bad platform data, clock changes, late ticks, races and lapses."""

import asyncio
from datetime import UTC, date, datetime, timedelta

from bot.domain.events import Actor
from bot.domain.model import Pairing, Participant, Session
from tests.harness import ERIK, MINA, PRIYA


async def test_an_unknown_timezone_from_a_platform_is_ignored_not_fatal(harness):
    martian = Actor("console", "mars", "Marvin Mars", timezone="Mars/Olympus")
    await harness.say(martian, "help")
    await harness.active_pairing(mentor=martian, mentee=ERIK)
    # Erik's nudge came in his answer to accepting; the martian's goes a day later.
    result = await harness.tick(harness.clock.now() + timedelta(days=1))
    assert result.sent >= 1
    assert harness.inbox("mars", "book your first session")
    person = await harness.person(martian)
    assert person.timezone is None


async def test_bookings_more_than_a_year_ahead_are_refused(harness):
    pairing = await harness.active_pairing()
    reply = await harness.book(ERIK, pairing, "9999-12-31", "22:30", 60)
    assert reply.errors == {
        "date": "That's more than a year away - pick a date within the next year."
    }
    await harness.tick()


async def test_a_time_the_clocks_skip_is_refused(harness):
    pairing = await harness.active_pairing()
    reply = await harness.book(
        ERIK, pairing, "2026-03-29", "02:30"
    )  # Berlin springs forward at 02:00
    assert "clocks change" in reply.errors["time"]


class FailsOnce:
    """Sends, but the second send of the batch dies with an unexpected error."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.calls = 0

    async def send(self, recipient, message):
        self.calls += 1
        if self.calls == 2:
            raise ConnectionResetError("peer went away")
        self.sent.append(recipient.user_id)


async def test_an_unexpected_send_error_retries_that_row_only(harness):
    await harness.pairing(await harness.program())
    flaky = FailsOnce()
    harness.engine.senders["console"] = flaky
    first = await harness.tick()
    assert (first.sent, first.retrying) == (1, 1)
    await harness.tick(harness.clock.now() + timedelta(minutes=10))
    assert sorted(flaky.sent) == ["erik", "mina"], "each person exactly once"


async def test_two_people_accepting_at_once_both_count(harness):
    pairing = await harness.pairing(await harness.program())
    await asyncio.gather(
        harness.click(MINA, "pairing.accept", pairing.id),
        harness.click(ERIK, "pairing.accept", pairing.id),
    )
    stored = await harness.engine.run(lambda ctx: ctx.tx.get(Pairing, pairing.id))
    assert stored.status == "active"


async def test_a_late_tick_at_night_waits_for_the_morning(harness):
    pairing = await harness.active_pairing()
    await harness.tick()
    await harness.book(ERIK, pairing, "2026-03-03", "16:00")  # ends 16:45 Berlin
    await harness.tick(datetime(2026, 3, 3, 14, 0, tzinfo=UTC))  # plans the check for 15:45 UTC
    late = await harness.tick(datetime(2026, 3, 4, 2, 0, tzinfo=UTC))  # 03:00 Berlin: a late tick
    assert not any("How did your session" in t for t in harness.texts("erik"))
    # Only Erik (the mentee leads) is asked at the session's end; Mina a day later.
    assert (late.due, late.sent, late.deferred) == (0, 0, 1)
    await harness.tick(datetime(2026, 3, 4, 8, 0, tzinfo=UTC))  # 09:00 Berlin
    assert any("How did your session" in t for t in harness.texts("erik"))
    assert not any("How did your session" in t for t in harness.texts("mina"))


async def test_a_reflection_prompt_lapses_after_two_weeks(harness):
    await harness.held_session()
    harness.clock.set(datetime(2026, 3, 20, 10, 0, tzinfo=UTC))
    reply = await harness.say(ERIK, "Can we move our chat to Thursday please")
    assert "not expecting a reply" in reply.text


async def test_the_session_number_counts_sessions_not_yet_confirmed(harness):
    pairing = await harness.active_pairing()
    await harness.tick()
    await harness.book(ERIK, pairing, "2026-03-03", "10:00")
    harness.clock.set(datetime(2026, 3, 3, 12, 0, tzinfo=UTC))
    await harness.book(ERIK, pairing, "2026-03-10", "10:00")
    sessions = await harness.engine.run(lambda ctx: ctx.tx.find(Session, pairing_id=pairing.id))
    assert [s.number for s in sessions] == [1, 2]


async def test_no_escalation_reaches_owners_after_the_pair_snoozed(harness):
    pairing = await harness.active_pairing()
    await harness.run_until(datetime(2026, 3, 8, 12, 0, tzinfo=UTC))  # two nudges, Sunday noon
    await harness.click(ERIK, "pairing.snooze", pairing.id)
    await harness.run_until(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    assert not harness.inbox("olivia", "two reminders")


async def test_only_the_author_can_mark_a_follow_up_done(harness):
    await harness.held_session()
    await harness.submit(
        ERIK, "reflection.submit", 1, what_changed="x", will_do="Try it", visibility="program"
    )
    reply = await harness.click(MINA, "followup.done", 1)
    assert "someone else's" in reply.text
    reply = await harness.click(PRIYA, "followup.done", 1)
    assert "someone else's" in reply.text


async def test_no_nudges_before_the_program_starts(harness):
    program = await harness.program(starts_on=date(2026, 3, 9))
    await harness.active_pairing(program)
    await harness.run_until(datetime(2026, 3, 8, 12, 0, tzinfo=UTC))
    assert not any("book" in t for t in harness.texts("erik"))
    await harness.run_until(datetime(2026, 3, 9, 10, 0, tzinfo=UTC))
    assert any("book your first session" in t for t in harness.texts("erik"))


async def test_long_names_from_a_platform_are_cut_to_fit(harness):
    await harness.say(Actor("console", "long", "N" * 500), "help")
    [person] = await harness.engine.run(lambda ctx: ctx.tx.find(Participant, user_id="long"))
    assert len(person.display_name) == 200
