"""Sending due outbox rows: claim under a lease, compose, send, then mark sent or retry.

The contract: a row is sent once in normal operation, however many processes tick at once
(claims skip rows another worker holds). A process that dies after sending but before
recording a batch leaves those rows leased; once the lease expires another worker sends them
again. Duplicates are therefore only possible for the batch in flight at a crash (at most
BATCH rows), and nothing is ever marked sent that was not sent. A row that someone changed
while a tick held it (forget-me skipped it, a resume queued it again) is left as they left
it, and a row that cannot be composed fails on its own: nothing stops the rest of the outbox.
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

from bot.context import CONTACT_EVERY, Context, EngineConfig
from bot.domain.clock import Clock
from bot.domain.messages import Message
from bot.domain.model import Later, Notification, NotificationStatus, Participant
from bot.domain.ports import DeliveryError, Sender, Store, Tx
from bot.outbox.compose import compose
from bot.outbox.kinds import OUTBOX, Kind

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(seconds=30)
LEASE = timedelta(minutes=5)
BATCH = 200  # rows claimed at once: also the most that a crash can leave to be sent twice
CONCURRENCY = 64  # people being sent to at once (each person's messages go in order)


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
            outgoing = await _compose_batch(Context(tx, now, config), claimed, worker, result)
        if not outgoing:
            continue
        outcome = await _send_batch(senders, outgoing, deadline, now, result)
        async with store.transaction() as tx:
            await _record(tx, outgoing, worker, now, outcome, result)
    return result


@dataclass
class _Outgoing:
    row: Notification
    person: Participant
    message: Message


@dataclass
class _Outcome:
    """What sending a batch taught us about people, saved with the rows."""

    refused: list[Notification] = field(default_factory=list)  # permanently, e.g. blocked
    learned: dict[int, dict[str, Any]] = field(default_factory=dict)
    replan: set[int] = field(default_factory=set)


async def _compose_batch(
    ctx: Context, claimed: list[Notification], worker: str, result: TickResult
) -> list[_Outgoing]:
    """The claimed rows to send, each with its recipient and its message composed from the
    state as it is now, reading what the batch needs in a few queries.

    Rows changed since the claim (skipped by forget-me, say) are no longer ours and are left
    as they are. Rows that need no send are settled in this transaction: no longer needed
    (skipped), outside the person's working hours (moved), or impossible to compose
    (failed with the reason, on their own). Then a flow acting on them while the batch is
    being sent (a resume asking again what was skipped) sees them as they are.
    """
    rows = await ctx.tx.still_claimed([row.id for row in claimed], worker)
    people = await ctx.people([row.recipient_id for row in rows])
    await ctx.preload([row.pairing_id for row in rows if row.pairing_id is not None])
    outgoing, settled = [], []
    for row in rows:
        person = people.get(row.recipient_id)
        try:
            later = await _outside_working_hours(ctx, row, person)
            message = None if later or person is None else await compose(ctx, row)
            if isinstance(message, Later):
                later, message = message.until, None
        except Exception as exc:  # one row we cannot word must not stop the others
            log.exception("could not compose notification=%s kind=%s", row.id, row.kind)
            row.status = NotificationStatus.FAILED
            row.last_error = f"could not compose: {exc.__class__.__name__}: {exc}"[:500]
            result.due += 1
            result.failed += 1
            settled.append(row)
            continue
        if later is not None:
            row.due_at = later  # waits for the next working hour (or its question)
            result.deferred += 1
        elif message is None or person is None:
            row.status = NotificationStatus.SKIPPED
            result.due += 1
            result.skipped += 1
        else:
            outgoing.append(_Outgoing(row, person, message))
            continue
        settled.append(row)
    await ctx.tx.release(settled, worker)
    return outgoing


async def _send_batch(
    senders: dict[str, Sender],
    outgoing: list[_Outgoing],
    deadline: float,
    now: datetime,
    result: TickResult,
) -> _Outcome:
    """Send to up to CONCURRENCY people at once, each person's messages in order."""
    outcome = _Outcome()
    gate = asyncio.Semaphore(CONCURRENCY)

    async def send_in_order(items: list[_Outgoing]) -> None:
        async with gate:
            for item in items:
                if time.monotonic() <= deadline:  # else untouched, for the next tick
                    result.due += 1
                    await _send_one(senders, item, now, result, outcome)

    by_person: dict[int, list[_Outgoing]] = defaultdict(list)
    for item in outgoing:
        by_person[item.row.recipient_id].append(item)
    await asyncio.gather(*(send_in_order(items) for items in by_person.values()))
    return outcome


async def _record(
    tx: Tx,
    outgoing: list[_Outgoing],
    worker: str,
    now: datetime,
    outcome: _Outcome,
    result: TickResult,
) -> None:
    """Save the sent batch's rows (those still pending and ours) and what we learned.

    A refused send (the bot blocked) marks its recipient unreachable, unless they reached us
    since shortly before the batch was claimed (they may have unblocked the bot and written
    while we were sending): their row is then tried again later instead.
    """
    # People first: someone writing in at this moment either waits for this transaction
    # (and is then made reachable, with this failed invitation queued again) or is seen here
    # as in touch. Two contact windows: contact is noted at most once per window.
    refused = sorted({row.recipient_id for row in outcome.refused})
    marked = await tx.mark_unreachable(refused, now - 2 * CONTACT_EVERY)
    for row in outcome.refused:
        if row.recipient_id in marked or row.attempts >= MAX_ATTEMPTS:
            _fail(row, result)
        else:
            row.due_at = now + retry_delay(row.attempts, None)
            result.retrying += 1
            log.info("send refused but recipient in touch; retrying notification=%s", row.id)
    held = await tx.release([item.row for item in outgoing], worker)
    for item in outgoing:
        if item.row.id not in held:  # forget-me skipped it meanwhile, or the lease was lost
            log.info("notification=%s changed while sending; left as it is", item.row.id)
    await tx.replan(sorted(outcome.replan))
    if not outcome.learned:
        return
    people = await tx.find(Participant, id=sorted(outcome.learned))
    for person in people:
        # Only keys the address lacks: someone who wrote in meanwhile has a fresher one.
        known = person.address or {}
        learned = {k: v for k, v in outcome.learned[person.id].items() if k not in known}
        person.address = {**known, **learned}
    await tx.save_many(people, ("address",))


def _fail(row: Notification, result: TickResult) -> None:
    row.status = NotificationStatus.FAILED
    result.failed += 1
    log.warning("send failed notification=%s kind=%s error=%s", row.id, row.kind, row.last_error)


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
    opens = ctx.rules.deliverable(ctx.now, person, program)
    return opens if opens > ctx.now else None


async def _send_one(
    senders: dict[str, Sender],
    item: _Outgoing,
    now: datetime,
    result: TickResult,
    outcome: _Outcome,
) -> None:
    row, person = item.row, item.person
    try:
        learned = await senders[person.platform].send(person, item.message)
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
        if error.permanent:
            outcome.refused.append(row)  # failed or retried: see _record
        elif row.attempts >= MAX_ATTEMPTS:
            _fail(row, result)
        else:
            row.due_at = now + retry_delay(row.attempts, error.retry_after)
            result.retrying += 1
        return
    row.status = NotificationStatus.SENT
    row.sent_at = now
    result.sent += 1
    if learned:
        outcome.learned[person.id] = learned
    if OUTBOX[Kind(row.kind)].wakes_planner and row.pairing_id is not None:
        outcome.replan.add(row.pairing_id)


def retry_delay(attempt: int, retry_after: float | None) -> timedelta:
    """Exponential backoff with full jitter, never sooner than the platform asked."""
    backoff = FIRST_RETRY * (2 ** (attempt - 1))
    delay = timedelta(seconds=random.uniform(0.5, 1.0) * backoff.total_seconds())
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=retry_after))
    return delay
