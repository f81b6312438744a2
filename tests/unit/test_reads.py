"""Commands that only read (help, me, status) run without a write transaction when the person
needs no update: they answer while another transaction holds the write lock, and leave no
trace; someone new, or whose contact is due to be noted again, goes the way that writes."""

import asyncio
from datetime import timedelta

from bot.domain.model import Participant, Program
from tests.harness import MINA, OWNER, unit_of_work


async def _processed(harness) -> int:
    async with unit_of_work(harness.store) as tx:
        rows = await tx.conn.exec_driver_sql("SELECT event_id FROM processed_events")
        return len(rows.all())


async def test_a_known_person_gets_status_while_a_writer_holds_the_lock(harness):
    await harness.active_pairing()
    first = await harness.command(OWNER, "status")  # noted: contact, the event id
    seen = await _processed(harness)
    async with unit_of_work(harness.store) as tx:  # on SQLite, the write lock until the end
        await tx.add(Program(name="Held open"))
        again = await asyncio.wait_for(harness.command(OWNER, "status"), 5)
        me = await asyncio.wait_for(harness.command(MINA, "me"), 5)
        typed = await asyncio.wait_for(harness.say(MINA, "help"), 5)
    assert again.sections == first.sections and again.sections
    assert "Digital Leaders" in str(me.sections) and "help" in typed.text.lower()
    assert await _processed(harness) == seen, "reads leave no event ids behind"


async def test_contact_is_still_noted_once_a_minute_and_newcomers_are_stored(harness):
    await harness.command(OWNER, "me")
    noted = (await harness.person(OWNER)).contacted_at
    harness.clock.advance(timedelta(seconds=30))
    await harness.command(OWNER, "me")
    assert (await harness.person(OWNER)).contacted_at == noted, "within the minute: read only"
    harness.clock.advance(timedelta(seconds=31))
    await harness.command(OWNER, "help")
    assert (await harness.person(OWNER)).contacted_at == harness.clock.now()
    reply = await harness.command(MINA, "status")
    assert reply.text
    async with unit_of_work(harness.store) as tx:
        [mina] = await tx.find(Participant, user_id=MINA.user_id)
    assert mina.contacted_at == harness.clock.now() and mina.display_name == "Mina Park"


async def test_a_retried_read_is_answered_once(harness):
    from bot.domain.events import CommandIssued

    await harness.command(OWNER, "me")
    event = CommandIssued("console", "retried-1", OWNER, name="status")
    assert await harness.engine.handle(event) is not None
    assert await harness.engine.handle(event) is None


async def test_a_read_that_failed_is_answered_when_tried_again(harness, monkeypatch):
    """The retry of a failed read (adapters/turns.py tries once more) is not taken for a
    platform's duplicate: the event counts as answered only once it was."""
    from adapters import turns
    from bot.domain.events import CommandIssued

    await harness.command(OWNER, "me")
    reading, calls = harness.store.reading, []

    def failing_once():
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("the database went away for a moment")
        return reading()

    monkeypatch.setattr(harness.store, "reading", failing_once)
    turn = await turns.take(
        harness.engine, CommandIssued("console", "flaky-1", OWNER, name="status")
    )
    assert not turn.failed and turn.message is not None and len(calls) == 2
    again = await harness.engine.handle(CommandIssued("console", "flaky-1", OWNER, name="status"))
    assert again is None, "once answered, a platform's retry is a duplicate"
