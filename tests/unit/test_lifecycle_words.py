"""The words of pausing, resuming and ending a pairing (prompts lifecycle.*), as each person
reads them: the one who acts, their partner and the program owner. The platform tests
(tests/e2e/test_*_owner_tools.py, test_*_calendar.py) check how these are drawn, not what
they say."""

from __future__ import annotations

from tests.harness import ERIK, MINA


async def test_pause_and_resume_are_answered_and_the_partner_told(harness):
    await harness.active_pairing()
    await harness.tick()
    choose = await harness.command(ERIK, "pause")
    assert choose.text == (
        "Which pairing would you like to pause? Nobody is nudged until one of you resumes it."
    )
    assert [(b.label, b.action) for b in choose.buttons] == [
        ("Pause: Mina (Digital Leaders)", "pairing.pause")
    ]
    paused = await harness.click(ERIK, "pairing.pause", choose.buttons[0].value)
    assert paused.text == (
        "Paused. No nudges until you or Mina resume it - type resume when you're ready."
    )
    assert (await harness.command(ERIK, "pause")).text == "You have no active pairing to pause."
    await harness.tick()
    assert harness.texts("mina")[-1] == (
        "Erik paused your pairing in Digital Leaders for now. Nothing is needed from you; I'll"
        " let you know when it resumes."
    )

    choose = await harness.command(MINA, "resume")
    assert choose.text == "Which pairing would you like to resume?"
    assert [b.label for b in choose.buttons] == ["Resume: Erik (Digital Leaders)"]
    resumed = await harness.click(MINA, "pairing.resume", choose.buttons[0].value)
    assert resumed.text == "Resumed. Next step: booking your next session."
    assert (await harness.command(MINA, "resume")).text == "You have no paused pairing to resume."
    await harness.tick()
    assert harness.texts("erik")[-1] == (
        "Mina resumed your pairing in Digital Leaders. Next step: booking your next session."
    )


async def test_pausing_with_a_session_booked_says_it_is_cancelled(harness):
    pairing = await harness.active_pairing()
    await harness.tick()
    await harness.book(ERIK, pairing, "2026-03-05", "10:00")
    choose = await harness.command(ERIK, "pause")
    paused = await harness.click(ERIK, "pairing.pause", choose.buttons[0].value)
    assert paused.text == (
        "Paused, and what you had booked is cancelled - you'll both get a calendar update. No"
        " nudges until you or Mina resume it - type resume when you're ready."
    )


async def test_ending_asks_once_more_and_tells_the_partner_only_that_it_ended(harness):
    pairing = await harness.active_pairing()
    choose = await harness.command(MINA, "end")
    assert choose.text == (
        "Which pairing would you like to end? I'll ask once more before anything happens."
    )
    assert [b.label for b in choose.buttons] == ["End: Erik (Digital Leaders)"]
    question = await harness.click(MINA, "pairing.end", choose.buttons[0].value)
    assert question.text == (
        "End your pairing with Erik? Erik will only hear that the pairing has ended - not who"
        " ended it or why. Your program owners will know it was you, and may check in with you"
        " privately."
    )
    assert [(b.label, b.action) for b in question.buttons] == [
        ("End the pairing", "pairing.end_confirm"),
        ("Keep going", "pairing.keep"),
    ]
    kept = await harness.click(MINA, "pairing.keep", pairing.id)
    assert kept.text == "Good - nothing changed."
    ended = await harness.click(MINA, "pairing.end_confirm", pairing.id)
    assert ended.text == "Done - the pairing has ended. Thank you for the time you gave it."
    await harness.tick()
    assert harness.texts("erik")[-1] == (
        "Your pairing in the Digital Leaders program has ended. Thank you for the time you gave"
        " it - your program owner may be in touch about what comes next."
    )
    assert harness.texts("olivia")[-1] == (
        "Mina Park ended the pairing with Erik Lund in Digital Leaders. Erik Lund has only been"
        " told that it ended."
    )
    assert (await harness.command(MINA, "end")).text == "You have no pairing to end."
