"""One conversation, not a stream of notifications (issue 24), through the engine: one card
after a held session for each person, the booker's invite in the booking answer whatever the
hour while the partner's keeps to their working hours, and what falls due together going as
one message."""

from datetime import UTC, datetime, timedelta

from bot.domain.model import Notification
from tests.harness import ERIK, MINA, TOM

FRIDAY_9PM_NEW_YORK = datetime(2026, 3, 7, 2, 0, tzinfo=UTC)
MONDAY_9AM_BERLIN = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)


async def _rows(harness, **where) -> list[Notification]:
    return await harness.engine.run(lambda ctx: ctx.tx.find(Notification, **where))


def _asks(message) -> list[str]:
    return [ask.text for ask in message.asks]


async def test_it_happened_brings_each_person_one_message(harness):
    pairing = await harness.active_pairing()
    await harness.tick()
    await harness.book(ERIK, pairing, "2026-03-03", "10:00")
    await harness.tick(datetime(2026, 3, 3, 11, 0, tzinfo=UTC))  # "did it happen?" to Erik
    before = {user: len(harness.inbox(user)) for user in ("erik", "mina")}
    card = await harness.click(ERIK, "session.held", 1)
    await harness.tick()
    await harness.tick(harness.clock.now() + timedelta(days=1))  # nothing else follows the next day
    # Erik's question became his card; Mina got hers, once.
    assert card.redraw
    assert len(harness.inbox("erik")) == before["erik"]
    [mina] = harness.inbox("mina")[before["mina"] :]
    for message, other in ((card, "Mina"), (mina.message, "Erik")):
        asks = " | ".join(_asks(message))
        assert message.text.startswith(f"Thanks for your session with {other} (Tue 3 Mar, 10:00)")
        assert "How was it?" in asks and "Is this pairing working for you?" in asks
        assert {b.action for b in message.every_button} >= {"pulse.answer", "reflection.write"}
    assert "What changed for you" in " ".join(_asks(card))
    assert "What stood out for you" in " ".join(_asks(mina.message))
    # Both count as asked: a typed reply from either is their reflection.
    assert "Thanks - saved" in (await harness.say(MINA, "Erik asked the right questions")).text
    assert "Thanks - saved" in (await harness.say(ERIK, "I get how a trend spreads")).text


async def test_a_rating_redraws_the_card_with_the_rest_still_open(harness):
    pairing = await harness.active_pairing()
    await harness.tick()
    await harness.book(ERIK, pairing, "2026-03-03", "10:00")
    await harness.tick(datetime(2026, 3, 3, 11, 0, tzinfo=UTC))
    card = await harness.click(ERIK, "session.held", 1)
    [five] = [b for b in card.every_button if b.value == "1:useful:5"]
    again = await harness.click(ERIK, five.action, five.value)
    assert again.redraw and "You rated it 5 of 5" in again.text
    assert "How was it?" not in " ".join(_asks(again))
    assert {b.action for b in again.every_button} >= {"pulse.answer", "reflection.write"}
    [no] = [b for b in again.every_button if b.value == "1:fit:no"]
    third = await harness.click(ERIK, no.action, no.value)
    assert "told the program owners" in third.text
    assert [a for a in _asks(third) if "What changed" in a]


async def test_the_booker_gets_the_invite_at_once_at_nine_on_a_friday_evening(harness):
    harness.clock.set(datetime(2026, 3, 6, 15, 0, tzinfo=UTC))  # Friday, in working hours
    pairing = await harness.active_pairing(
        mentor=MINA, mentee=TOM
    )  # Mina in Berlin, Tom in New York
    harness.clock.set(FRIDAY_9PM_NEW_YORK)
    # Tom books at 21:00 on a Friday where he is: the invite is in his answer, at once.
    booked = await harness.book(TOM, pairing, "2026-03-10", "10:00")
    assert booked.file is not None and booked.invite is not None, booked
    assert booked.text.startswith("Booked: Tue 10 Mar, 10:00 (America/New_York), 45 min with Mina")
    assert "(15:00 for Mina)" in booked.text  # New York is on summer time from 8 March
    tom = await harness.person(TOM)
    [his] = await _rows(harness, kind="invite", recipient_id=tom.id)
    assert (his.status, his.sent_at) == ("sent", FRIDAY_9PM_NEW_YORK)
    # Mina's waits for her working hours: Monday 09:00 in Berlin, not the middle of her night.
    await harness.tick(FRIDAY_9PM_NEW_YORK + timedelta(minutes=5))
    assert not harness.inbox("mina", "booked your next session")
    mina = await harness.person(MINA)
    [hers] = await _rows(harness, kind="invite", recipient_id=mina.id)
    assert hers.status == "pending"
    assert hers.due_at == MONDAY_9AM_BERLIN
    await harness.tick(MONDAY_9AM_BERLIN)
    [invite] = harness.inbox("mina", "booked your next session")
    assert invite.message.file is not None
    assert not harness.inbox("tom", "calendar invite"), "Tom's invite came only in his answer"


async def test_the_check_in_that_opens_a_pairing_never_comes_on_its_own(harness):
    """The one who completes the consent is asked it in that answer, with booking; the other
    gets it with their first nudge, not as a message of its own."""
    program = await harness.program()
    pairing = await harness.pairing(program)
    await harness.click(MINA, "pairing.accept", pairing.id)
    answer = await harness.click(ERIK, "pairing.accept", pairing.id)
    assert {b.action for b in answer.every_button} >= {"session.schedule", "checkin.answer"}
    assert [a for a in _asks(answer) if "what do you hope to get" in a]
    await harness.tick()
    await harness.tick(harness.clock.now() + timedelta(days=1))  # the mentor's nudge waits a day
    assert not harness.inbox("erik"), "Erik had his in the answer"
    [nudge] = harness.inbox("mina")
    assert "Time to book your first session" in nudge.message.text
    assert [a for a in _asks(nudge.message) if "what do you hope to get" in a]
    assert {b.action for b in nudge.message.every_button} >= {"session.schedule", "checkin.answer"}
    rows = await _rows(harness, kind="checkin")
    assert sorted(r.status for r in rows) == ["sent", "sent"]
