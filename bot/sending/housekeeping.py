"""Keeping the store from growing without end: the event ids remembered to spot platform
retries are forgotten after a week, a bounded batch at a time."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.domain.ports import Store, Tx

log = logging.getLogger(__name__)

# Platforms retry an unanswered event within minutes (Slack: 3 times in about 5 minutes);
# a week is ample for spotting retries.
SEEN_FOR = timedelta(days=7)
BATCH = 1_000  # rows deleted per statement, so no transaction holds the write lock for long
MAX_BATCHES = 10  # per tick: a backlog is worked off over the following ticks


async def prune_seen_events(tx: Tx) -> int:
    """One batch, in a transaction the tick opens anyway (an idle tick costs one index probe)."""
    return await tx.queue.prune_seen(SEEN_FOR, BATCH)


async def prune_backlog(store: Store, pruned: int) -> int:
    """More batches, each in its own short transaction, while the last one was full."""
    total = pruned
    for _ in range(MAX_BATCHES - 1):
        if pruned < BATCH:
            break
        async with store.transaction() as tx:
            pruned = await prune_seen_events(tx)
        total += pruned
    if total:
        log.info("forgot %s event ids seen more than %s ago", total, SEEN_FOR)
    return total
