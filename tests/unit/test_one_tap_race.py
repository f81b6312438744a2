"""Two replicas, both people of a pair tapping different offered times at the same moment,
on each database: one session is booked, and the other person is told which one won."""

import asyncio
from datetime import timedelta

import pytest

from bot.domain.events import ActionClicked
from bot.domain.model import Session
from bot.engine import Engine
from storage.store import SqlStore
from tests.harness import ERIK, MINA, MONDAY, Harness

pytestmark = pytest.mark.both_databases

TAP = "session.book_at"


async def test_two_taps_at_once_on_two_replicas_book_one_session(store, database_url):
    harness = Harness(store)
    pairing = await harness.active_pairing()  # Erik's nudge is his answer
    await harness.tick(MONDAY + timedelta(days=1))  # Mina's, a day later
    theirs = [b.value for b in harness.last("mina", TAP).message.every_button if b.action == TAP]
    other = SqlStore.from_url(database_url)
    try:
        replica = Engine(other, harness.clock, harness.config, {"console": harness.sender})
        taps = [
            (harness.engine, ActionClicked("console", "race-1", ERIK, action=TAP, value=theirs[0])),
            (replica, ActionClicked("console", "race-2", MINA, action=TAP, value=theirs[1])),
        ]
        replies = await asyncio.gather(*(engine.handle(event) for engine, event in taps))
    finally:
        await other.close()
    texts = sorted(reply.text for reply in replies)
    booked = [t for t in texts if t.startswith("Booked: ")]
    told = [t for t in texts if "just booked your next session" in t]
    assert len(booked) == 1 and len(told) == 1, texts
    sessions = await harness.engine.run(lambda ctx: ctx.tx.find(Session, pairing_id=pairing.id))
    assert len(sessions) == 1
    won = f"{pairing.id}:{sessions[0].starts_at:%Y%m%dT%H%MZ}"
    assert won in theirs[:2], "the session is one of the two times tapped"
