"""The Store: async SQLAlchemy Core on SQLite (aiosqlite) or PostgreSQL (asyncpg)."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import and_, bindparam, case, event, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.model import Notification, Pairing, PairingStatus, Stage
from bot.ports import PairFacts, ProgramFacts, StageFacts
from storage.tables import (
    TABLES,
    checkins,
    followups,
    notifications,
    pairings,
    participants,
    processed_events,
    reflections,
    sessions,
    utcnow,
)

R = TypeVar("R")
DEFAULT_URL = "sqlite+aiosqlite:///./mentorbot.db"
SQLITE_BUSY_TIMEOUT_MS = 10_000
# Values in one IN (...) list; PostgreSQL's protocol allows 32,767 parameters per statement.
IN_LIST = 10_000


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An AsyncEngine for `url`; SQLite gets WAL, a busy timeout, write locks taken up front
    and a single pooled connection."""
    if url.startswith("sqlite"):
        # One connection per process: SQLite has one writer anyway, and requests queued on
        # the pool are served in order, where several connections would poll for the write
        # lock in no fair order (seconds of wait at the tail, "database is locked" at worst).
        if ":memory:" not in url:
            kwargs.setdefault("pool_size", 1)
            kwargs.setdefault("max_overflow", 0)
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
        many: tuple[str, list] | None = None
        for name, value in where.items():
            column = table.c[name]
            if isinstance(value, list | tuple | set | frozenset):
                if not value:
                    return []
                if many is None and len(value) > IN_LIST:
                    many = (name, sorted(value))  # asked for in chunks below
                    continue
                query = query.where(column.in_(list(value)))
            elif value is None:
                query = query.where(column.is_(None))
            else:
                query = query.where(column == value)
        if many is None:
            return _records(record_type, await self.conn.execute(query))
        name, values = many
        found = []
        for start in range(0, len(values), IN_LIST):
            chunk = query.where(table.c[name].in_(values[start : start + IN_LIST]))
            found += _records(record_type, await self.conn.execute(chunk))
        return sorted(found, key=lambda record: record.id)

    async def delete(self, record_type: type, /, **where: Any) -> int:
        table = TABLES[record_type]
        if not where:
            raise ValueError("delete needs a condition")
        statement = table.delete()
        for name, value in where.items():
            column = table.c[name]
            if isinstance(value, list | tuple | set | frozenset):
                statement = statement.where(column.in_(list(value)))
            else:
                statement = statement.where(column.is_(None) if value is None else column == value)
        return (await self.conn.execute(statement)).rowcount or 0

    async def program_facts(self, program_id: int, now: datetime, since: datetime) -> ProgramFacts:
        s, p = sessions, pairings
        mine = s.c.pairing_id.in_(select(p.c.id).where(p.c.program_id == program_id))
        counted = and_(mine, s.c.status != "cancelled")
        started = case((s.c.starts_at <= now, 1), else_=0)
        facts = ProgramFacts()
        recent = and_(s.c.starts_at >= since, s.c.starts_at <= now)
        by_status = select(
            s.c.status,
            func.count(),
            func.sum(started),
            func.sum(case((recent, 1), else_=0)),
            func.sum(case((s.c.created_at >= since, 1), else_=0)),
        ).where(counted)
        for status, count, past, in_window, booked in await self.conn.execute(
            by_status.group_by(s.c.status)
        ):
            _count_sessions(facts.sessions, status, count, past or 0)
            # Sessions in the window have all started: scheduled ones there are unconfirmed.
            _count_sessions(facts.recent, status, in_window or 0, in_window or 0)
            facts.booked_recent += booked or 0
        held = case((s.c.status == "held", s.c.starts_at))
        ahead = case((and_(s.c.status == "scheduled", s.c.starts_at > now), s.c.starts_at))
        columns = (
            p.c.id,
            p.c.status,
            p.c.mentor_id,
            p.c.mentee_id,
            p.c.activated_at,
            p.c.escalated_at,
            p.c.declined_by,
        )
        per_pair = (
            select(*columns, func.max(held), func.min(ahead))
            .select_from(p.outerjoin(s, s.c.pairing_id == p.c.id))
            .where(p.c.program_id == program_id)
            .group_by(*columns)
            .order_by(p.c.id)
        )
        facts.pairs = [
            PairFacts(*row[:7], _utc(row[7]), _utc(row[8]))
            for row in await self.conn.execute(per_pair)
        ]
        r = reflections
        facts.reflections = await self._scalar(
            select(func.count()).select_from(r.join(s, r.c.session_id == s.c.id)).where(mine)
        )
        f = followups
        in_program = select(p.c.id).where(p.c.program_id == program_id)
        facts.implemented = await self._scalar(
            select(func.count()).where(f.c.pairing_id.in_(in_program), f.c.done.is_(True))
        )
        n = notifications
        failed = and_(n.c.pairing_id.in_(in_program), n.c.status == "failed")
        facts.failed = await self._scalar(select(func.count()).where(failed))
        if facts.failed:
            last = select(n.c.last_error).where(failed).order_by(n.c.due_at.desc(), n.c.id.desc())
            facts.last_error = (await self.conn.execute(last.limit(1))).scalar() or ""
        person = participants.c.id
        in_live_pair = (
            select(p.c.id)
            .where(
                p.c.program_id == program_id,
                p.c.status.in_(("proposed", "active")),
                or_(p.c.mentor_id == person, p.c.mentee_id == person),
            )
            .exists()
        )
        # Few people are unreachable: start from them, then check their pairs.
        unreachable = select(person).where(participants.c.reachable.is_(False), in_live_pair)
        facts.unreachable = sorted((await self.conn.execute(unreachable)).scalars())
        await self._outcome_facts(facts, program_id)
        return facts

    async def _outcome_facts(self, facts: ProgramFacts, program_id: int) -> None:
        """Check-in answers by stage, and the mentors whose suggestions were implemented."""
        p, n, c, f = pairings, notifications, checkins, followups
        in_program = select(p.c.id).where(p.c.program_id == program_id)
        # Through the series index: only check-in rows are read, however big the outbox.
        stages = [f"checkin:{stage}" for stage in Stage]
        asked = (
            select(n.c.series, func.count())
            .where(
                n.c.series.in_(stages),
                n.c.kind == "checkin",
                n.c.status == "sent",
                n.c.pairing_id.in_(in_program),
            )
            .group_by(n.c.series)
        )
        found = {
            series.removeprefix("checkin:"): count
            for series, count in await self.conn.execute(asked)
        }
        answers = (
            select(c.c.stage, func.count(), func.count(c.c.rating), func.sum(c.c.rating))
            .where(c.c.pairing_id.in_(in_program))
            .group_by(c.c.stage)
        )
        answered = {row[0]: row[1:] for row in await self.conn.execute(answers)}
        for stage in sorted(set(found) | set(answered)):
            count, rated, total = answered.get(stage, (0, 0, 0))
            facts.checkins[stage] = StageFacts(found.get(stage, 0), count, rated, int(total or 0))
        facts.mentors = len({pair.mentor_id for pair in facts.pairs})
        if not facts.implemented:
            return
        per_pair = (
            select(f.c.pairing_id, func.count())
            .where(f.c.pairing_id.in_(in_program), f.c.done.is_(True))
            .group_by(f.c.pairing_id)
        )
        mentor_of = {pair.id: pair.mentor_id for pair in facts.pairs}
        per_mentor: dict[int, int] = {}
        for pairing_id, count in await self.conn.execute(per_pair):
            mentor = mentor_of[pairing_id]
            per_mentor[mentor] = per_mentor.get(mentor, 0) + count
        ranked = sorted(per_mentor.items(), key=lambda item: (-item[1], item[0]))
        facts.top_mentors = ranked[:3]

    async def _scalar(self, query) -> int:
        return int((await self.conn.execute(query)).scalar() or 0)

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
        rows = _records(Notification, await self.conn.execute(statement))
        return sorted(rows, key=lambda r: r.due_at)

    async def claim_planning(self, now: datetime, limit: int) -> list[Pairing]:
        p = pairings
        active = p.c.status == PairingStatus.ACTIVE
        # Two claims, each one probe of the (status, plan_at) index: an OR of the two would
        # scan every active pair on each idle tick.
        claimed: list[Pairing] = []
        for waiting, order in ((p.c.plan_at.is_(None), p.c.id), (p.c.plan_at <= now, p.c.plan_at)):
            query = (
                select(p)
                .where(active, waiting)
                .order_by(order, p.c.id)
                .limit(limit - len(claimed))
                # Planners on other replicas take other pairs; a click on this pair waits.
                .with_for_update(skip_locked=True)
            )
            claimed += _records(Pairing, await self.conn.execute(query))
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


def _records(kind: type[R], result) -> list[R]:
    """Rows as dataclasses (zipping with the keys once is several times faster than
    unpacking each row's mapping, which shows at 10,000 rows)."""
    keys = list(result.keys())
    return [kind(**dict(zip(keys, row, strict=True))) for row in result]


def _count_sessions(counts: dict[str, int], status: str, count: int, started: int) -> None:
    """Scheduled sessions that have started are "unconfirmed": nobody said how it went."""
    if status == "scheduled":
        counts["scheduled"] = counts.get("scheduled", 0) + count - started
        counts["unconfirmed"] = counts.get("unconfirmed", 0) + started
    else:
        counts[status] = counts.get(status, 0) + count
    for name in ("scheduled", "unconfirmed", status):
        if counts.get(name) == 0:
            del counts[name]


def _utc(value: datetime | str | None) -> datetime | None:
    """MIN/MAX of a timestamp: SQLite hands back its text, PostgreSQL a datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


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
