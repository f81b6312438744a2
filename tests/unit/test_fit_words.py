"""The words of the note that reaches the program owners when someone doubts their match
after the first session (prompt fit.owner). The platform tests
(tests/e2e/test_*_outcomes.py) check where it is drawn and who gets it, not what it says."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.harness import ERIK, MINA


async def test_a_doubt_reaches_the_owner_as_a_note_naming_the_pair_and_the_answer(harness):
    pairing = await harness.active_pairing()
    await harness.tick()
    await harness.book(ERIK, pairing, "2026-03-03", "10:00")
    await harness.tick(datetime(2026, 3, 3, 11, 0, tzinfo=UTC))
    card = await harness.click(ERIK, "session.held", 1)
    [fit] = [a for a in card.asks if a.text.startswith("Is this pairing working")]
    await harness.click(ERIK, "pulse.answer", fit.buttons[1].value)  # Not sure
    await harness.tick()
    [note] = harness.inbox("olivia", "may need a hand")
    assert note.message.text == (
        'A pairing in Digital Leaders may need a hand: Erik Lund answered "not sure" to "Is this'
        ' pairing working for you?" after the first session with Mina Park. Mina Park has not'
        " been told. A quiet word with each of them may help."
    )
    assert not harness.inbox(MINA.user_id, "may need a hand")
