"""Booking a session: 30-60 minutes, in the future, in the booking person's timezone."""

from datetime import UTC, datetime

import pytest

from bot.domain.messages import FormErrors
from bot.domain.model import Session
from tests.harness import ERIK, PRIYA


async def _sessions(harness, pairing):
    return await harness.engine.run(lambda ctx: ctx.tx.find(Session, pairing_id=pairing.id))


@pytest.mark.parametrize("minutes", [29, 61, 90])
async def test_sessions_outside_30_to_60_minutes_are_refused(harness, minutes):
    pairing = await harness.active_pairing()
    reply = await harness.book(ERIK, pairing, "2026-03-05", "10:00", minutes)
    assert isinstance(reply, FormErrors)
    assert reply.errors["minutes"] == "Sessions are 30 to 60 minutes - pick 30, 45 or 60."
    assert reply.form is not None and reply.form.id == "session.schedule"
    assert await _sessions(harness, pairing) == []


@pytest.mark.parametrize("minutes", [30, 45, 60])
async def test_sessions_of_30_45_or_60_minutes_are_booked(harness, minutes):
    pairing = await harness.active_pairing()
    reply = await harness.book(ERIK, pairing, "2026-03-05", "10:00", minutes)
    assert "Booked: Thu 5 Mar, 10:00" in reply.text
    [session] = await _sessions(harness, pairing)
    assert session.minutes == minutes


async def test_start_time_is_read_in_the_booking_persons_timezone(harness):
    pairing = await harness.active_pairing()
    await harness.book(ERIK, pairing, "2026-03-05", "10:00")  # Erik is in Berlin (UTC+1 in March)
    [session] = await _sessions(harness, pairing)
    assert session.starts_at == datetime(2026, 3, 5, 9, 0, tzinfo=UTC)


async def test_a_start_in_the_past_is_refused_with_what_is_allowed(harness):
    pairing = await harness.active_pairing()
    reply = await harness.book(ERIK, pairing, "2026-03-02", "08:00")  # an hour ago in Berlin
    assert isinstance(reply, FormErrors)
    assert "already passed" in reply.errors["date"]
    assert await _sessions(harness, pairing) == []


async def test_unreadable_date_and_time_are_named(harness):
    pairing = await harness.active_pairing()
    reply = await harness.book(ERIK, pairing, "next tuesday", "ten", 45)
    assert set(reply.errors) == {"date", "time"}


async def test_the_other_person_is_told_about_the_booking(harness):
    pairing = await harness.active_pairing()
    await harness.book(ERIK, pairing, "2026-03-05", "10:00")
    await harness.tick()
    assert any(
        t.startswith("Erik booked your next session: Thu 5 Mar, 10:00")
        for t in harness.texts("mina")
    )


async def test_booking_again_replaces_the_upcoming_session(harness):
    pairing = await harness.active_pairing()
    await harness.book(ERIK, pairing, "2026-03-05", "10:00")
    await harness.book(ERIK, pairing, "2026-03-06", "11:00")
    statuses = sorted(s.status for s in await _sessions(harness, pairing))
    assert statuses == ["cancelled", "scheduled"]


async def test_only_the_pair_can_book(harness):
    pairing = await harness.active_pairing()
    reply = await harness.book(PRIYA, pairing, "2026-03-05", "10:00")
    assert "someone else's pairing" in reply.text
    assert await _sessions(harness, pairing) == []
