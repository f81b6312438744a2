"""Sending due outbox rows: claim under a lease, compose, send, then mark sent or retry.

The contract: a row is sent once in normal operation, however many processes tick at once
(claims skip rows another worker holds). A process that dies after sending but before
recording a batch leaves those rows leased; once the lease expires another worker sends them
again. Duplicates are therefore only possible for the batch in flight at a crash (at most
BATCH rows), and nothing is ever marked sent that was not sent.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.clock import Clock
from bot.compose import compose
from bot.context import Context, EngineConfig
from bot.messages import Message
from bot.model import Notification, NotificationStatus, Participant
from bot.ports import DeliveryError, Sender, Store, Tx

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(seconds=30)
LEASE = timedelta(minutes=5)
BATCH = 200  # rows claimed at once: also the most that a crash can leave to be sent twice
CONCURRENCY = 64  # people being sent to at once (each person's messages go in order)
# Sent kinds whose send time the planner waits on (the next reminder counts from it).
WAKES_PLANNER = frozenset({"nudge", "reflect"})


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
    """Send everything due by the clock's now on the platforms we have senders for.

    Batch by batch: claim (one transaction), compose (one), send with up to CONCURRENCY
    people at a time and each person's messages in order, then record what happened (one).
    """
    now = clock.now()
    # Stop well before the leases run out, so no other worker takes rows over while we are
    # still sending them (slow platforms, long Retry-After waits); the next tick goes on.
    deadline = time.monotonic() + LEASE.total_seconds() / 2
    while time.monotonic() < deadline:
        async with store.transaction() as tx:
            claimed = await tx.claim_due(now, worker, LEASE, BATCH, sorted(senders))
        if not claimed:
            break
        async with store.transaction() as tx:
            outgoing = await _compose_batch(Context(tx, now, config), claimed)
        outcome = await _send_batch(senders, outgoing, now, deadline, result)
        async with store.transaction() as tx:
            await _record(tx, claimed, worker, outcome)
    return result


async def _send_batch(
    senders: dict[str, Sender],
    outgoing: list[_Outgoing],
    now: datetime,
    deadline: float,
    result: TickResult,
) -> _Outcome:
    """Send to up to CONCURRENCY people at once, each person's messages in order."""
    outcome = _Outcome()
    gate = asyncio.Semaphore(CONCURRENCY)

    async def send_in_order(items: list[_Outgoing]) -> None:
        async with gate:
            for item in items:
                if item.later is not None:
                    item.row.due_at = item.later  # waits for the next working hour
                    result.deferred += 1
                elif time.monotonic() <= deadline:  # else untouched, for the next tick
                    result.due += 1
                    await _send_one(senders, item, now, result, outcome)

    by_person: dict[int, list[_Outgoing]] = defaultdict(list)
    for item in outgoing:
        by_person[item.row.recipient_id].append(item)
    await asyncio.gather(*(send_in_order(items) for items in by_person.values()))
    return outcome


@dataclass
class _Outgoing:
    row: Notification
    person: Participant | None
    message: Message | None
    later: datetime | None  # set when it came due outside the person's working hours


@dataclass
class _Outcome:
    """What sending a batch taught us about people, saved with the rows."""

    unreachable: set[int] = field(default_factory=set)
    learned: dict[int, dict[str, Any]] = field(default_factory=dict)
    replan: set[int] = field(default_factory=set)


async def _compose_batch(ctx: Context, claimed: list[Notification]) -> list[_Outgoing]:
    """Each row with its recipient and message (None: no longer needed), reading what the
    batch needs in a few queries rather than a few per row."""
    people = await ctx.people([row.recipient_id for row in claimed])
    await ctx.preload([row.pairing_id for row in claimed if row.pairing_id is not None])
    outgoing = []
    for row in claimed:
        person = people.get(row.recipient_id)
        later = await _outside_working_hours(ctx, row, person)
        message = None if later else await compose(ctx, row)
        outgoing.append(_Outgoing(row, person, message, later))
    return outgoing


async def _record(tx: Tx, claimed: list[Notification], worker: str, outcome: _Outcome) -> None:
    """Save the batch's rows (only those we still hold) and what we learned about people."""
    held = await tx.release(claimed, worker)
    for row in claimed:
        if row.id not in held:
            log.warning("lease lost before marking notification=%s", row.id)
    await tx.replan(sorted(outcome.replan))
    changed = set(outcome.unreachable) | set(outcome.learned)
    if not changed:
        return
    people = await tx.find(Participant, id=sorted(changed))
    for person in people:
        # Only keys the address lacks: someone who wrote in meanwhile has a fresher one.
        known = person.address or {}
        learned = {k: v for k, v in outcome.learned.get(person.id, {}).items() if k not in known}
        if learned:
            person.address = {**known, **learned}
        if person.id in outcome.unreachable:
            person.reachable = False
    await tx.save_many(people, ("reachable", "address"))


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
    item: _Outgoing,
    now: datetime,
    result: TickResult,
    outcome: _Outcome,
) -> None:
    row, person, message = item.row, item.person, item.message
    if person is None or message is None:
        row.status = NotificationStatus.SKIPPED
        result.skipped += 1
        return
    try:
        learned = await senders[person.platform].send(person, message)
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
                outcome.unreachable.add(person.id)
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
    if learned:
        outcome.learned[person.id] = learned
    if row.kind in WAKES_PLANNER and row.pairing_id is not None:
        outcome.replan.add(row.pairing_id)


def retry_delay(attempt: int, retry_after: float | None) -> timedelta:
    """Exponential backoff with full jitter, never sooner than the platform asked."""
    backoff = FIRST_RETRY * (2 ** (attempt - 1))
    delay = timedelta(seconds=random.uniform(0.5, 1.0) * backoff.total_seconds())
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=retry_after))
    return delay
