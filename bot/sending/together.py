"""One conversation: of a person's messages due in the same delivery batch, one goes now and
carries the others that can go along (as asks of their own); the rest wait a little apart,
so nobody gets two messages in the same minute. Used by bot.sending.delivery."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from bot.context import Context
from bot.domain.kinds import OUTBOX, Kind
from bot.domain.messages import Ask, Message
from bot.domain.model import Notification, NotificationStatus, Participant
from bot.sending.compose import compose, could_not_compose

SPACING = timedelta(minutes=2)  # a person's second message waits this long, a third twice


@dataclass
class Outgoing:
    """A message about to go to one person, with the rows it carries along."""

    row: Notification
    person: Participant
    message: Message
    started: bool = False  # handed to the sender (sent or not, it is no longer ours to hand back)
    refused: bool = False  # permanently, e.g. the bot blocked: see delivery._record
    learned: dict[str, Any] | None = None  # about reaching the person, kept in their address
    riders: list[Notification] = field(default_factory=list)  # rows going along with it
    sent_as: str | None = None  # the platform's id of the message, when it says (SENT_AS)
    taken: int = 0  # messages taken along as asks (_take_along)


async def one_per_person(
    ctx: Context, outgoing: list[Outgoing], worker: str, lease: timedelta
) -> tuple[list[Outgoing], int]:
    """One message per person per batch: what else came due for the same person goes with
    their first message, as an ask of its own (its text and buttons), rather than as a
    second message in the same minute. A message with a form, a file, sections or an
    audience of its own cannot go along, nor can a post-session card be joined with anything
    (a tap on it draws the card again, in place of the whole message): such a second message
    waits SPACING, a third twice that. Questions that can wait (a kind that `rides`: a
    check-in) also come along once their "rides_from" has passed, though not yet due, with
    a message of a kind that `carries` (leased here like the batch). A message taken along
    is recorded with the one that took it: sent with it, or handed back with it. Returns
    what goes now, and how many messages were made to wait."""
    first: dict[int, Outgoing] = {}
    kept = []
    for item in outgoing:
        carrier = first.get(item.row.recipient_id)
        if (
            carrier is not None
            and not carrier.taken
            and _same_invite(carrier.message, item.message)
        ):
            # One holds the other's calendar invite (a post-session card showing the next
            # session): the fuller goes, the other with it, unless both ask something.
            fuller, other = (item, carrier) if item.message.asks else (carrier, item)
            if not other.message.asks:
                if fuller is item:
                    kept[kept.index(carrier)] = item
                    first[item.row.recipient_id] = item
                fuller.riders += [other.row, *other.riders]
                continue
        if carrier is not None and _fits(carrier.message, item.message):
            _take_along(carrier, item.row, item.message)
            continue
        kept.append(item)
        # (A redraw takes nothing along either: see _fits.)
        if carrier is None and not (
            item.message.audience or item.message.form or item.message.replaces
        ):
            first[item.row.recipient_id] = item
    kept, deferred = await _space(ctx, kept, worker)
    carriers: dict[int, Outgoing] = {}
    for item in kept:  # what goes now, one message a person at most
        if OUTBOX[Kind(item.row.kind)].carries and not item.message.audience:
            carriers.setdefault(item.row.recipient_id, item)
    if not carriers:
        return kept, deferred
    riding = [kind for kind, spec in OUTBOX.items() if spec.rides]
    waiting = await ctx.tx.find(
        Notification, recipient_id=sorted(carriers), kind=riding, status=NotificationStatus.PENDING
    )
    ready = [row for row in waiting if _may_ride(row, ctx.now)]
    leased = await ctx.tx.queue.lease([row.id for row in ready], worker, ctx.now, lease)
    back = []
    for row in ready:
        if row.id not in leased:
            continue  # another worker has it
        carrier = carriers[row.recipient_id]
        try:
            message = await compose(ctx, row)
        except Exception as exc:  # one rider we cannot word fails alone
            could_not_compose(row, exc)
            back.append(row)
            continue
        if isinstance(message, Message) and _fits(carrier.message, message):
            _take_along(carrier, row, message)
        else:
            back.append(row)  # not ready (a reminder before its time): as it was
    await ctx.tx.queue.release(back, worker)
    return kept, deferred


async def _space(ctx: Context, kept: list[Outgoing], worker: str) -> tuple[list[Outgoing], int]:
    """Each person's first message goes now; the others wait SPACING apart (handed back with
    their new due time), so that nobody gets two in the same minute. A message drawn again
    in place (`replaces`) is no new message: it goes now, and makes nobody wait."""
    seen: dict[int, int] = defaultdict(int)
    now, later, deferred = [], [], 0
    for item in kept:
        if item.message.replaces:
            now.append(item)
            continue
        waits = seen[item.row.recipient_id]
        seen[item.row.recipient_id] += 1
        if waits:
            for row in (item.row, *item.riders):  # what goes along waits with it
                row.due_at = ctx.now + waits * SPACING
            later += [item.row, *item.riders]
            deferred += 1
        else:
            now.append(item)
    await ctx.tx.queue.release(later, worker)
    return now, deferred


def _same_invite(one: Message, other: Message) -> bool:
    a, b = one.invite, other.invite
    return (
        a is not None
        and b is not None
        and (a.method, a.event.uid, a.event.sequence)
        == (
            b.method,
            b.event.uid,
            b.event.sequence,
        )
    )


def _fits(carrier: Message, rider: Message) -> bool:
    """Whether `rider` can go along with `carrier`: it has no form, file, invite or audience
    of its own, neither is a post-session card (drawn again whole when tapped), and it
    brings sections (a digest's) only to a message without any."""
    if rider.form or rider.file or rider.invite or rider.audience:
        return False
    if rider.redraw or carrier.redraw or rider.replaces or carrier.replaces:
        return False
    return not (rider.sections and carrier.sections)


def _may_ride(row: Notification, now: datetime) -> bool:
    rides_from = row.payload.get("rides_from")
    free = row.lease_expires_at is None or row.lease_expires_at < now
    return free and isinstance(rides_from, str) and datetime.fromisoformat(rides_from) <= now


def _take_along(carrier: Outgoing, row: Notification, message: Message) -> None:
    asks = (*carrier.message.asks, Ask(message.text, message.buttons), *message.asks)
    sections = carrier.message.sections or message.sections
    carrier.message = replace(carrier.message, asks=asks, sections=sections)
    carrier.riders.append(row)
    carrier.taken += 1
