"""Read-only answers (owner status) are kept only while nothing was written anywhere: on
both databases, a write by another replica (another store on the same database) makes the
next status a new one, and so does the next minute."""

import asyncio
from datetime import timedelta

from bot.domain.model import Program
from storage.store import SqlStore
from tests.harness import OWNER, unit_of_work


async def _version(store):
    """The store's version, once it can tell (PostgreSQL: once its listener is connected)."""
    for _ in range(100):
        found = await store.version()
        if found is not None:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError("the store never could tell its version")


async def _changed(store, before):
    for _ in range(100):  # PostgreSQL: the other replica's NOTIFY arrives a moment later
        if await store.version() != before:
            return True
        await asyncio.sleep(0.05)
    return False


async def test_a_status_is_kept_until_any_replica_writes(harness, database_url):
    await harness.program("Kept")
    await _version(harness.store)
    await harness.command(OWNER, "status", "Kept")  # the owner's first word is noted: a write
    first = await harness.command(OWNER, "status", "Kept")
    again = await harness.command(OWNER, "status", "Kept")
    assert again is first, "nothing written since: the same answer"
    assert "Kept - " in first.plain()

    other = SqlStore.from_url(database_url)  # another replica on the same database
    try:
        before = await harness.store.version()
        async with unit_of_work(other) as tx:
            program = (await tx.find(Program, name="Kept"))[0]
            program.objective = "video craft"
            await tx.save(program, fields=("objective",))
        assert await _changed(harness.store, before), "the other replica's write is heard"
    finally:
        await other.close()
    fresh = await harness.command(OWNER, "status", "Kept")
    assert fresh is not first and "Kept - video craft" in fresh.plain()

    kept = await harness.command(OWNER, "status", "Kept")
    assert kept is fresh
    harness.clock.set(harness.clock.now() + timedelta(minutes=1))
    later = await harness.command(OWNER, "status", "Kept")
    assert later is not fresh, "a new minute: the figures are counted again"


async def test_a_write_in_this_process_is_seen_at_once(harness):
    await harness.program("Mine")
    await _version(harness.store)
    await harness.command(OWNER, "status", "Mine")
    first = await harness.command(OWNER, "status", "Mine")
    assert await harness.command(OWNER, "status", "Mine") is first
    await harness.command(OWNER, "program", "set Mine cadence=7")
    fresh = await harness.command(OWNER, "status", "Mine")
    assert fresh is not first and "a session every 7 days" in fresh.plain()
