"""Answers belong to a question that was asked (issue 25, item 8): a pulse, fit or check-in
answer made up with forged values, and a pair changing its objectives before both said yes,
change nothing and reach nobody."""

from datetime import UTC, datetime

from bot.domain.model import Notification
from bot.domain.outcomes import CheckIn, Objective, Pulse
from tests.harness import ERIK, MINA


async def _records(harness, kind):
    return await harness.engine.run(lambda ctx: ctx.tx.find(kind))


async def test_a_fit_or_rating_answer_to_a_card_never_sent_is_not_taken(harness):
    pairing = await harness.active_pairing()
    await harness.tick()
    await harness.book(ERIK, pairing, "2026-03-03", "10:00")
    await harness.tick(datetime(2026, 3, 3, 11, 0, tzinfo=UTC))
    await harness.click(ERIK, "session.held", 1)
    # Mina's card is still on its way (no tick since): her answers are made up.
    for value in ("1:fit:no", "1:useful:1"):
        refused = await harness.click(MINA, "pulse.answer", value)
        assert "couldn't find that" in refused.text, refused.text
    assert await _records(harness, Pulse) == []
    notes = await harness.engine.run(lambda ctx: ctx.tx.find(Notification, kind="note"))
    assert not [n for n in notes if "may need a hand" in str(n.payload)], "owners not told"
    # Once her card has gone out, the same answer counts.
    await harness.tick()
    taken = await harness.click(MINA, "pulse.answer", "1:fit:no")
    assert "told the program owners" in taken.text, taken.text


async def test_a_fit_answer_after_a_later_session_is_not_taken(harness):
    pairing = await harness.held_session()  # Erik's card asked the fit question for session 1
    await harness.book(ERIK, pairing, "2026-03-10", "10:00")
    await harness.tick(datetime(2026, 3, 10, 11, 0, tzinfo=UTC))
    card = await harness.click(ERIK, "session.held", 2)
    assert not [b for b in card.every_button if ":fit:" in b.value]
    refused = await harness.click(ERIK, "pulse.answer", "2:fit:no")
    assert "couldn't find that" in refused.text, refused.text
    assert [p.session_id for p in await _records(harness, Pulse) if p.kind == "fit"] == []


async def test_a_check_in_never_asked_is_not_answered(harness):
    pairing = await harness.active_pairing()  # Erik was asked his expectations, not the half-way
    opened = await harness.click(ERIK, "checkin.answer", f"{pairing.id}:midpoint")
    assert "couldn't find that" in opened.text, opened.text
    saved = await harness.submit(
        ERIK, "checkin.submit", f"{pairing.id}:midpoint", rating="1", text="made up"
    )
    assert "couldn't find that" in saved.text, saved.text
    assert await _records(harness, CheckIn) == []
    fine = await harness.submit(ERIK, "checkin.submit", f"{pairing.id}:expectations", text="Learn")
    assert "couldn't find" not in fine.text and len(await _records(harness, CheckIn)) == 1


async def test_objectives_wait_until_both_said_yes(harness):
    program = await harness.program()
    # Proposed, nobody has answered yet; the owner gave an objective with the proposal.
    pairing = await harness.pairing(program, goal="short video objectives: Post a reel")
    [given] = await _records(harness, Objective)
    reply = await harness.click(MINA, "objectives.edit", pairing.id)
    assert "once you have both said yes" in reply.text, reply.text
    saved = await harness.submit(ERIK, "objectives.submit", pairing.id, objective_1="Made up")
    assert "once you have both said yes" in saved.text, saved.text
    moved = await harness.click(ERIK, "objective.state", f"{given.id}:started")
    assert "once you have both said yes" in moved.text, moved.text
    [still] = await _records(harness, Objective)
    assert (still.text, still.state) == ("Post a reel", "not_started")
    # Both said yes: now they can.
    await harness.click(MINA, "pairing.accept", pairing.id)
    await harness.click(ERIK, "pairing.accept", pairing.id)
    moved = await harness.click(ERIK, "objective.state", f"{given.id}:started")
    assert "Marked as started" in moved.text, moved.text
