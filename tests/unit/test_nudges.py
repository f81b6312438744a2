"""Nudges to book: the leader first (in the answer that makes the pair active, or by cadence),
the mentor a day later unless the pair has booked, a reminder to the leader after 3 days,
owners told after 2 ignored nudges."""

from datetime import UTC, datetime, timedelta

from bot.context import EngineConfig
from bot.domain.model import Notification, NotificationStatus, Pairing
from bot.policy.hours import WorkingHours
from tests.harness import ERIK, MINA, MONDAY, OWNER, TOM, Harness

TAP = "session.book_at"  # one of the times offered
OFFER = [TAP, TAP, TAP, "session.schedule"]  # three times, then "Other time..."


def _nudges(harness, user):
    return [
        d
        for d in harness.inbox(user)
        if any(b.action == "pairing.snooze" for b in d.message.every_button)
    ]


async def test_the_executive_is_asked_to_book_as_the_pair_starts_and_the_mentor_a_day_later(
    harness,
):
    program = await harness.program()
    pairing = await harness.pairing(program)
    await harness.click(MINA, "pairing.accept", pairing.id)
    answer = await harness.click(ERIK, "pairing.accept", pairing.id)
    assert answer.text.startswith("You're both in. Next step: booking your first session")
    assert "Times that suit you both" in answer.text
    assert [b.action for b in answer.buttons][:4] == [TAP, TAP, TAP, "session.schedule"]
    await harness.run_until(MONDAY + timedelta(hours=23))
    assert not _nudges(harness, "erik"), "Erik's first nudge was his answer"
    assert not _nudges(harness, "mina"), "the mentor waits a day for the leader to book"
    await harness.tick(MONDAY + timedelta(days=1))
    [to_mina] = _nudges(harness, "mina")
    assert to_mina.at == MONDAY + timedelta(days=1)
    assert "Erik was asked to pick a slot and hasn't yet" in to_mina.message.text
    assert [b.action for b in to_mina.message.buttons] == [*OFFER, "pairing.snooze"]
    assert not _nudges(harness, "erik")


async def test_when_the_mentor_completes_the_pair_the_executive_is_nudged_at_once(harness):
    program = await harness.program()
    pairing = await harness.pairing(program)
    await harness.click(ERIK, "pairing.accept", pairing.id)
    answer = await harness.click(MINA, "pairing.accept", pairing.id)
    assert "Times that suit you both" in answer.text
    await harness.tick()
    [to_erik] = _nudges(harness, "erik")
    assert to_erik.at == MONDAY, "the leader is nudged at once"
    assert "Could you pick a slot" in to_erik.message.text
    assert [b.action for b in to_erik.message.buttons] == [*OFFER, "pairing.snooze"]
    await harness.run_until(MONDAY + timedelta(days=2))
    assert not _nudges(harness, "mina"), "Mina had her nudge in her answer"


async def test_the_leaders_nudge_is_queued_for_now_by_the_second_accept_not_by_the_tick(
    harness,
):
    program = await harness.program()
    pairing = await harness.pairing(program)
    await harness.click(ERIK, "pairing.accept", pairing.id)
    await harness.click(MINA, "pairing.accept", pairing.id)
    await harness.engine.deliver_now()  # what serve's courier runs when told: no planning
    [to_erik] = _nudges(harness, "erik")
    assert to_erik.at == MONDAY
    assert [b.action for b in to_erik.message.buttons] == [*OFFER, "pairing.snooze"]
    await harness.run_until(MONDAY + timedelta(days=2))
    assert len(_nudges(harness, "erik")) == 1, "the planner finds it sent"


async def test_reminder_to_the_leader_after_three_days_then_owners_after_two_ignored_nudges(
    harness,
):
    pairing = await harness.active_pairing()  # Erik's first nudge is his answer, Monday 09:00
    await harness.run_until(harness.clock.now() + timedelta(days=2, hours=23))
    assert not _nudges(harness, "erik")
    assert len(_nudges(harness, "mina")) == 1, "the mentor's first nudge, a day after Erik's"
    await harness.run_until(harness.clock.now() + timedelta(hours=2))
    [reminder] = _nudges(harness, "erik")
    assert reminder.at == MONDAY + timedelta(days=3)
    assert "gentle reminder" in reminder.message.text
    assert len(_nudges(harness, "mina")) == 1, "the reminder goes to the leader only"
    assert not harness.inbox("olivia", "two reminders")
    await harness.run_until(harness.clock.now() + timedelta(days=4))
    [alert] = harness.inbox("olivia", "booked a session after two")
    assert "Erik Lund and Mina Park" in alert.message.text and "two reminders" in alert.message.text
    stored = await harness.engine.run(lambda ctx: ctx.tx.get(Pairing, pairing.id))
    assert stored.escalated_at is not None
    await harness.run_until(harness.clock.now() + timedelta(days=7))
    assert len(_nudges(harness, "erik")) == 1, "no more nudges once the owners know"
    assert len(_nudges(harness, "mina")) == 1
    assert len(harness.inbox("olivia", "booked a session after two")) == 1, "told once"
    status = await harness.command(OWNER, "status")
    assert "Erik Lund & Mina Park: nothing booked after two reminders" in status.plain()


async def test_snooze_puts_the_next_nudges_off_for_a_week(harness):
    pairing = await harness.active_pairing()
    await harness.tick()
    reply = await harness.click(ERIK, "pairing.snooze", pairing.id)
    assert "check back on Monday 9 March" in reply.text
    await harness.run_until(datetime(2026, 3, 9, 8, 0, tzinfo=UTC))
    assert not _nudges(harness, "erik")
    assert not _nudges(harness, "mina"), "the mentor's nudge, due on Tuesday, is put off too"
    await harness.run_until(datetime(2026, 3, 9, 10, 0, tzinfo=UTC))
    assert len(_nudges(harness, "erik")) == 1
    assert not _nudges(harness, "mina")
    await harness.run_until(datetime(2026, 3, 10, 10, 0, tzinfo=UTC))
    assert len(_nudges(harness, "mina")) == 1, "and the mentor's a day after the leader's"
    assert not harness.inbox("olivia", "two reminders")


async def test_booking_stops_the_nudges_and_the_next_comes_by_cadence(harness):
    pairing = await harness.active_pairing()
    await harness.tick()
    await harness.book(ERIK, pairing, "2026-03-04", "10:00")
    await harness.run_until(datetime(2026, 3, 4, 12, 0, tzinfo=UTC))
    assert not _nudges(harness, "mina"), "the pair booked before the mentor's nudge was due"
    await harness.click(ERIK, "session.held", 1)
    # cadence 14 days, booking lead 7 days: the next nudge is due a week after the session
    await harness.run_until(datetime(2026, 3, 11, 8, 0, tzinfo=UTC))
    assert not _nudges(harness, "erik")
    await harness.run_until(datetime(2026, 3, 11, 10, 0, tzinfo=UTC))
    [nudge] = _nudges(harness, "erik")
    assert "next session" in nudge.message.text
    assert not _nudges(harness, "mina")
    await harness.run_until(datetime(2026, 3, 12, 10, 0, tzinfo=UTC))
    [to_mina] = _nudges(harness, "mina")
    assert to_mina.at == nudge.at + timedelta(days=1)


async def test_a_nudge_due_at_3am_arrives_at_the_start_of_the_working_day(store):
    harness = Harness(store, start=datetime(2026, 3, 3, 7, 55, tzinfo=UTC))  # Tue 02:55 in New York
    program = await harness.program()
    pairing = await harness.pairing(program, mentor=MINA, mentee=TOM)
    await harness.click(TOM, "pairing.accept", pairing.id)
    harness.clock.set(datetime(2026, 3, 3, 8, 0, tzinfo=UTC))  # 03:00 in New York, 09:00 in Berlin
    answer = await harness.click(MINA, "pairing.accept", pairing.id)
    assert answer.buttons[0].action == TAP, "Mina's first nudge is her answer"
    await harness.run_until(datetime(2026, 3, 3, 13, 59, tzinfo=UTC), step=timedelta(minutes=30))
    assert not _nudges(harness, "tom"), "nothing before 09:00 New York time"
    tom, mina = await harness.person(TOM), await harness.person(MINA)
    [row] = await harness.engine.run(
        lambda ctx: ctx.tx.find(Notification, kind="nudge", recipient_id=tom.id)
    )
    assert row.due_at == datetime(2026, 3, 3, 14, 0, tzinfo=UTC)
    await harness.tick(datetime(2026, 3, 3, 14, 0, tzinfo=UTC))  # 09:00 in New York
    [nudge] = _nudges(harness, "tom")
    assert nudge.at == datetime(2026, 3, 3, 14, 0, tzinfo=UTC)
    [to_mina] = await harness.engine.run(
        lambda ctx: ctx.tx.find(Notification, kind="nudge", recipient_id=mina.id)
    )
    assert to_mina.status == NotificationStatus.SENT
    assert to_mina.sent_at == datetime(2026, 3, 3, 8, 0, tzinfo=UTC)  # 09:00 Berlin
    assert not _nudges(harness, "mina")


async def test_working_hours_setting_changes_the_default(store):
    always = EngineConfig(
        owners=frozenset({OWNER.handle}), working_hours=WorkingHours.parse("Mon-Sun 00:00-24:00")
    )
    harness = Harness(
        store, config=always, start=datetime(2026, 3, 7, 2, 0, tzinfo=UTC)
    )  # Saturday
    await harness.active_pairing()
    await harness.tick()
    sunday = datetime(2026, 3, 8, 2, 0, tzinfo=UTC)
    await harness.tick(sunday)
    [nudge] = _nudges(harness, "mina")
    assert nudge.at == sunday, "the mentor's nudge, a day after Erik's, on a Sunday at 03:00"


async def test_a_program_can_override_the_working_hours(harness):
    program = await harness.program(working_hours="Sat-Sun 10:00-12:00")
    await harness.active_pairing(program)
    await harness.run_until(datetime(2026, 3, 7, 8, 0, tzinfo=UTC))  # Saturday 09:00 Berlin
    assert not _nudges(harness, "mina") and not _nudges(harness, "erik")
    saturday_10 = datetime(2026, 3, 7, 9, 0, tzinfo=UTC)  # Saturday 10:00 Berlin
    await harness.tick(saturday_10)
    # Mina's first nudge (due Tuesday) and Erik's reminder (due Thursday) waited for Saturday.
    assert [d.at for d in _nudges(harness, "mina")] == [saturday_10]
    assert [d.at for d in _nudges(harness, "erik")] == [saturday_10]
