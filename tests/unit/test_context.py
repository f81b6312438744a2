"""The unit of work: one transaction with an identity map, so that a cached read and a locked
read of the same record cannot disagree."""

from dataclasses import replace

from bot.context import Context
from bot.domain.model import Pairing
from tests.harness import unit_of_work


async def test_a_locked_read_refreshes_what_the_unit_of_work_already_holds(harness):
    pairing = await harness.active_pairing()
    async with unit_of_work(harness.store) as tx:
        ctx = Context(tx, harness.clock.now(), harness.config)
        cached = await ctx.pairing(pairing.id)
        # Changed under it (by another flow of this transaction, or a writer before our lock).
        await tx.save(replace(cached, goal="Changed meanwhile"), fields=("goal",))
        assert (await ctx.pairing(pairing.id)).goal != "Changed meanwhile", "a cached read"
        locked = await ctx.get(Pairing, pairing.id, lock=True)
        assert locked is cached and cached.goal == "Changed meanwhile"
        assert await ctx.pairing(pairing.id) is locked
        assert await ctx.get(Pairing, 10_000, lock=True) is None
