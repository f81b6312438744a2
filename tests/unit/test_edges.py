"""Edges found in review: bad platform data, clock changes, late ticks, races and lapses."""

import asyncio
from datetime import UTC, date, datetime, timedelta

from bot.domain.events import Actor
from bot.domain.model import Pairing, Participant, Session
from tests.harness import ERIK, MINA, PRIYA


async def test_an_unknown_timezone_from_a_platform_is_ignored_not_fatal(h):
    martian = Actor("console", "mars", "Marvin Mars", timezone="Mars/Olympus")
    await h.say(martian, "help")
    await h.active_pairing(mentor=martian, mentee=ERIK)
    # Erik's nudge came in his answer to accepting; the martian's goes a day later.
    result = await h.tick(h.clock.now() + timedelta(days=1))
    assert result.sent >= 1
    assert h.inbox("mars", "book your first session")
    person = await h.person(martian)
    assert person.timezone is None


async def test_bookings_more_than_a_year_ahead_are_refused(h):
    pairing = await h.active_pairing()
    reply = await h.book(ERIK, pairing, "9999-12-31", "22:30", 60)
    assert reply.errors == {
        "date": "That's more than a year away - pick a date within the next year."
    }
    await h.tick()


async def test_a_time_the_clocks_skip_is_refused(h):
    pairing = await h.active_pairing()
    reply = await h.book(ERIK, pairing, "2026-03-29", "02:30")  # Berlin springs forward at 02:00
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


async def test_an_unexpected_send_error_retries_that_row_only(h):
    await h.pairing(await h.program())
    flaky = FailsOnce()
    h.engine.senders["console"] = flaky
    first = await h.tick()
    assert (first.sent, first.retrying) == (1, 1)
    await h.tick(h.clock.now() + timedelta(minutes=10))
    assert sorted(flaky.sent) == ["erik", "mina"], "each person exactly once"


async def test_two_people_accepting_at_once_both_count(h):
    pairing = await h.pairing(await h.program())
    await asyncio.gather(
        h.click(MINA, "pairing.accept", pairing.id), h.click(ERIK, "pairing.accept", pairing.id)
    )
    stored = await h.engine.run(lambda ctx: ctx.tx.get(Pairing, pairing.id))
    assert stored.status == "active"


async def test_a_late_tick_at_night_waits_for_the_morning(h):
    pairing = await h.active_pairing()
    await h.tick()
    await h.book(ERIK, pairing, "2026-03-03", "16:00")  # ends 16:45 Berlin
    await h.tick(datetime(2026, 3, 3, 14, 0, tzinfo=UTC))  # plans the check for 15:45 UTC
    late = await h.tick(datetime(2026, 3, 4, 2, 0, tzinfo=UTC))  # 03:00 Berlin: a late tick
    assert not any("How did your session" in t for t in h.texts("erik"))
    # Only Erik (the mentee leads) is asked at the session's end; Mina a day later.
    assert (late.due, late.sent, late.deferred) == (0, 0, 1)
    await h.tick(datetime(2026, 3, 4, 8, 0, tzinfo=UTC))  # 09:00 Berlin
    assert any("How did your session" in t for t in h.texts("erik"))
    assert not any("How did your session" in t for t in h.texts("mina"))


async def test_a_reflection_prompt_lapses_after_two_weeks(h):
    await h.held_session()
    h.clock.set(datetime(2026, 3, 20, 10, 0, tzinfo=UTC))
    reply = await h.say(ERIK, "Can we move our chat to Thursday please")
    assert "not expecting a reply" in reply.text


async def test_the_session_number_counts_sessions_not_yet_confirmed(h):
    pairing = await h.active_pairing()
    await h.tick()
    await h.book(ERIK, pairing, "2026-03-03", "10:00")
    h.clock.set(datetime(2026, 3, 3, 12, 0, tzinfo=UTC))
    await h.book(ERIK, pairing, "2026-03-10", "10:00")
    sessions = await h.engine.run(lambda ctx: ctx.tx.find(Session, pairing_id=pairing.id))
    assert [s.number for s in sessions] == [1, 2]


async def test_no_escalation_reaches_owners_after_the_pair_snoozed(h):
    pairing = await h.active_pairing()
    await h.run_until(datetime(2026, 3, 8, 12, 0, tzinfo=UTC))  # two nudges, Sunday noon
    await h.click(ERIK, "pairing.snooze", pairing.id)
    await h.run_until(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    assert not h.inbox("olivia", "two reminders")


async def test_only_the_author_can_mark_a_follow_up_done(h):
    await h.held_session()
    await h.submit(
        ERIK, "reflection.submit", 1, what_changed="x", will_do="Try it", visibility="program"
    )
    reply = await h.click(MINA, "followup.done", 1)
    assert "someone else's" in reply.text
    reply = await h.click(PRIYA, "followup.done", 1)
    assert "someone else's" in reply.text


async def test_no_nudges_before_the_program_starts(h):
    program = await h.program(starts_on=date(2026, 3, 9))
    await h.active_pairing(program)
    await h.run_until(datetime(2026, 3, 8, 12, 0, tzinfo=UTC))
    assert not any("book" in t for t in h.texts("erik"))
    await h.run_until(datetime(2026, 3, 9, 10, 0, tzinfo=UTC))
    assert any("book your first session" in t for t in h.texts("erik"))


async def test_long_names_from_a_platform_are_cut_to_fit(h):
    await h.say(Actor("console", "long", "N" * 500), "help")
    [person] = await h.engine.run(lambda ctx: ctx.tx.find(Participant, user_id="long"))
    assert len(person.display_name) == 200
