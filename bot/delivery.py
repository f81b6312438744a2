"""Sending due outbox rows: claim under a lease, compose, send, then mark sent or retry.

The contract: a row is sent once in normal operation. A process that dies after sending but
before marking a batch leaves those rows leased; once the lease expires another worker sends
them again. Duplicates are therefore only possible for the batch in flight at a crash.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.compose import compose
from bot.context import Context, EngineConfig
from bot.messages import Message
from bot.model import Notification, NotificationStatus, Participant
from bot.ports import DeliveryError, Sender, Store

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(seconds=30)
LEASE = timedelta(minutes=5)
BATCH = 100


@dataclass
class TickResult:
    """What one tick did; `due` counts the rows it claimed."""

    planned: int = 0
    due: int = 0
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    skipped: int = 0

    def line(self) -> str:
        return (
            f"due {self.due}, sent {self.sent}, failed {self.failed}"
            f" (planned {self.planned}, skipped {self.skipped}, retrying {self.retrying})"
        )


async def deliver(
    store: Store,
    senders: dict[str, Sender],
    clock: Clock,
    config: EngineConfig,
    worker: str,
    result: TickResult,
) -> TickResult:
    """Send everything due by the clock's now on the platforms we have senders for."""
    now = clock.now()
    while True:
        async with store.transaction() as tx:
            claimed = await tx.claim_due(now, worker, LEASE, BATCH, sorted(senders))
        if not claimed:
            return result
        result.due += len(claimed)
        async with store.transaction() as tx:
            ctx = Context(tx, now, config)
            people = await ctx.people([row.recipient_id for row in claimed])
            outgoing = [
                (row, people.get(row.recipient_id), await compose(ctx, row)) for row in claimed
            ]
        unreachable: set[int] = set()
        for row, person, message in outgoing:
            await _send_one(senders, row, person, message, now, result, unreachable)
        async with store.transaction() as tx:
            for row, _, _ in outgoing:
                if not await tx.release(row, worker):
                    log.warning("lease lost before marking notification=%s", row.id)
            for person_id in unreachable:
                person = await tx.get(Participant, person_id)
                if person is not None and person.reachable:
                    person.reachable = False
                    await tx.save(person)


async def _send_one(
    senders: dict[str, Sender],
    row: Notification,
    person: Participant | None,
    message: Message | None,
    now: datetime,
    result: TickResult,
    unreachable: set[int],
) -> None:
    if person is None or message is None:
        row.status = NotificationStatus.SKIPPED
        result.skipped += 1
        return
    try:
        await senders[person.platform].send(person, message)
    except DeliveryError as exc:
        row.attempts += 1
        row.last_error = exc.reason[:500]
        if exc.permanent or row.attempts >= MAX_ATTEMPTS:
            row.status = NotificationStatus.FAILED
            result.failed += 1
            if exc.permanent:
                unreachable.add(person.id)
            log.warning(
                "send failed notification=%s kind=%s error=%s", row.id, row.kind, exc.reason
            )
        else:
            row.due_at = now + retry_delay(row.attempts, exc.retry_after)
            result.retrying += 1
        return
    row.status = NotificationStatus.SENT
    row.sent_at = now
    result.sent += 1


def retry_delay(attempt: int, retry_after: float | None) -> timedelta:
    """Exponential backoff with full jitter, never sooner than the platform asked."""
    backoff = FIRST_RETRY * (2 ** (attempt - 1))
    delay = timedelta(seconds=random.uniform(0.5, 1.0) * backoff.total_seconds())
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=retry_after))
    return delay
