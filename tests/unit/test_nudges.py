"""Nudges to book: by cadence, a reminder after 3 days, owners told after 2 ignored."""

from datetime import UTC, datetime, timedelta

from bot.context import EngineConfig
from bot.domain.model import Notification, Pairing
from bot.policy.hours import WorkingHours
from tests.harness import ERIK, MINA, OWNER, TOM, Harness


def _nudges(h, user):
    return [
        d for d in h.inbox(user) if any(b.action == "pairing.snooze" for b in d.message.buttons)
    ]


async def test_active_pair_is_nudged_to_book_and_the_executive_is_asked(h):
    await h.active_pairing()
    await h.tick()
    [to_erik] = _nudges(h, "erik")
    [to_mina] = _nudges(h, "mina")
    assert "Could you pick a slot" in to_erik.message.text
    assert "Erik has been asked to pick a slot" in to_mina.message.text
    assert [b.action for b in to_erik.message.buttons] == ["session.schedule", "pairing.snooze"]


async def test_reminder_after_three_days_then_owners_after_two_ignored_nudges(h):
    pairing = await h.active_pairing()
    await h.run_until(h.clock.now() + timedelta(days=2, hours=23))
    assert len(_nudges(h, "erik")) == 1
    await h.run_until(h.clock.now() + timedelta(hours=2))
    assert len(_nudges(h, "erik")) == 2
    assert "gentle reminder" in _nudges(h, "erik")[1].message.text
    assert not h.inbox("olivia", "two reminders")
    await h.run_until(h.clock.now() + timedelta(days=4))
    [alert] = h.inbox("olivia", "two reminders")
    assert "Erik Lund and Mina Park" in alert.message.text and "two reminders" in alert.message.text
    stored = await h.engine.run(lambda ctx: ctx.tx.get(Pairing, pairing.id))
    assert stored.escalated_at is not None
    await h.run_until(h.clock.now() + timedelta(days=7))
    assert len(_nudges(h, "erik")) == 2, "no more nudges once the owners know"
    assert len(h.inbox("olivia", "two reminders")) == 1, "the owners are told once"
    status = await h.command(OWNER, "status")
    assert "Erik Lund & Mina Park: escalated" in status.plain()


async def test_snooze_puts_the_next_nudge_off_for_a_week(h):
    pairing = await h.active_pairing()
    await h.tick()
    reply = await h.click(ERIK, "pairing.snooze", pairing.id)
    assert "check back on Monday 9 March" in reply.text
    await h.run_until(datetime(2026, 3, 9, 8, 0, tzinfo=UTC))
    assert len(_nudges(h, "erik")) == 1
    await h.run_until(datetime(2026, 3, 9, 10, 0, tzinfo=UTC))
    assert len(_nudges(h, "erik")) == 2
    assert not h.inbox("olivia", "two reminders")


async def test_booking_stops_the_nudges_and_the_next_comes_by_cadence(h):
    pairing = await h.active_pairing()
    await h.tick()
    await h.book(ERIK, pairing, "2026-03-04", "10:00")
    await h.run_until(datetime(2026, 3, 4, 12, 0, tzinfo=UTC))
    await h.click(ERIK, "session.held", 1)
    # cadence 14 days, booking lead 7 days: the next nudge is due a week after the session
    await h.run_until(datetime(2026, 3, 11, 8, 0, tzinfo=UTC))
    assert len(_nudges(h, "erik")) == 1
    await h.run_until(datetime(2026, 3, 11, 10, 0, tzinfo=UTC))
    assert len(_nudges(h, "erik")) == 2
    assert "next session" in _nudges(h, "erik")[1].message.text


async def test_a_nudge_due_at_3am_arrives_at_the_start_of_the_working_day(store):
    h = Harness(store, start=datetime(2026, 3, 3, 7, 55, tzinfo=UTC))  # Tue 02:55 in New York
    program = await h.program()
    pairing = await h.pairing(program, mentor=MINA, mentee=TOM)
    await h.click(MINA, "pairing.accept", pairing.id)
    h.clock.set(datetime(2026, 3, 3, 8, 0, tzinfo=UTC))  # 03:00 in New York
    await h.click(TOM, "pairing.accept", pairing.id)
    await h.run_until(datetime(2026, 3, 3, 13, 59, tzinfo=UTC), step=timedelta(minutes=30))
    assert not _nudges(h, "tom"), "nothing before 09:00 New York time"
    tom = await h.person(TOM)
    [row] = await h.engine.run(
        lambda ctx: ctx.tx.find(Notification, kind="nudge", recipient_id=tom.id)
    )
    assert row.due_at == datetime(2026, 3, 3, 14, 0, tzinfo=UTC)
    await h.tick(datetime(2026, 3, 3, 14, 0, tzinfo=UTC))  # 09:00 in New York
    [nudge] = _nudges(h, "tom")
    assert nudge.at == datetime(2026, 3, 3, 14, 0, tzinfo=UTC)
    assert _nudges(h, "mina")[0].at == datetime(2026, 3, 3, 8, 0, tzinfo=UTC)  # 09:00 Berlin


async def test_working_hours_setting_changes_the_default(store):
    always = EngineConfig(
        owners=frozenset({OWNER.handle}), working_hours=WorkingHours.parse("Mon-Sun 00:00-24:00")
    )
    h = Harness(store, config=always, start=datetime(2026, 3, 7, 2, 0, tzinfo=UTC))  # Saturday
    await h.active_pairing()
    await h.tick()
    assert len(_nudges(h, "erik")) == 1


async def test_a_program_can_override_the_working_hours(h):
    program = await h.program(working_hours="Sat-Sun 10:00-12:00")
    await h.active_pairing(program)
    await h.run_until(datetime(2026, 3, 7, 8, 0, tzinfo=UTC))  # Saturday 09:00 Berlin
    assert not _nudges(h, "erik")
    await h.tick(datetime(2026, 3, 7, 9, 0, tzinfo=UTC))  # Saturday 10:00 Berlin
    assert len(_nudges(h, "erik")) == 1
