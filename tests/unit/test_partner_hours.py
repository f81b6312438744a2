"""The booking form knows both people's day: it shows the partner's working day on the
reader's clock, and refuses a time outside the partner's working hours with the two
nearest times that suit both (unless the program allows times outside hours)."""

from bot.domain.messages import FormErrors
from bot.domain.model import Session
from tests.harness import PRIYA, TOM


async def _pair(harness, **program):
    program = await harness.program(**program)
    pairing = await harness.pairing(program, mentor=TOM, mentee=PRIYA)  # New York, London
    await harness.click(TOM, "pairing.accept", pairing.id)
    await harness.click(PRIYA, "pairing.accept", pairing.id)
    return pairing


async def _booked(harness, pairing) -> list[Session]:
    return await harness.engine.run(lambda ctx: ctx.tx.find(Session, pairing_id=pairing.id))


async def test_the_form_shows_the_partners_working_day_on_the_readers_clock(harness):
    pairing = await _pair(harness)
    opened = await harness.click(PRIYA, "session.schedule", pairing.id)
    assert "Tom is on America/New_York time" in opened.text
    assert "Tom's working day is 14:00-23:00 your time." in opened.text  # 09:00-18:00 in NY


async def test_a_time_outside_the_partners_hours_is_refused_with_two_that_fit(harness):
    pairing = await _pair(harness)
    # 10:00 in London is 05:00 in New York (before the US clocks change on 8 March).
    refused = await harness.book(PRIYA, pairing, "2026-03-04", "10:00")
    assert isinstance(refused, FormErrors)
    said = refused.errors["time"]
    assert said.startswith("That's 05:00 for Tom, outside their working hours (09:00-18:00")
    assert "Times that suit you both: " in said and said.count(" or ") == 1
    assert "Wed 4 Mar, 14:00" in said  # the nearest: the same day, when New York opens
    assert await _booked(harness, pairing) == []
    booked = await harness.book(PRIYA, pairing, "2026-03-04", "14:00")
    assert booked.text.startswith("Booked: Wed 4 Mar, 14:00 (Europe/London)")


async def test_a_program_may_allow_times_outside_hours(harness):
    pairing = await _pair(harness, allow_outside_hours=True)
    booked = await harness.book(PRIYA, pairing, "2026-03-04", "10:00")
    assert booked.text.startswith("Booked: Wed 4 Mar, 10:00 (Europe/London)")
    assert "05:00 for Tom" in booked.text
