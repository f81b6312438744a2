"""The words of recognition (prompts followup.thanks_mentor and followup.manager): the
mentor's thanks when a mentee puts a suggestion into practice, and the note to the mentor's
manager. The platform tests (tests/e2e/test_*_outcomes.py, test_*_owner_tools.py) check who
gets them and how they are drawn, not what they say."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.events import Mention
from tests.harness import ERIK, MINA, TOM


async def test_the_mentor_is_thanked_with_the_suggestion_and_the_manager_told(harness):
    program = await harness.program(recognition="manager")
    reply = await harness.command(MINA, "join", "@tom", (Mention("@tom", TOM),))
    value = reply.buttons[0].value
    await harness.submit(MINA, "enrolment.submit", value, role="mentor", teaches="tiktok")
    await harness.held_session(await harness.active_pairing(program))
    await harness.submit(
        ERIK,
        "reflection.submit",
        1,
        what_changed="Posting",
        implemented="Weekly video",
        visibility="program",
    )
    await harness.run_until(harness.clock.now() + timedelta(days=2, hours=1))
    [thanks] = harness.inbox("mina", "into practice")
    assert thanks.message.text == (
        'Erik put one of your suggestions into practice: "Weekly video". Thank you for making a'
        " difference."
    )
    [note] = harness.inbox("tom")
    assert note.message.text == (
        "Some good news from the Digital Leaders program: a suggestion from Mina, who you"
        " manage, was put into practice. You may want to tell Mina it made a difference."
    )
