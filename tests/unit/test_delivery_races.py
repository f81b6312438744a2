"""Delivery while people act in the middle of a tick: rows changed during the tick are left as
they are now, a row that cannot be composed fails alone, and someone who writes in while a
send to them is refused stays reachable."""

import logging
from datetime import UTC, datetime, timedelta

import pytest

from bot.context import Context
from bot.domain.model import Notification, Participant, Session
from bot.domain.ports import DeliveryError
from bot.flows.people import person_for
from storage.store import SqlStore
from tests.databases import empty_postgres
from tests.harness import ERIK, MINA, PRIYA, TOM, Harness, unit_of_work

# Claims and leases under concurrent transactions: part of the storage contract, on both.
pytestmark = pytest.mark.both_databases

TUESDAY_9 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)  # Berlin 10:00, New York 04:00


class Interrupting:
    """Delivers as the console does, but before its first send lets someone act (through
    the engine, as a click would arrive) while the tick is still sending."""

    def __init__(self, harness: Harness, act) -> None:
        self.h = harness
        self.act = act

    async def send(self, recipient, message):
        if self.act is not None:
            act, self.act = self.act, None
            await act()
        return await self.h.sender.send(recipient, message)


async def _rows(harness: Harness, **where) -> list[Notification]:
    return await harness.engine.run(lambda ctx: ctx.tx.find(Notification, **where))


async def _queue(harness: Harness, kind: str, actor, key: str, due: datetime, **fields) -> None:
    """A row as the store holds it: written by this version, by a newer one (a kind this one
    does not know) or by a bug; `Context.notify` would refuse an unknown kind."""

    async def work(ctx):
        person = await person_for(ctx, actor)
        row = Notification(key=key, kind=kind, recipient_id=person.id, due_at=due, **fields)
        await ctx.tx.queue.add_notification(row)

    await harness.engine.run(work)


async def test_forget_me_during_a_tick_leaves_the_skipped_rows_skipped_and_delivery_goes_on(
    harness,
):
    harness.clock.set(datetime(2026, 3, 2, 15, 0, tzinfo=UTC))  # Berlin 16:00, New York 10:00
    program = await harness.program()
    pairing = await harness.active_pairing(program, mentor=MINA, mentee=TOM)
    await harness.tick()
    ids = {"pairing_id": pairing.id}
    # Notes queued while both were at work; the server then stays down until the next morning.
    await _queue(
        harness, "note", MINA, "to-mina", harness.clock.now(), payload={"text": "Tom booked"}, **ids
    )
    await _queue(
        harness, "note", TOM, "to-tom", harness.clock.now(), payload={"text": "Mina booked"}, **ids
    )
    later = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)
    await _queue(harness, "note", PRIYA, "to-priya", later, payload={"text": "Your program starts"})
    tom = await harness.person(TOM)
    # Tuesday 09:00 UTC: Mina is at work, Tom's note waits for his morning. While Mina's note
    # is being sent, Tom asks to be forgotten: his waiting note is skipped and emptied.
    harness.engine.senders["console"] = Interrupting(
        harness, lambda: harness.click(TOM, "privacy.forget", tom.id)
    )
    await harness.tick(TUESDAY_9)
    [to_tom] = await _rows(harness, key="to-tom")
    assert (to_tom.status, to_tom.payload) == ("skipped", {}), "the tick must not revive it"
    assert harness.texts("mina")[-2:][0] == "Tom booked"
    assert "has ended" in harness.texts("mina")[-1]
    second = await harness.tick(later)
    third = await harness.tick(later + timedelta(hours=1))
    assert harness.texts("priya") == ["Your program starts"], (second.line(), third.line())
    [to_tom] = await _rows(harness, key="to-tom")
    assert (to_tom.status, to_tom.payload) == ("skipped", {})
    assert not harness.inbox("tom", "Mina booked")
    assert await _rows(harness, status="failed") == []


async def test_a_pair_resumed_during_the_tick_that_skipped_its_nudges_gets_them(harness):
    pairing = await harness.active_pairing()  # Erik's first nudge is his answer, Monday 09:00
    await harness.tick()  # Mina's first nudge is planned for Tuesday 09:00
    assert not harness.inbox("mina", "book your first session")
    # Thursday evening, no tick since Monday: Mina's nudge and Erik's reminder (due at 09:00)
    # come due outside working hours and wait for Friday morning; then Erik pauses.
    await harness.tick(datetime(2026, 3, 5, 17, 30, tzinfo=UTC))
    assert not harness.inbox("erik", "gentle reminder")
    assert not harness.inbox("mina", "book your first session")
    await harness.click(ERIK, "pairing.pause", pairing.id)
    # Friday 08:00 UTC the tick finds the pair paused and skips both nudges; while it sends
    # Mina the "paused" note, Erik resumes, which asks again what was skipped.
    harness.engine.senders["console"] = Interrupting(
        harness, lambda: harness.click(ERIK, "pairing.resume", pairing.id)
    )
    await harness.tick(datetime(2026, 3, 6, 8, 0, tzinfo=UTC))
    await harness.tick(datetime(2026, 3, 6, 8, 5, tzinfo=UTC))
    assert "resumed your pairing" in harness.texts("mina")[-1] or harness.inbox("mina", "resumed")
    assert len(harness.inbox("erik", "gentle reminder")) == 1, harness.texts("erik")
    assert len(harness.inbox("mina", "book your first session")) == 1, harness.texts("mina")


async def test_a_row_that_cannot_be_composed_fails_with_its_reason_and_the_rest_goes_out(
    harness, caplog
):
    pairing = await harness.active_pairing()
    await harness.tick()
    await harness.book(ERIK, pairing, "2026-03-03", "10:00")
    [session] = await harness.engine.run(lambda ctx: ctx.tx.find(Session, pairing_id=pairing.id))
    now = harness.clock.now()
    # Rows this version cannot word (written by a newer one, or by a bug).
    stage = {"stage": "someday"}
    await _queue(harness, "checkin", MINA, "no-copy", now, pairing_id=pairing.id, payload=stage)
    await _queue(harness, "mystery", ERIK, "odd", now, pairing_id=pairing.id, session_id=session.id)
    await _queue(harness, "note", PRIYA, "fine", now, payload={"text": "All good"})
    caplog.set_level(logging.INFO)
    first = await harness.tick()
    second = await harness.tick(now + timedelta(hours=1))
    assert harness.texts("priya") == ["All good"]
    assert harness.inbox("mina", "booked"), "the booking note queued with them goes out too"
    failed = {row.key: row for row in await _rows(harness, status="failed")}
    assert set(failed) == {"no-copy", "odd"}, (first.line(), second.line())
    assert failed["no-copy"].last_error.startswith("could not compose: MissingPrompt")
    assert failed["odd"].last_error.startswith("could not compose: ValueError")
    assert "mystery" in failed["odd"].last_error
    assert first.failed == 2 and second.due == 0
    logged = [r for r in caplog.records if "could not compose" in r.getMessage()]
    assert len(logged) == 2, "each row is logged once"


class RefusedWhileWritingIn:
    """A platform that refuses (as a blocked bot) the first send to Mina, and the first to
    Erik while Erik is writing to the bot; then it delivers."""

    def __init__(self, harness: Harness) -> None:
        self.h = harness
        self.refused: set[str] = set()

    async def send(self, recipient, message):
        if recipient.user_id not in self.refused:
            self.refused.add(recipient.user_id)
            if recipient.user_id == "erik":
                await self.h.say(ERIK, "hello")
            raise DeliveryError("blocked", permanent=True)
        return await self.h.sender.send(recipient, message)


async def test_someone_writing_in_while_a_send_to_them_is_refused_stays_reachable(harness):
    await harness.pairing(await harness.program())
    harness.engine.senders["console"] = RefusedWhileWritingIn(harness)
    first = await harness.tick()
    assert (first.failed, first.retrying) == (1, 1), first.line()
    erik, mina = await harness.person(ERIK), await harness.person(MINA)
    assert erik.reachable and not mina.reachable
    await harness.tick(harness.clock.now() + timedelta(minutes=5))
    assert harness.last("erik", "pairing.accept"), "Erik's invitation is sent again"
    assert not harness.inbox("mina"), "Mina, who did not write in, is left alone"
    [intro] = await _rows(harness, recipient_id=mina.id)
    assert intro.status == "failed"
    # Once Mina writes in she is reachable again and her invitation goes out.
    await harness.say(MINA, "hi")
    await harness.tick(harness.clock.now() + timedelta(minutes=5))
    assert harness.last("mina", "pairing.accept")
    found = await harness.engine.run(lambda ctx: ctx.tx.find(Participant, reachable=False))
    assert found == []


@pytest.fixture
async def pg_harness(postgres):
    """The harness on PostgreSQL only: the race below needs two connections at once, which
    SQLite's one writer at a time rules out."""
    await empty_postgres(postgres.url)
    store = SqlStore.from_url(postgres.url)
    yield Harness(store)
    await store.close()


class PausedBeforeRequeue:
    """A transaction that lets others act just before it writes re-queued rows, as another
    connection can at that moment on PostgreSQL."""

    def __init__(self, tx, meanwhile) -> None:
        self.tx = tx
        self.meanwhile = meanwhile
        self.queue = _PausedQueue(self)

    def __getattr__(self, name):
        return getattr(self.tx, name)

    async def _pause(self) -> None:
        if self.meanwhile is not None:
            meanwhile, self.meanwhile = self.meanwhile, None
            await meanwhile()

    async def save(self, record, fields=()):
        if isinstance(record, Notification):
            await self._pause()
        return await self.tx.save(record, fields)


class _PausedQueue:
    """The queue part of PausedBeforeRequeue: re-queuing waits for the others first."""

    def __init__(self, paused: PausedBeforeRequeue) -> None:
        self.paused = paused

    def __getattr__(self, name):
        return getattr(self.paused.tx.queue, name)

    async def requeue_failed(self, *args):
        await self.paused._pause()
        return await self.paused.tx.queue.requeue_failed(*args)


class Blocked:
    async def send(self, recipient, message):
        raise DeliveryError("blocked", permanent=True)


async def test_writing_in_requeues_only_invitations_that_are_still_failed(pg_harness):
    harness = pg_harness
    await harness.pairing(await harness.program())
    harness.engine.senders["console"] = Blocked()
    await harness.tick()
    erik = await harness.person(ERIK)
    [intro] = await _rows(harness, recipient_id=erik.id)
    assert (erik.reachable, intro.status) == (False, "failed")

    async def sent_meanwhile() -> None:
        # Another message of Erik's re-queued the invitation and a tick sent it.
        async with unit_of_work(harness.store) as other:
            row = await other.get(Notification, intro.id)
            row.status, row.sent_at = "sent", harness.clock.now()
            await other.save(row, ("status", "sent_at"))

    async with unit_of_work(harness.store) as tx:
        ctx = Context(PausedBeforeRequeue(tx, sent_meanwhile), harness.clock.now(), harness.config)
        assert (await person_for(ctx, ERIK, contact=True)).reachable
    [intro] = await _rows(harness, recipient_id=erik.id)
    assert intro.status == "sent", "a sent invitation must not be queued again"
