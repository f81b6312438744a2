"""Sending due outbox rows: claim under a lease, compose, send, and record each row as soon
as its send returns.

The contract: a row is sent once in normal operation, however many processes tick at once
(claims skip rows another worker holds). Each row is written back (sent, or when to retry)
the moment the platform has answered, several at once when sends finish together, so a
prompt counts as asked from the moment the platform has it: a reply typed while the rest of
the batch is still going out finds it asked. A process that is told to stop (`stopping`)
claims nothing more, sends nothing more, and hands back at once the rows it claimed but did
not send. Only a process that dies between a send and its write-back (a few milliseconds)
leaves that row leased; once the lease expires another worker sends it again. Nothing is
ever marked sent that was not sent. A row that someone changed while a tick held it
(forget-me skipped it, a resume queued it again) is left as they left it, and a row that
cannot be composed fails on its own: nothing stops the rest of the outbox.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.context import Context, EngineConfig
from bot.domain.clock import Clock
from bot.domain.kinds import OUTBOX, Kind
from bot.domain.model import Later, Notification, NotificationStatus, Participant
from bot.domain.ports import SENT_AS, DeliveryError, NotSent, Sender, Store, Tx
from bot.flows.people import CONTACT_EVERY
from bot.sending.compose import compose, could_not_compose
from bot.sending.together import Outgoing, one_per_person

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(seconds=30)
LEASE = timedelta(minutes=5)
BATCH = 200  # rows claimed at once
CONCURRENCY = 64  # people being sent to at once (each person's messages go in order)
# Pauses before a failed write-back is tried again.
WRITE_RETRIES = (0.1, 0.5)


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

    def add(self, other: TickResult) -> None:
        for name in ("planned", "due", "sent", "failed", "retrying", "skipped", "deferred"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def line(self) -> str:
        return (
            f"due {self.due}, sent {self.sent}, failed {self.failed}"
            f" (planned {self.planned}, skipped {self.skipped}, retrying {self.retrying},"
            f" deferred {self.deferred})"
        )


def _never() -> bool:
    return False


async def deliver(
    store: Store,
    senders: dict[str, Sender],
    clock: Clock,
    config: EngineConfig,
    worker: str,
    result: TickResult,
    stopping: Callable[[], bool] = _never,
) -> TickResult:
    """Send everything due by the clock's now on the platforms we have senders for, until
    `stopping()` says the process is stopping.

    Batch by batch: claim (one transaction), compose (one), then send with up to CONCURRENCY
    people at a time and each person's messages in order, each row written back as soon as
    its send returns (see _Recorder).
    """
    now = clock.now()
    # Stop well before the leases run out, so no other worker takes rows over while we are
    # still sending them (slow platforms, long Retry-After waits); the next tick goes on.
    deadline = time.monotonic() + LEASE.total_seconds() / 2
    while time.monotonic() < deadline and not stopping():
        async with store.transaction() as tx:
            claimed = await tx.queue.claim_due(now, worker, LEASE, BATCH, sorted(senders))
        if not claimed:
            break
        async with store.transaction() as tx:
            ctx = Context(tx, now, config)
            outgoing = await _compose_batch(ctx, claimed, worker, result)
            await ctx.finish()
        if outgoing:
            recorder = _Recorder(store, worker, now, result)
            try:
                await _send_batch(senders, outgoing, recorder, deadline, stopping, now, result)
            finally:
                await recorder.close()
    return result


async def _compose_batch(
    ctx: Context, claimed: list[Notification], worker: str, result: TickResult
) -> list[Outgoing]:
    """The claimed rows to send, each with its recipient and its message composed from the
    state as it is now, reading what the batch needs in a few queries.

    Rows changed since the claim (skipped by forget-me, say) are no longer ours and are left
    as they are. Rows that need no send are settled in this transaction: no longer needed
    (skipped), outside the person's working hours (moved), or impossible to compose
    (failed with the reason, on their own). Then a flow acting on them while the batch is
    being sent (a resume asking again what was skipped) sees them as they are.
    """
    rows = await ctx.tx.queue.still_claimed([row.id for row in claimed], worker)
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
            could_not_compose(row, exc)
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
            outgoing.append(Outgoing(row, person, message))
            continue
        settled.append(row)
    await ctx.tx.queue.release(settled, worker)
    kept, deferred = await one_per_person(ctx, outgoing, worker, LEASE)
    result.deferred += deferred
    return kept


async def _send_batch(
    senders: dict[str, Sender],
    outgoing: list[Outgoing],
    recorder: _Recorder,
    deadline: float,
    stopping: Callable[[], bool],
    now: datetime,
    result: TickResult,
) -> None:
    """Send to up to CONCURRENCY people at once, each person's messages in order; each row
    goes to the recorder as soon as its send returns. Rows not sent (the process is stopping,
    the deadline passed, or their write-back failed) are handed back, even when the batch is
    cancelled."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def send_in_order(items: list[Outgoing]) -> None:
        async with gate:
            for item in items:
                if stopping() or time.monotonic() > deadline or recorder.failed:
                    return  # the rest of this person's rows are handed back below
                item.started = True
                if await _send_one(senders, item, now, result):
                    recorder.done(item)
                else:
                    item.started = False
                    return

    by_person: dict[int, list[Outgoing]] = defaultdict(list)
    for item in outgoing:
        by_person[item.row.recipient_id].append(item)
    try:
        await asyncio.gather(*(send_in_order(items) for items in by_person.values()))
    finally:
        # A send cancelled half-way may have reached the platform: that row keeps its lease
        # (another worker sends it once the lease has expired). The others were never sent.
        recorder.hand_back(
            [row for item in outgoing if not item.started for row in (item.row, *item.riders)]
        )


class _Recorder:
    """Writes sent rows back in the background as soon as their sends return: each write
    takes every row finished since the last one began, so a quiet moment costs one row's
    transaction and a busy one shares it (10,000 rows to a fast platform: 100 writes). Rows
    handed back lose their lease unchanged."""

    def __init__(self, store: Store, worker: str, now: datetime, result: TickResult) -> None:
        self.store = store
        self.worker = worker
        self.now = now
        self.result = result
        self.failed: BaseException | None = None
        self._done: list[Outgoing] = []
        self._back: list[Notification] = []
        self._wake = asyncio.Event()
        self._closing = False
        self._task = asyncio.get_running_loop().create_task(self._run())

    def done(self, item: Outgoing) -> None:
        self._done.append(item)
        self._wake.set()

    def hand_back(self, rows: list[Notification]) -> None:
        self._back.extend(rows)
        self._wake.set()

    async def close(self) -> None:
        """Write what is left, then end; raises the error a write-back failed with (after a
        last try to hand back the rows that were never sent)."""
        self._closing = True
        self._wake.set()
        await asyncio.shield(self._task)
        if self.failed is not None:
            if self._back:
                try:
                    async with self.store.transaction() as tx:
                        await tx.queue.release(self._back, self.worker)
                        await tx.reports.recount()
                except Exception:
                    log.warning("could not hand back %d unsent rows", len(self._back))
            raise self.failed

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            done, back = self._done, self._back
            self._done, self._back = [], []
            if done or back:
                try:
                    await self._write(done, back)
                except Exception as exc:  # the database went away: send nothing more
                    self.failed = exc
                    self._back += back
                    return
            if self._closing and not self._done and not self._back:
                return

    async def _write(self, done: list[Outgoing], back: list[Notification]) -> None:
        """One write-back, tried again twice (PostgreSQL may pick it as a deadlock's victim
        beside a click on the same person); its counts count once, when it commits."""
        for attempt, pause in enumerate((*WRITE_RETRIES, None)):
            counted = TickResult()
            try:
                async with self.store.transaction() as tx:
                    await _record(tx, done, back, self.worker, self.now, counted)
                    await tx.reports.recount()  # questions now asked count as asked
            except Exception:
                if pause is None:
                    raise
                log.warning("write-back failed (try %d); trying again", attempt + 1)
                await asyncio.sleep(pause)
                continue
            self.result.add(counted)
            return


async def _record(
    tx: Tx,
    sent: list[Outgoing],
    back: list[Notification],
    worker: str,
    now: datetime,
    result: TickResult,
) -> None:
    """Save rows whose sends returned (those still pending and ours), what we learned about
    their people, and drop the leases of rows handed back unsent.

    A refused send (the bot blocked) marks its recipient unreachable, unless they reached us
    since shortly before the batch was claimed (they may have unblocked the bot and written
    while we were sending): their row is then tried again later instead.
    """
    # People first: someone writing in at this moment either waits for this transaction
    # (and is then made reachable, with this failed invitation queued again) or is seen here
    # as in touch. Two contact windows: contact is noted at most once per window.
    refused = [item.row for item in sent if item.refused]
    marked = await tx.queue.mark_unreachable(
        sorted({row.recipient_id for row in refused}), now - 2 * CONTACT_EVERY
    )
    for row in refused:
        if row.recipient_id in marked or row.attempts >= MAX_ATTEMPTS:
            _fail(row, result)
        else:
            row.due_at = now + retry_delay(row.attempts, None)
            result.retrying += 1
            log.info("send refused but recipient in touch; retrying notification=%s", row.id)
    learned = {item.person.id: item.learned for item in sent if item.learned}
    if learned:  # people before outbox rows, in the order every flow locks them
        people = await tx.find(Participant, id=sorted(learned))
        for person in people:
            # Only keys the address lacks: someone who wrote in meanwhile has a fresher one.
            known = person.address or {}
            fresh = {k: v for k, v in learned[person.id].items() if k not in known}
            person.address = {**known, **fresh}
        await tx.save_many(people, ("address",))
    riders = []
    for item in sent:  # asked with their carrier, or handed back with it
        for row in item.riders:
            if item.row.status == NotificationStatus.SENT:
                row.status, row.sent_at = NotificationStatus.SENT, item.row.sent_at
            riders.append(row)
        if item.sent_as and item.row.status == NotificationStatus.SENT:
            for row in (item.row, *item.riders):
                row.payload = {**row.payload, SENT_AS: item.sent_as}
    held = await tx.queue.release([item.row for item in sent] + riders + back, worker)
    # Where the platform said which message they went in, only on rows written back here.
    named = [
        row
        for item in sent
        if item.sent_as
        for row in (item.row, *item.riders)
        if row.id in held and row.status == NotificationStatus.SENT
    ]
    await tx.save_many(named, ("payload",))
    for item in sent:
        if item.row.id not in held:  # forget-me skipped it meanwhile, or the lease was lost
            log.info("notification=%s changed while sending; left as it is", item.row.id)
    replan = {
        row.pairing_id
        for row in [item.row for item in sent] + riders
        if row.status == NotificationStatus.SENT
        and row.pairing_id is not None
        and OUTBOX[Kind(row.kind)].wakes_planner
    }
    await tx.queue.replan(sorted(replan))


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
    if person is None or row.kind == Kind.REDRAW:  # an update in place pings nobody
        return None
    program = None
    if row.pairing_id is not None:
        pairing = await ctx.pairing(row.pairing_id)
        program = await ctx.program(pairing.program_id) if pairing else None
    opens = ctx.rules.deliverable(ctx.now, person, program)
    return opens if opens > ctx.now else None


async def _send_one(
    senders: dict[str, Sender], item: Outgoing, now: datetime, result: TickResult
) -> bool:
    """Send one row and note on it what happened; False when the sender was stopped before
    the platform had it (nothing to record: the row is handed back)."""
    row, person = item.row, item.person
    result.due += 1
    try:
        learned = await senders[person.platform].send(person, item.message)
        item.sent_as = (learned or {}).pop(SENT_AS, None)
        item.learned = learned
    except NotSent:
        result.due -= 1
        return False
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
            item.refused = True  # failed or retried: see _record
        elif row.attempts >= MAX_ATTEMPTS:
            _fail(row, result)
        else:
            row.due_at = now + retry_delay(row.attempts, error.retry_after)
            result.retrying += 1
        return True
    row.status = NotificationStatus.SENT
    row.sent_at = now
    result.sent += 1
    return True


def retry_delay(attempt: int, retry_after: float | None) -> timedelta:
    """Exponential backoff with full jitter, never sooner than the platform asked."""
    backoff = FIRST_RETRY * (2 ** (attempt - 1))
    delay = timedelta(seconds=random.uniform(0.5, 1.0) * backoff.total_seconds())
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=retry_after))
    return delay
