"""The words that come with a series of sessions and with moving one (prompts
schedule.booked_series, schedule.move_pick, schedule.moved, invite.series_other,
invite.moved_other and invite.called_off), as the booker and the partner read them. The
platform tests (tests/e2e/test_*_calendar.py) check the invites and how the messages are
drawn, not what they say."""

from __future__ import annotations

from tests.harness import ERIK, MINA


async def test_a_series_is_confirmed_to_both_and_a_pause_calls_each_session_off(harness):
    pairing = await harness.active_pairing()
    await harness.tick()
    booked = await harness.submit(
        ERIK,
        "session.schedule",
        pairing.id,
        date="2026-03-05",
        time="10:00",
        minutes="30",
        repeat="3",
    )
    assert booked.text == (
        "Booked 3 sessions with Mina, every 14 days from Thu 5 Mar, 10:00 (Europe/Berlin), 30"
        " min each. Here's one calendar invite for all of them; Mina gets one too, and you both"
        " get an agenda before each."
    )
    await harness.tick()
    told = harness.last("mina", "session.move").message
    assert told.text == (
        "Erik booked your next 3 sessions, every 14 days from Thu 5 Mar, 10:00, 30 min each."
        " Here's one calendar invite for all of them."
    )
    choose = await harness.command(ERIK, "pause")
    await harness.click(ERIK, "pairing.pause", choose.buttons[0].value)
    await harness.tick()
    off = harness.inbox("mina")[-1].message
    assert off.text == (
        "Your sessions with Erik on Thu 5 Mar, 10:00, Thu 19 Mar, 10:00, Thu 2 Apr, 10:00 are"
        " off. Open this calendar update to take them out of your calendar."
    )


async def test_moving_a_session_asks_for_the_new_time_and_tells_both(harness):
    pairing = await harness.active_pairing()
    await harness.tick()
    await harness.book(ERIK, pairing, "2026-03-05", "10:00")
    await harness.tick()
    [move] = [
        b for b in harness.last("mina", "session.move").message.buttons if b.label == "Reschedule"
    ]
    form = await harness.click(MINA, "session.move", move.value)
    assert form.text == "Pick the new time for your session on Thu 5 Mar, 10:00."
    assert (form.form.title, form.form.submit_label) == ("Move a session", "Move it")
    moved = await harness.submit(
        MINA, "session.move", move.value, date="2026-03-06", time="11:00", minutes="45"
    )
    assert moved.text == (
        "Moved: Fri 6 Mar, 11:00 (Europe/Berlin), 45 min with Erik. Here's your updated calendar"
        " invite; Erik gets one too."
    )
    await harness.tick()
    assert harness.inbox("erik")[-1].message.text == (
        "Mina moved your session to Fri 6 Mar, 11:00, 45 min. Here's the updated calendar invite."
    )
