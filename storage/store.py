"""The Store: async SQLAlchemy Core on SQLite (aiosqlite) or PostgreSQL (asyncpg)."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import bindparam, event, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.model import Notification, Pairing, PairingStatus
from storage.tables import (
    TABLES,
    notifications,
    pairings,
    participants,
    processed_events,
    utcnow,
)

R = TypeVar("R")
DEFAULT_URL = "sqlite+aiosqlite:///./mentorbot.db"
SQLITE_BUSY_TIMEOUT_MS = 10_000


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An AsyncEngine for `url`; SQLite gets WAL, a busy timeout and write-ahead locking."""
    if url.startswith("sqlite"):
        engine = create_async_engine(url, **kwargs)
        _tune_sqlite(engine)
        return engine
    return create_async_engine(url, pool_pre_ping=True, **kwargs)


def _tune_sqlite(engine: AsyncEngine) -> None:
    # pysqlite's own transaction handling begins lazily and upgrades read locks to write locks,
    # which fails with "database is locked" under a second process. Take the write lock up
    # front instead (BEGIN IMMEDIATE) and wait for it (busy_timeout); transactions are short.
    # https://docs.sqlalchemy.org/en/20/dialects/sqlite.html#serializable-isolation-savepoints-transactional-ddl
    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class SqlStore:
    """Opens transactions; each `transaction()` commits on success and rolls back on error."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @classmethod
    def from_url(cls, url: str) -> SqlStore:
        return cls(make_engine(url))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqlTx]:
        async with self.engine.begin() as conn:
            yield SqlTx(conn)

    async def close(self) -> None:
        await self.engine.dispose()


class SqlTx:
    """One transaction; implements bot.ports.Tx."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.dialect = conn.dialect.name

    async def add(self, record: R) -> R:
        table = TABLES[type(record)]
        values = dataclasses.asdict(record)
        values.pop("id")
        result = await self.conn.execute(table.insert().values(**values))
        record.id = result.inserted_primary_key[0]
        return record

    async def save(self, record: Any, fields: tuple[str, ...] = ()) -> None:
        table = TABLES[type(record)]
        values = dataclasses.asdict(record)
        record_id = values.pop("id")
        if fields:
            values = {name: values[name] for name in fields}
        await self.conn.execute(table.update().where(table.c.id == record_id).values(**values))

    async def save_many(self, records: list[Any], fields: tuple[str, ...]) -> None:
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
        await self.conn.execute(statement, rows)

    async def get(self, kind: type[R], record_id: int, *, lock: bool = False) -> R | None:
        table = TABLES[kind]
        query = select(table).where(table.c.id == record_id)
        if lock:
            # Two people clicking at once must not both read the old state (PostgreSQL;
            # SQLite transactions already take the write lock when they begin).
            query = query.with_for_update()
        row = (await self.conn.execute(query)).first()
        return kind(**row._mapping) if row else None

    async def find(self, record_type: type[R], /, **where: Any) -> list[R]:
        table = TABLES[record_type]
        query = select(table).order_by(table.c.id)
        for name, value in where.items():
            column = table.c[name]
            if isinstance(value, list | tuple | set | frozenset):
                if not value:
                    return []
                query = query.where(column.in_(list(value)))
            elif value is None:
                query = query.where(column.is_(None))
            else:
                query = query.where(column == value)
        return [record_type(**row._mapping) for row in await self.conn.execute(query)]

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
        return True

    async def claim_due(
        self, now: datetime, worker: str, lease: timedelta, limit: int, platforms: list[str]
    ) -> list[Notification]:
        if not platforms:
            return []
        n = notifications
        due = (
            select(n.c.id)
            .where(
                n.c.status == "pending",
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
        rows = (await self.conn.execute(statement)).all()
        return sorted((Notification(**row._mapping) for row in rows), key=lambda r: r.due_at)

    async def claim_planning(self, now: datetime, limit: int) -> list[Pairing]:
        p = pairings
        query = (
            select(p)
            .where(
                p.c.status == PairingStatus.ACTIVE,
                or_(p.c.plan_at.is_(None), p.c.plan_at <= now),
            )
            .order_by(p.c.id)
            .limit(limit)
            # Planners on other replicas take other pairs; a click on this pair waits.
            .with_for_update(skip_locked=True)
        )
        return [Pairing(**row._mapping) for row in await self.conn.execute(query)]

    async def replan(self, pairing_ids: list[int]) -> None:
        if pairing_ids:
            statement = (
                update(pairings)
                .where(pairings.c.id.in_(sorted(set(pairing_ids))))
                .values(plan_at=None)
            )
            await self.conn.execute(statement)

    async def release(self, claimed: list[Notification], worker: str) -> set[int]:
        if not claimed:
            return set()
        n = notifications
        query = (
            select(n.c.id)
            .where(n.c.id.in_([row.id for row in claimed]), n.c.lease_owner == worker)
            .with_for_update()
        )
        held = set((await self.conn.execute(query)).scalars())
        mine = [row for row in claimed if row.id in held]
        for row in mine:
            row.lease_owner, row.lease_expires_at = None, None
        await self.save_many(mine, RELEASED)
        return held


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
