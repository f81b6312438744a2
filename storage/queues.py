"""The work queues in SQL: outbox claims under leases and their conditional write-back, the
planner's claims, reachability, and the table that spots platform retries (pruned)."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import bindparam, delete, or_, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.model import Notification, NotificationStatus, Pairing, PairingStatus
from storage import notify
from storage.pair_figures import Figures
from storage.tables import (
    COLUMNS,
    TABLES,
    notifications,
    pairings,
    participants,
    processed_events,
)
from storage.timestamps import utcnow

R = TypeVar("R")
PENDING = NotificationStatus.PENDING

# What delivery changes on a claimed row.
RELEASED = (
    "status",
    "attempts",
    "last_error",
    "due_at",
    "sent_at",
    "lease_owner",
    "lease_expires_at",
)


async def write_fields(conn: AsyncConnection, records: list[Any], fields: tuple[str, ...]) -> None:
    """Write the named fields of many stored records of one type in one statement."""
    if not records:
        return
    table = TABLES[type(records[0])]
    statement = (
        update(table)
        .where(table.c.id == bindparam("_id"))
        .values({name: bindparam(f"_{name}") for name in fields})
    )
    rows = [{"_id": r.id, **{f"_{name}": getattr(r, name) for name in fields}} for r in records]
    await conn.execute(statement, rows)


class SqlQueue:
    """A transaction's queue statements (bot.domain.ports.TxQueue; `SqlTx.queue`). Rows
    it inserts are told to the transaction's `figures`, which count the questions asked."""

    def __init__(self, conn: AsyncConnection, figures: Figures) -> None:
        self.conn = conn
        self.dialect = conn.dialect.name
        self.figures = figures

    def _insert(self, table):
        return (pg_insert if self.dialect == "postgresql" else sqlite_insert)(table)

    async def first_seen(self, platform: str, event_id: str) -> bool:
        if len(event_id) > 200:  # keep the key within the column, still unique per event
            event_id = "sha256:" + hashlib.sha256(event_id.encode()).hexdigest()
        statement = (
            self._insert(processed_events)
            .values(platform=platform, event_id=event_id, seen_at=utcnow())
            .on_conflict_do_nothing()
            .returning(processed_events.c.event_id)
        )
        return (await self.conn.execute(statement)).first() is not None

    async def prune_seen(self, older_than: timedelta, limit: int) -> int:
        # By the wall clock that stamped seen_at (a tick's clock may be virtual), oldest first
        # through the seen_at index; rows another replica is deleting are left to it.
        e = processed_events
        oldest = (
            select(e.c.platform, e.c.event_id)
            .where(e.c.seen_at < utcnow() - older_than)
            .order_by(e.c.seen_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        statement = delete(e).where(tuple_(e.c.platform, e.c.event_id).in_(oldest))
        return (await self.conn.execute(statement)).rowcount or 0

    async def add_notification(self, notification: Notification) -> bool:
        values = dataclasses.asdict(notification)
        values.pop("id")
        statement = (
            self._insert(notifications)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(notifications.c.id)
        )
        row = (await self.conn.execute(statement)).first()
        if row is None:
            return False
        notification.id = row[0]
        self.figures.wrote([notification])  # one already sent (shown in a reply) was asked
        return True

    async def announce_due(self) -> None:
        if self.dialect == "postgresql":
            await notify.announce(self.conn)

    async def claim_due(
        self, now: datetime, worker: str, lease: timedelta, limit: int, platforms: list[str]
    ) -> list[Notification]:
        if not platforms:
            return []
        n = notifications
        due = (
            select(n.c.id)
            .where(
                n.c.status == PENDING,
                n.c.due_at <= now,
                or_(n.c.lease_expires_at.is_(None), n.c.lease_expires_at < now),
                n.c.recipient_id.in_(
                    select(participants.c.id).where(participants.c.platform.in_(platforms))
                ),
            )
            .order_by(n.c.due_at, n.c.id)
            .limit(limit)
            # Concurrent claimers skip each other's rows instead of waiting (PostgreSQL);
            # SQLite has one writer at a time anyway and ignores the clause.
            .with_for_update(skip_locked=True, of=n)
        )
        statement = (
            update(n)
            .where(n.c.id.in_(due.scalar_subquery()))
            .values(lease_owner=worker, lease_expires_at=now + lease)
            .returning(*n.c)
        )
        rows = records_of(Notification, await self.conn.execute(statement))
        return sorted(rows, key=lambda r: r.due_at)

    async def lease(self, ids: list[int], worker: str, now: datetime, lease: timedelta) -> set[int]:
        if not ids:
            return set()
        n = notifications
        statement = (
            update(n)
            .where(
                n.c.id.in_(ids),
                n.c.status == PENDING,
                or_(n.c.lease_expires_at.is_(None), n.c.lease_expires_at < now),
            )
            .values(lease_owner=worker, lease_expires_at=now + lease)
            .returning(n.c.id)
        )
        return set((await self.conn.execute(statement)).scalars())

    async def still_claimed(self, ids: list[int], worker: str) -> list[Notification]:
        if not ids:
            return []
        n = notifications
        query = (
            select(n)
            .where(n.c.id.in_(ids), n.c.status == PENDING, n.c.lease_owner == worker)
            .order_by(n.c.due_at, n.c.id)
        )
        return records_of(Notification, await self.conn.execute(query))

    async def release(self, claimed: list[Notification], worker: str) -> set[int]:
        if not claimed:
            return set()
        n = notifications
        # The check runs under the row locks it takes (PostgreSQL re-reads a row another
        # transaction changed before locking it; SQLite has one writer at a time), so a row
        # that forget-me, a pause or a re-queue changed meanwhile is never written over.
        query = (
            select(n.c.id)
            .where(
                n.c.id.in_([row.id for row in claimed]),
                n.c.status == PENDING,
                n.c.lease_owner == worker,
            )
            .with_for_update()
        )
        held = set((await self.conn.execute(query)).scalars())
        mine = [row for row in claimed if row.id in held]
        for row in mine:
            row.lease_owner, row.lease_expires_at = None, None
        await write_fields(self.conn, mine, RELEASED)
        self.figures.wrote(mine, RELEASED)  # a sent one is a question asked
        return held

    async def requeue_failed(self, recipient_id: int, kind: str, due: datetime) -> int:
        n = notifications
        statement = (
            update(n)
            .where(
                n.c.recipient_id == recipient_id,
                n.c.kind == kind,
                n.c.status == NotificationStatus.FAILED,
            )
            .values(status=PENDING, attempts=0, due_at=due)
        )
        return (await self.conn.execute(statement)).rowcount or 0

    async def mark_unreachable(self, participant_ids: list[int], quiet_since: datetime) -> set[int]:
        if not participant_ids:
            return set()
        p = participants
        statement = (
            update(p)
            .where(
                p.c.id.in_(sorted(set(participant_ids))),
                or_(p.c.contacted_at.is_(None), p.c.contacted_at <= quiet_since),
            )
            .values(reachable=False)
            .returning(p.c.id)
        )
        return set((await self.conn.execute(statement)).scalars())

    async def claim_planning(self, now: datetime, limit: int) -> list[Pairing]:
        p = pairings
        active = p.c.status == PairingStatus.ACTIVE
        # Two claims, each one probe of the (status, plan_at) index: an OR of the two would
        # scan every active pair on each idle tick.
        claimed: list[Pairing] = []
        for waiting, order in ((p.c.plan_at.is_(None), p.c.id), (p.c.plan_at <= now, p.c.plan_at)):
            query = (
                select(*COLUMNS[Pairing])
                .where(active, waiting)
                .order_by(order, p.c.id)
                .limit(limit - len(claimed))
                # Planners on other replicas take other pairs; a click on this pair waits.
                .with_for_update(skip_locked=True)
            )
            claimed += records_of(Pairing, await self.conn.execute(query))
            if len(claimed) >= limit:
                break
        return claimed

    async def replan(self, pairing_ids: list[int]) -> None:
        if pairing_ids:
            statement = (
                update(pairings)
                .where(pairings.c.id.in_(sorted(set(pairing_ids))))
                .values(plan_at=None)
            )
            await self.conn.execute(statement)


def records_of(kind: type[R], result) -> list[R]:
    """Rows as dataclasses (zipping with the keys once is several times faster than
    unpacking each row's mapping, which shows at 10,000 rows)."""
    keys = list(result.keys())
    return [kind(**dict(zip(keys, row, strict=True))) for row in result]
