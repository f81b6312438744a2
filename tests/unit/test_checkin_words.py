"""The words of the program check-ins (prompts checkin.*), as the people in a pair read them:
the question at the start, half-way and at the end, the one reminder, the form, its
refusals and the thanks. The platform tests (tests/e2e/test_*_owner_tools.py and others)
check how these are drawn, not what they say."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.domain.messages import FormErrors
from tests.harness import ERIK, MINA

EXPECTATIONS = (
    "You and {other} are starting out in Dated. In a line or two: what do you hope to get from"
    " it? Your program owners read the answers, to make the program better."
)


async def test_each_stage_asks_in_its_own_words_and_the_reminder_comes_once(harness):
    program = await harness.program("Dated", starts_on=date(2026, 3, 2), ends_on=date(2026, 4, 30))
    pairing = await harness.pairing(program)
    await harness.click(MINA, "pairing.accept", pairing.id)
    # Erik's yes makes the pair active: his answer asks too; Mina's goes with her first nudge.
    answer = await harness.click(ERIK, "pairing.accept", pairing.id)
    [asked] = [a for a in answer.asks if a.buttons[0].action == "checkin.answer"]
    assert asked.text == EXPECTATIONS.format(other="Mina")
    assert [b.label for b in asked.buttons] == ["Answer (1 min)"]
    await harness.run_until(datetime(2026, 3, 19, 12, 0, tzinfo=UTC), timedelta(hours=6))
    nudge, reminder = harness.inbox("mina")
    assert [a.text for a in nudge.message.asks] == [EXPECTATIONS.format(other="Erik")]
    assert reminder.message.text == (
        "A gentle reminder: a one-minute answer about Dated is still open. I won't ask again."
    )
    assert [b.action for b in reminder.message.buttons] == ["checkin.answer"]

    await harness.run_until(datetime(2026, 4, 7, 16, 0, tzinfo=UTC), timedelta(hours=12))
    [midpoint] = harness.inbox("mina", "half-way")
    assert midpoint.message.text == (
        "Dated is half-way through. How useful is your time with Erik, from 1 to 5, and is there"
        " anything to change? Your program owners read the answers."
    )
    await harness.run_until(datetime(2026, 5, 1, 16, 0, tzinfo=UTC), timedelta(hours=12))
    [final] = harness.inbox("erik", "has ended")
    assert final.message.text == (
        "Dated has ended - thank you. How useful was your time with Mina, from 1 to 5, and what"
        " would you tell the next pairs? Your program owners read the answers."
    )


async def test_the_form_says_who_reads_it_refuses_gaps_and_thanks_once(harness):
    program = await harness.program("Dated", starts_on=date(2026, 3, 2), ends_on=date(2026, 4, 30))
    pairing = await harness.pairing(program)
    await harness.click(MINA, "pairing.accept", pairing.id)
    await harness.click(ERIK, "pairing.accept", pairing.id)
    start = f"{pairing.id}:expectations"
    form = await harness.click(ERIK, "checkin.answer", start)
    assert form.text == "Your program owners read your answer."
    assert (form.form.title, form.form.submit_label) == ("Check-in", "Send")
    assert [f.label for f in form.form.fields] == ["What do you hope to get from it?"]
    empty = await harness.submit(ERIK, "checkin.submit", start, text=" ")
    assert isinstance(empty, FormErrors)
    assert empty.errors == {"text": "Write a line about what you hope for, then send."}
    saved = await harness.submit(ERIK, "checkin.submit", start, text="Learn to post")
    assert saved.text == "Thanks - your program owners will read it."
    again = await harness.submit(ERIK, "checkin.submit", start, text="Again")
    assert again.text == "You've already answered this one - thank you."

    half_way = f"{pairing.id}:midpoint"
    await harness.run_until(datetime(2026, 4, 7, 16, 0, tzinfo=UTC), timedelta(hours=12))
    form = await harness.click(MINA, "checkin.answer", half_way)
    assert [f.label for f in form.form.fields] == ["How useful is it?", "Anything to change?"]
    assert [c.label for c in form.form.fields[0].choices] == [
        "5 - very useful",
        "4 - useful",
        "3 - somewhat",
        "2 - not much",
        "1 - not at all",
    ]
    unrated = await harness.submit(MINA, "checkin.submit", half_way, text="More analytics")
    assert isinstance(unrated, FormErrors)
    assert unrated.errors == {"rating": "Pick a number from 1 to 5."}
