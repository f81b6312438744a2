"""When ticks stop for days (an outage, a cron that did not run), what comes due together
still goes out in order: a reminder never overtakes, nor replaces, its question."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.model import Notification
from tests.harness import ERIK


async def test_a_check_in_reminder_due_with_its_question_waits_three_days_after_it(h):
    await h.active_pairing()  # both accept on Monday 2 March; the expectations question is due
    # No tick for four days: the question (due Monday) and its reminder (due Thursday) are
    # both due at the first tick.
    await h.tick(h.clock.now() + timedelta(days=4))
    assert len(h.inbox("erik", "what do you hope to get from it?")) == 1
    assert not h.inbox("erik", "one-minute answer"), "no reminder in the same breath"
    erik = await h.person(ERIK)
    [reminder] = await h.engine.run(
        lambda ctx: ctx.tx.find(Notification, kind="checkin.reminder", recipient_id=erik.id)
    )
    assert reminder.status == "pending"
    assert reminder.due_at >= h.clock.now() + timedelta(days=3)

    await h.run_until(h.clock.now() + timedelta(days=4))
    assert len(h.inbox("erik", "one-minute answer")) == 1, "the one reminder still comes"
