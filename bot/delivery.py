"""Sending due outbox rows: claim under a lease, compose, send, then mark sent or retry.

The contract: a row is sent once in normal operation. A process that dies after sending but
before marking a batch leaves those rows leased; once the lease expires another worker sends
them again. Duplicates are therefore only possible for the batch in flight at a crash.
"""

from __future__ import annotations

import logging
import random
import time
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
    """What one tick did; `due` counts the rows it handled (sent, failed, retrying, skipped);
    `deferred` those that came due outside the recipient's working hours and now wait."""

    planned: int = 0
    due: int = 0
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    skipped: int = 0
    deferred: int = 0

    def line(self) -> str:
        return (
            f"due {self.due}, sent {self.sent}, failed {self.failed}"
            f" (planned {self.planned}, skipped {self.skipped}, retrying {self.retrying},"
            f" deferred {self.deferred})"
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
        # Stop sending well before the lease runs out, so no other worker takes these rows
        # over while we are still sending them (slow platforms, long Retry-After waits).
        deadline = time.monotonic() + LEASE.total_seconds() / 2
        result.due += len(claimed)
        async with store.transaction() as tx:
            ctx = Context(tx, now, config)
            people = await ctx.people([row.recipient_id for row in claimed])
            outgoing = []
            for row in claimed:
                person = people.get(row.recipient_id)
                later = await _outside_working_hours(ctx, row, person)
                outgoing.append((row, person, None if later else await compose(ctx, row), later))
        unreachable: set[int] = set()
        for row, person, message, later in outgoing:
            if later is not None:
                row.due_at = later  # an overdue row waits for the person's next working hour
                result.due -= 1
                result.deferred += 1
            elif time.monotonic() > deadline:
                result.due -= 1  # untouched: released for the next tick
            else:
                await _send_one(senders, row, person, message, now, result, unreachable)
        async with store.transaction() as tx:
            for row, _, _, _ in outgoing:
                if not await tx.release(row, worker):
                    log.warning("lease lost before marking notification=%s", row.id)
            for person_id in unreachable:
                person = await tx.get(Participant, person_id)
                if person is not None and person.reachable:
                    person.reachable = False
                    await tx.save(person, fields=("reachable",))
        if time.monotonic() > deadline:
            return result


async def _outside_working_hours(
    ctx: Context, row: Notification, person: Participant | None
) -> datetime | None:
    """When a row came due outside the person's hours (a late tick, a retry), the next open
    moment; None when it may go now. Working hours are checked again here, not only when
    planning, so that nobody is messaged at 3 a.m. because a tick ran late."""
    if person is None:
        return None
    program = None
    if row.pairing_id is not None:
        pairing = await ctx.pairing(row.pairing_id)
        program = await ctx.program(pairing.program_id) if pairing else None
    opens = ctx.deliverable(ctx.now, person, program)
    return opens if opens > ctx.now else None


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
    except Exception as exc:  # any failure of one send is that row's failure, not the batch's
        error = (
            exc
            if isinstance(exc, DeliveryError)
            else DeliveryError(f"{exc.__class__.__name__}: {exc}")
        )
        if not isinstance(exc, DeliveryError):
            log.exception("unexpected send error notification=%s", row.id)
        row.attempts += 1
        row.last_error = error.reason[:500]
        if error.permanent or row.attempts >= MAX_ATTEMPTS:
            row.status = NotificationStatus.FAILED
            result.failed += 1
            if error.permanent:
                unreachable.add(person.id)
            log.warning(
                "send failed notification=%s kind=%s error=%s", row.id, row.kind, error.reason
            )
        else:
            row.due_at = now + retry_delay(row.attempts, error.retry_after)
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
