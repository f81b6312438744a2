"""When ticks stop for days (an outage, a cron that did not run), what comes due together
still goes out in order: a reminder never overtakes, nor replaces, its question."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.model import Notification
from tests.harness import MINA


async def test_a_check_in_reminder_due_with_its_question_waits_three_days_after_it(harness):
    await (
        harness.active_pairing()
    )  # both accept on Monday 2 March; the expectations question is due
    # Erik, who accepted last, was asked in his answer; Mina's question goes with her first
    # nudge (due Tuesday). No tick for four days: her nudge, her question and its reminder
    # (riding from Thursday) are all due at the first tick.
    await harness.tick(harness.clock.now() + timedelta(days=4))
    assert len(harness.inbox("mina", "what do you hope to get from it?")) == 1
    assert not harness.inbox("mina", "one-minute answer"), "no reminder in the same breath"
    mina = await harness.person(MINA)
    [question] = await harness.engine.run(
        lambda ctx: ctx.tx.find(Notification, kind="checkin", recipient_id=mina.id)
    )
    [reminder] = await harness.engine.run(
        lambda ctx: ctx.tx.find(Notification, kind="checkin.reminder", recipient_id=mina.id)
    )
    assert question.status == "sent" and question.sent_at == harness.clock.now()
    assert reminder.status == "pending"
    assert reminder.due_at >= harness.clock.now() + timedelta(days=3)

    # Nothing else comes for Mina to carry it, so the reminder goes alone when it is due.
    await harness.run_until(reminder.due_at + timedelta(hours=1))
    [sent] = harness.inbox("mina", "one-minute answer")
    assert sent.at >= question.sent_at + timedelta(days=3), "the one reminder still comes, later"
