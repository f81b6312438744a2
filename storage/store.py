"""The Store: async SQLAlchemy Core on SQLite (aiosqlite) or PostgreSQL (asyncpg)."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import sqlite3
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import event, func, or_, select, text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.domain.model import SESSION_MINUTES_MAX, Session, SessionStatus
from bot.domain.ports import LearningEntry, LibraryScope
from storage import learnings, notify
from storage.pair_figures import Figures, program_of
from storage.queues import SqlQueue, records_of, write_fields
from storage.tables import COLUMNS, TABLES, pairings, sessions
from storage.weekly_figures import SqlReports

log = logging.getLogger(__name__)
R = TypeVar("R")
DEFAULT_URL = "sqlite+aiosqlite:///./mentorbot.db"
SQLITE_BUSY_TIMEOUT_MS = 10_000
# Health checks read on a connection of their own; in WAL mode a read never waits for the
# write lock, so this only bounds a wait for a checkpoint or recovery.
SQLITE_SIDE_TIMEOUT_MS = 2_000
# Connections for read-only transactions on SQLite (each runs in a thread of its own).
READERS = 2
# Values in one IN (...) list; PostgreSQL's protocol allows 32,767 parameters per statement.
IN_LIST = 10_000
FTS_OPTIMIZE = "INSERT INTO reflections_fts(reflections_fts) VALUES ('optimize')"


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An AsyncEngine for `url`; SQLite gets WAL, a busy timeout, write locks taken up front
    and a single pooled connection. Statement parameters (people's words) are kept out of
    error messages, which end up in logs and in notifications' last_error."""
    kwargs.setdefault("hide_parameters", True)
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
    _sqlite_session(
        engine,
        "BEGIN IMMEDIATE",
        f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}",
        "PRAGMA journal_mode = WAL",
        "PRAGMA synchronous = NORMAL",
        "PRAGMA foreign_keys = ON",
        # Deleted text (forget-me) is overwritten in the file, not left in free pages.
        "PRAGMA secure_delete = ON",
    )


def _sqlite_session(engine: AsyncEngine, begin: str | None, *pragmas: str) -> None:
    """Each new connection runs `pragmas` in autocommit mode (pysqlite opens no transaction
    of its own); each transaction starts with `begin` (None: statements run on their own)."""

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in pragmas:
            cursor.execute(pragma)
        cursor.close()

    if begin is not None:

        @event.listens_for(engine.sync_engine, "begin")
        def _begin(connection):
            connection.exec_driver_sql(begin)


class SqlStore:
    """Opens transactions; each `transaction()` commits on success and rolls back on error."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._side: AsyncEngine | None = None
        self._reader: AsyncEngine | None = None
        self._probe: sqlite3.Connection | None = None  # SQLite: asks data_version
        self._probing = threading.Lock()  # one question at a time on that connection
        self._changes: notify.Listener | None = None  # PostgreSQL: hears every commit
        self._heard = 0  # commits announced on notify.CHANGED, by any process
        self._written = 0  # write transactions this process committed
        self._token = uuid.uuid4().hex  # this process's own NOTIFY payload

    @classmethod
    def from_url(cls, url: str) -> SqlStore:
        return cls(make_engine(url))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqlTx]:
        sqlite = self.engine.dialect.name == "sqlite"
        async with self.engine.begin() as conn:
            tx = SqlTx(conn)
            yield tx
            tx.figures.check("committing")
            if not sqlite:
                await notify.announce(conn, notify.CHANGED, self._token)
            if tx.erase_requested and sqlite:
                # FTS5 (SQLite 3.40: no secure-delete option) keeps the words of a deleted or
                # overwritten reflection in its older index segments until they are merged;
                # merging them all now drops those words, and secure_delete zeroes the pages.
                await conn.execute(text(FTS_OPTIMIZE))
        self._written += 1
        if tx.erase_requested and sqlite:
            await self._truncate_log()

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[SqlTx]:
        """A read-only transaction: it never takes SQLite's write lock (so it neither waits
        for writers nor holds them up) and the database refuses any write made in it."""
        if self.engine.dialect.name == "sqlite":
            reader = self._sqlite_reader()
            if reader is self.engine:  # an in-memory database has one connection only
                async with self.transaction() as tx:
                    yield tx
                return
            async with reader.begin() as conn:
                yield SqlTx(conn)
            return
        async with self.engine.connect() as conn:
            conn = await conn.execution_options(postgresql_readonly=True)
            async with conn.begin():
                yield SqlTx(conn)

    async def ping(self) -> None:
        """Read from the database; raises when it does not answer. On SQLite this reads on
        a connection of its own without a transaction, so it never waits for the write lock
        (another process's tick, or this process's own queued writers)."""
        if self.engine.dialect.name != "sqlite":
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return
        async with self._sqlite_side().connect() as conn:
            await conn.execute(text("SELECT count(*) FROM sqlite_master"))

    async def version(self) -> tuple[int, int] | None:
        """A value that differs whenever a write was committed since, by this process or any
        other: SQLite's data_version, asked on a connection of its own (it changes with every
        other connection's commit), or on PostgreSQL the commits announced on notify.CHANGED
        (every write transaction announces one) and this process's own. None while it cannot
        tell (an in-memory database; PostgreSQL before its listener is connected)."""
        if self.engine.dialect.name == "sqlite":
            path = self.engine.url.database
            if path in (None, "", ":memory:"):
                return None
            found = await asyncio.to_thread(self._data_version, path)
            return None if found is None else (found, 0)
        if self._changes is None:
            self._changes = notify.Listener(
                self.engine.url, self._heard_one, notify.CHANGED, mine=self._token
            )
            self._changes.start()
        if not self._changes.connected:
            return None
        return (self._heard, self._written)

    def _heard_one(self) -> None:
        self._heard += 1

    def _data_version(self, path: str) -> int | None:
        """SQLite's data_version, or None when the file is busy this instant (never waits)."""
        with self._probing:
            if self._probe is None:
                self._probe = sqlite3.connect(
                    path, timeout=0, isolation_level=None, check_same_thread=False
                )
            try:
                return self._probe.execute("PRAGMA data_version").fetchone()[0]
            except sqlite3.OperationalError:
                return None

    async def listen(self, wake: Callable[[], None]) -> Callable[[], Awaitable[None]] | None:
        if self.engine.dialect.name != "postgresql":
            return None
        listener = notify.Listener(self.engine.url, wake)
        listener.start()
        return listener.close

    async def _truncate_log(self) -> None:
        """Copy the write-ahead log into the file and empty it: the log still holds the old
        versions of pages that a forget-me overwrote (secure_delete zeroes the file's own)."""
        async with self._sqlite_side().connect() as conn:
            busy = (await conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))).scalar()
        if busy:
            log.warning("could not empty the SQLite log now (busy); the next forget-me will")

    def _sqlite_side(self) -> AsyncEngine:
        """A second connection to the SQLite file, in autocommit: it never takes the write
        lock up front, so health checks and log truncation do not queue behind writers."""
        if self._side is None:
            memory = self.engine.url.database in (None, "", ":memory:")
            self._side = self.engine if memory else _sqlite_autocommit(self.engine.url)
        return self._side

    def _sqlite_reader(self) -> AsyncEngine:
        if self._reader is None:
            memory = self.engine.url.database in (None, "", ":memory:")
            self._reader = self.engine if memory else _sqlite_reader(self.engine.url)
        return self._reader

    async def close(self) -> None:
        if self._changes is not None:
            await self._changes.close()
        if self._probe is not None:
            self._probe.close()
        for other in (self._side, self._reader):
            if other not in (None, self.engine):
                await other.dispose()
        await self.engine.dispose()


def _sqlite_autocommit(url: URL) -> AsyncEngine:
    engine = create_async_engine(url, pool_size=1, max_overflow=0, hide_parameters=True)
    _sqlite_session(engine, None, f"PRAGMA busy_timeout = {SQLITE_SIDE_TIMEOUT_MS}")
    return engine


def _sqlite_reader(url: URL) -> AsyncEngine:
    """Connections for read-only transactions: a plain (deferred) BEGIN, which in WAL mode
    reads a snapshot without the write lock, and query_only, so a write is an error."""
    engine = create_async_engine(url, pool_size=READERS, max_overflow=0, hide_parameters=True)
    _sqlite_session(
        engine, "BEGIN", f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}", "PRAGMA query_only = ON"
    )
    return engine


class SqlTx:
    """One transaction (bot.domain.ports.Tx): the records, read and written here, and its
    parts on the same connection: `queue` (storage/queues.py) and `reports` (owners' reads,
    storage/weekly_figures.py). `figures` is its change set: the pairs whose figures its writes
    touched, which the unit of work recounts (`reports.recount()`) before it commits."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.erase_requested = False
        self.figures = Figures(conn)
        self.queue = SqlQueue(conn, self.figures)
        self.reports = SqlReports(conn, self.figures)

    def erase_freed_space(self) -> None:
        self.erase_requested = True

    async def add(self, record: R) -> R:
        table = TABLES[type(record)]
        values = dataclasses.asdict(record)
        values.pop("id")
        if isinstance(record, Session):
            values["program_id"] = program_of(record)
        result = await self.conn.execute(table.insert().values(**values))
        record.id = result.inserted_primary_key[0]
        self.figures.wrote([record])
        return record

    async def save(self, record: Any, fields: tuple[str, ...] = ()) -> None:
        table = TABLES[type(record)]
        values = dataclasses.asdict(record)
        record_id = values.pop("id")
        if fields:
            values = {name: values[name] for name in fields}
        await self.conn.execute(table.update().where(table.c.id == record_id).values(**values))
        self.figures.wrote([record], fields)

    async def save_many(self, records: list[Any], fields: tuple[str, ...]) -> None:
        await write_fields(self.conn, records, fields)
        self.figures.wrote(records, fields)

    async def get(self, kind: type[R], record_id: int, *, lock: bool = False) -> R | None:
        table = TABLES[kind]
        query = select(*COLUMNS[kind]).where(table.c.id == record_id)
        if lock:
            # Two people clicking at once must not both read the old state (PostgreSQL;
            # SQLite transactions already take the write lock when they begin).
            query = query.with_for_update()
        row = (await self.conn.execute(query)).first()
        return kind(**row._mapping) if row else None

    async def find(self, record_type: type[R], /, **where: Any) -> list[R]:
        table = TABLES[record_type]
        query = select(*COLUMNS[record_type]).order_by(table.c.id)
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
            return records_of(record_type, await self.conn.execute(query))
        name, values = many
        found = []
        for start in range(0, len(values), IN_LIST):
            chunk = query.where(table.c[name].in_(values[start : start + IN_LIST]))
            found += records_of(record_type, await self.conn.execute(chunk))
        return sorted(found, key=lambda record: record.id)

    async def delete(self, record_type: type, /, **where: Any) -> int:
        table = TABLES[record_type]
        if not where:
            raise ValueError("delete needs a condition")
        conditions = []
        for name, value in where.items():
            column = table.c[name]
            if isinstance(value, list | tuple | set | frozenset):
                conditions.append(column.in_(list(value)))
            else:
                conditions.append(column.is_(None) if value is None else column == value)
        await self.figures.deleting(record_type, select(table.c.id).where(*conditions))
        return (await self.conn.execute(table.delete().where(*conditions))).rowcount or 0

    async def learnings(
        self, scope: LibraryScope, words: list[str], limit: int
    ) -> list[LearningEntry]:
        return await learnings.search(self.conn, scope, words, limit)

    async def booked(
        self, people: list[int], after: datetime
    ) -> dict[int, list[tuple[datetime, int]]]:
        s, p = sessions, pairings
        wanted = set(people)
        found: dict[int, list[tuple[datetime, int]]] = {person: [] for person in wanted}
        ordered = sorted(wanted)
        for start in range(0, len(ordered), IN_LIST // 2):
            chunk = ordered[start : start + IN_LIST // 2]
            query = (
                select(s.c.starts_at, s.c.minutes, p.c.mentor_id, p.c.mentee_id)
                .select_from(s.join(p, p.c.id == s.c.pairing_id))
                .where(
                    or_(p.c.mentor_id.in_(chunk), p.c.mentee_id.in_(chunk)),
                    s.c.status == SessionStatus.SCHEDULED,
                    # No session runs longer than a form books: this bounds the scan.
                    s.c.starts_at > after - timedelta(minutes=SESSION_MINUTES_MAX),
                )
                .order_by(s.c.starts_at)
            )
            for at, minutes, mentor, mentee in await self.conn.execute(query):
                if at + timedelta(minutes=minutes) <= after:
                    continue
                for person in {mentor, mentee} & wanted:
                    if (at, minutes) not in found[person]:
                        found[person].append((at, minutes))
        return found

    async def sessions_version(self, pairing_ids: list[int]) -> tuple[int, int, int]:
        s = sessions
        query = select(
            func.count(),
            func.coalesce(func.sum(s.c.id), 0),
            func.coalesce(func.sum(s.c.revision), 0),
        ).where(s.c.pairing_id.in_(pairing_ids))
        count, ids, revisions = (await self.conn.execute(query)).one()
        return int(count), int(ids), int(revisions)
