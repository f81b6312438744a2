"""Benchmarks at company scale: dispatch, owner status, the idle tick and three replicas.

Data is written straight into the tables (SQLAlchemy Core, many rows per statement), which
takes seconds where going through the bot's flows would take many minutes; what is then
measured runs the product's own code: the `mentorbot tick` command in a child process, or
the engine in this one. PostgreSQL databases are created fresh on the local server
(MENTORBOT_BENCH_PG, default postgresql://postgres@127.0.0.1:5432/postgres) and dropped.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
from sqlalchemy import insert, select

from bench import outcomes
from bench.report import Row, at_least, at_most, info, percentile
from bot.context import Context, EngineConfig
from bot.domain.clock import VirtualClock
from bot.domain.events import Actor, CommandIssued
from bot.domain.model import Program
from bot.engine import Engine
from bot.flows.status import close_weeks
from bot.sending.nudge_rounds import MENTOR_LATER
from storage import migrate, pair_figures
from storage.store import SqlStore, make_engine
from storage.tables import (
    notifications,
    pairings,
    participants,
    programs,
    reflections,
    sessions,
)

PG_SERVER = os.environ.get("MENTORBOT_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
DATABASES = ("sqlite", "postgresql")
CHUNK = 5_000  # rows per INSERT statement batch
OWNER = "console:owner"


def program_row(now: datetime, **values) -> dict:
    """A programs row as the benches write it, with `values` in place of the defaults."""
    return (
        dict(
            name="Bench",
            objective="digital skills",
            cadence_days=14,
            session_minutes=45,
            owners=[OWNER],
            agenda_set="general",
            reflection_visibility="program",
            timezone="UTC",
            created_at=now,
        )
        | values
    )


def person_row(i: int, now: datetime, **values) -> dict:
    """Participant i's row as the benches write it, with `values` in place of the defaults."""
    return (
        dict(
            platform="console",
            user_id=f"U{i:07d}",
            display_name=f"Person {i}",
            workspace="",
            timezone="UTC",
            reachable=True,
            created_at=now,
        )
        | values
    )


ROOT = Path(__file__).resolve().parent.parent


# --- databases ------------------------------------------------------------------------------


@asynccontextmanager
async def fresh_database(kind: str) -> AsyncIterator[str]:
    """A migrated, empty database of `kind` for one measurement; removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="mentorbot-bench-") as folder:
            url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
            await _migrate(url)
            yield url
        return
    name = f"mentorbot_bench_{uuid.uuid4().hex[:12]}"
    await _admin(f'CREATE DATABASE "{name}"')
    base = PG_SERVER.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    try:
        url = f"{base}/{name}"
        await _migrate(url)
        yield url
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_SERVER, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _migrate(url: str) -> None:
    engine = make_engine(url)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()


async def analyze(url: str) -> None:
    """Refresh the planner's statistics, as a database in service has them, after giving the
    rows written here what the store keeps beside the rows it writes (storage/pair_figures.py)."""
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            await pair_figures.refresh_all(conn)
        if engine.dialect.name != "postgresql":
            async with engine.begin() as conn:
                await conn.exec_driver_sql("ANALYZE")
            return
        async with engine.connect() as conn:
            # Autovacuum may be off: VACUUM too, so index-only scans see an all-visible map.
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.exec_driver_sql("VACUUM ANALYZE")
    finally:
        await engine.dispose()


async def _insert(url: str, table, rows: list[dict]) -> list[int]:
    """Insert many rows; returns their ids in order."""
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            for start in range(0, len(rows), CHUNK):
                await conn.execute(insert(table), rows[start : start + CHUNK])
            found = await conn.execute(select(table.c.id).order_by(table.c.id))
            return list(found.scalars())[-len(rows) :] if rows else []
    finally:
        await engine.dispose()


async def populate(
    url: str,
    pairs: int,
    now: datetime,
    *,
    platform: str = "console",
    address=None,
    cadence_days: int = 14,
    held: int = 0,
    held_before: timedelta = timedelta(days=1),
    reflect: bool = False,
) -> int:
    """One program with `pairs` active pairs (activated an hour ago); optionally `held`
    held sessions per pair, weekly, the last one `held_before` ago, and a reflection from
    the mentee on each. `address(i)` gives participant i's address. Returns the program id."""
    activated = now - timedelta(hours=1) - timedelta(weeks=held)
    # The program began when its pairs did: its weeks (owners' charts) run from then.
    row = program_row(now, cadence_days=cadence_days, working_hours="Mon-Sun 00:00-24:00")
    [program_id] = await _insert(url, programs, [row | {"created_at": activated}])
    people = await _insert(
        url,
        participants,
        [
            person_row(
                i,
                now,
                platform=platform,
                workspace="T0BENCH",
                address=address(i) if address else None,
            )
            for i in range(2 * pairs)
        ],
    )
    pair_ids = await _insert(
        url,
        pairings,
        [
            dict(
                program_id=program_id,
                mentor_id=people[2 * i],
                mentee_id=people[2 * i + 1],
                goal="bench",
                why="bench",
                status="active",
                mentor_consent=True,
                mentee_consent=True,
                created_at=activated,
                activated_at=activated,
            )
            for i in range(pairs)
        ],
    )
    if not held:
        await analyze(url)
        return program_id
    session_rows = []
    for pair_id in pair_ids:
        for n in range(held):
            starts = now - held_before - timedelta(weeks=held - 1 - n)
            session_rows.append(
                dict(
                    pairing_id=pair_id,
                    program_id=program_id,
                    starts_at=starts,
                    minutes=45,
                    number=n + 1,
                    topic="",
                    status="held",
                    created_at=starts - timedelta(days=3),
                    outcome_at=starts + timedelta(hours=1),
                )
            )
    session_ids = await _insert(url, sessions, session_rows)
    if reflect:
        mentee_of = {pair_ids[i]: people[2 * i + 1] for i in range(pairs)}
        await _insert(
            url,
            reflections,
            [
                dict(
                    session_id=session_id,
                    author_id=mentee_of[row["pairing_id"]],
                    role="mentee",
                    what_changed="We moved the weekly report to a shared dashboard.",
                    will_do="Try it with the finance team.",
                    visibility="program",
                    created_at=row["outcome_at"],
                )
                for session_id, row in zip(session_ids, session_rows, strict=True)
            ],
        )
    await analyze(url)
    return program_id


async def plan_everything(url: str, now: datetime) -> tuple[int, float]:
    """Run the planner over every pair (a tick with no senders sends nothing)."""
    store = SqlStore.from_url(url)
    try:
        started = time.perf_counter()
        result = await Engine(store, VirtualClock(now)).tick()
        return result.planned, time.perf_counter() - started
    finally:
        await store.close()


# --- the platform stub and `mentorbot tick` -------------------------------------------------


@contextmanager
def platform_stub():
    """bench.platform_stub in a child process; yields its base URL."""
    port = _free_port()
    child = subprocess.Popen(
        [sys.executable, "-m", "bench.platform_stub", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                stub_stats(url)
                break
            except OSError:
                if time.monotonic() > deadline or child.poll() is not None:
                    raise RuntimeError("the platform stub did not start") from None
                time.sleep(0.05)
        yield url
    finally:
        child.terminate()
        child.wait(10)


def stub_stats(url: str) -> dict[str, dict[str, int]]:
    with urllib.request.urlopen(f"{url}/stats", timeout=30) as response:
        return json.loads(response.read())


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tick_env(url: str, platform: str, stub: str) -> dict[str, str]:
    """The environment of a `mentorbot tick` that sends to the stub with no limits of ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_"))}
    env.update(
        DATABASE_URL=url,
        MENTORBOT_LOG_LEVEL="WARNING",
        MENTORBOT_SLACK_RATE="0",
        MENTORBOT_TEAMS_RATE="0",
        MENTORBOT_WORKING_HOURS="Mon-Sun 00:00-24:00",
    )
    if platform == "slack":
        env.update(
            SLACK_BOT_TOKEN="xoxb-bench",
            SLACK_SIGNING_SECRET="bench",
            SLACK_API_URL=f"{stub}/api/",
            MENTORBOT_TEAMS="off",
        )
    else:
        env.update(MENTORBOT_TEAMS="local")
    return env


def start_tick(env: dict[str, str], now: datetime) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "adapters.cli", "tick", "--now", now.isoformat()],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish_tick(child: subprocess.Popen) -> tuple[int, float, float]:
    """Wait for a tick; returns (sent, seconds it reported, peak RSS MB of the process)."""
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    out, err = child.stdout.read(), child.stderr.read()
    found = re.search(r"sent (\d+),.* in ([\d.]+) s", out)
    if child.returncode != 0 or not found:
        raise RuntimeError(f"mentorbot tick failed ({child.returncode}): {out}{err[-2000:]}")
    return int(found.group(1)), float(found.group(2)), usage.ru_maxrss / 1024


def slack_address(i: int) -> dict:
    return {"channel": f"D{i:07d}"}


def teams_address(stub: str):
    def address(i: int) -> dict:
        return {
            "serviceUrl": f"{stub}/",
            "conversationId": f"a:conv-{i:07d}",
            "tenantId": "tenant-bench",
            "botId": "28:bench-bot",
            "channelId": "msteams",
        }

    return address


def _delivered(stats: dict, platform: str) -> tuple[int, int]:
    """(distinct conversations reached, messages beyond the first per conversation)."""
    counts = stats[platform].values()
    return len(counts), sum(c - 1 for c in counts if c > 1)


# --- (b) dispatch ---------------------------------------------------------------------------


NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
# When both people of a new pair have their first nudge due: the leader's is due at once,
# the mentor's a day later (bot.sending.nudge_rounds).
BOTH_NUDGED = NOW + MENTOR_LATER
SLACK_TARGET, TEAMS_TARGET, RSS_TARGET = 1000.0, 500.0, 150.0  # RSS: issue 27


async def dispatch(notifications: int) -> list[Row]:
    """(b) One `mentorbot tick` sending `notifications` due first nudges (both people of
    notifications/2 new pairs, the day the mentor's is due too) to the stub, for Slack and
    Teams recipients, on SQLite and PostgreSQL. The rows are planned beforehand (timed
    separately); the tick only sends."""
    pairs = max(1, notifications // 2)
    rows = [info("notifications per run", 2 * pairs)]
    for kind in DATABASES:
        for platform, target in (("slack", SLACK_TARGET), ("teams", TEAMS_TARGET)):
            with platform_stub() as stub:
                async with fresh_database(kind) as url:
                    address = slack_address if platform == "slack" else teams_address(stub)
                    await populate(url, pairs, NOW, platform=platform, address=address)
                    planned, plan_seconds = await plan_everything(url, NOW)
                    env = tick_env(url, platform, stub)
                    sent, seconds, rss = finish_tick(start_tick(env, BOTH_NUDGED))
                reached, doubled = _delivered(stub_stats(stub), platform)
            if sent != 2 * pairs or reached != 2 * pairs or doubled:
                raise RuntimeError(
                    f"{platform} on {kind}: sent {sent}, reached {reached}, doubled {doubled}"
                )
            where = f"{platform}, {kind}"
            rows += [
                info(f"planning {planned} nudges s ({where})", f"{plan_seconds:.2f}"),
                at_least(f"sent/s ({where})", sent / seconds, target),
                at_most(f"tick peak RSS MB ({where})", rss, RSS_TARGET, fmt=".1f"),
            ]
    return rows


async def invites(notifications: int) -> list[Row]:
    """Issue 14: the dispatch run of (b) with calendar invites instead of nudges: each pair
    has a session booked for the day after tomorrow and both people a due invite (an .ics
    file upload, three Web API calls, on Slack; a card with a signed link on Teams). Each is
    shown beside a (b) run of the same size straight before it. No target: the issue's is
    that (b) itself does not drop (see BENCHMARKS.md)."""
    pairs = max(1, notifications // 2)
    rows = [info("notifications per run", 2 * pairs)]
    for kind in DATABASES:
        for platform in ("slack", "teams"):
            rates = []
            for with_invites in (False, True):
                with platform_stub() as stub:
                    async with fresh_database(kind) as url:
                        address = slack_address if platform == "slack" else teams_address(stub)
                        await populate(url, pairs, NOW, platform=platform, address=address)
                        if with_invites:
                            await book_with_invites(url, NOW)
                        await plan_everything(url, NOW)
                        env = tick_env(url, platform, stub)
                        sent, seconds, _ = finish_tick(start_tick(env, BOTH_NUDGED))
                    reached, doubled = _delivered(stub_stats(stub), platform)
                if sent != 2 * pairs or reached != 2 * pairs or doubled:
                    raise RuntimeError(
                        f"{platform} on {kind}: sent {sent}, reached {reached}, doubled {doubled}"
                    )
                rates.append(sent / seconds)
            where = f"{platform}, {kind}"
            rows += [
                info(f"nudges sent/s ({where})", f"{rates[0]:.0f}"),
                info(f"invites sent/s ({where})", f"{rates[1]:.0f}"),
                info(f"invites / nudges ({where})", f"{rates[1] / rates[0]:.2f}"),
            ]
    return rows


async def book_with_invites(url: str, now: datetime) -> None:
    """A session for every active pair, and a due calendar invite for both people, as a
    booking queues them (so the planner sees a booked pair and nudges no one)."""
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            found = (
                await conn.execute(
                    select(
                        pairings.c.id,
                        pairings.c.mentor_id,
                        pairings.c.mentee_id,
                        pairings.c.program_id,
                    )
                )
            ).all()
        session_rows = [
            dict(
                pairing_id=pair_id,
                program_id=program_id,
                starts_at=now + timedelta(days=2),
                minutes=45,
                number=1,
                topic="Bench topic",
                status="scheduled",
                scheduled_by=mentee,
                created_at=now,
                uid=f"bench-{pair_id}@mentorbot",
                sequence=0,
                location="Room 1",
                tzid="Europe/Berlin",
                repeat_days=0,
                repeat_count=0,
            )
            for pair_id, _, mentee, program_id in found
        ]
    finally:
        await engine.dispose()
    session_ids = await _insert(url, sessions, session_rows)
    invite_rows = []
    for session_id, (pair_id, mentor, mentee, _) in zip(session_ids, found, strict=True):
        uid = f"bench-{pair_id}@mentorbot"
        payload = {
            "method": "REQUEST",
            "sequence": 0,
            "sessions": [session_id],
            "event": "booked",
            "by": mentee,
        }
        for person in (mentee, mentor):
            invite_rows.append(
                dict(
                    key=f"invite:{uid}:0:{person}",
                    kind="invite",
                    recipient_id=person,
                    due_at=now,
                    series=f"invite:{uid}",
                    pairing_id=pair_id,
                    session_id=session_id,
                    payload=payload,
                    status="pending",
                    attempts=0,
                    last_error="",
                    created_at=now,
                )
            )
    await _insert(url, notifications, invite_rows)
    await analyze(url)


# --- (c) owner status -----------------------------------------------------------------------


STATUS_TARGET_MS = 100.0  # issue 27, with charts (issue 17 asked 250, issue 15 150 without)


async def owner_status(pairs: int, runs: int = 20) -> list[Row]:
    """(c) `status` from a program owner for one program of `pairs` pairs with 10 held
    sessions each and a reflection on every session, and their outcomes (bench/outcomes.py:
    objectives, follow-ups asked about, pulse and fit answers, the questions sent), through
    Engine.handle like a command."""
    rows = [info("pairs / sessions / reflections", f"{pairs} / {10 * pairs} / {10 * pairs}")]
    for kind in DATABASES:
        async with fresh_database(kind) as url:
            program_id = await populate(url, pairs, NOW, held=10, reflect=True)
            filled = await outcomes.fill(url, program_id, NOW)
            await analyze(url)
            if kind == "sqlite":
                rows.append(info("outcome rows", " / ".join(f"{n} {t}" for t, n in filled.items())))
            store = SqlStore.from_url(url)
            clock = VirtualClock(NOW)
            engine = Engine(store, clock)
            owner = Actor("console", "owner", "Olivia Owner", timezone="UTC")
            timings, text = [], ""
            try:
                await _close_weeks(store, NOW)  # as the tick does once a week has closed
                for n in range(runs + 2):
                    # A minute on each time: status is counted again, not answered from what
                    # the engine keeps while nothing changes (bot.engine.Answers).
                    clock.set(NOW + timedelta(minutes=n))
                    started = time.perf_counter()
                    reply = await engine.handle(
                        CommandIssued("console", f"status-{n}", owner, name="status", args="")
                    )
                    if n >= 2:  # the first two warm caches and connections
                        timings.append((time.perf_counter() - started) * 1000)
                    text = reply.plain() if reply else ""
            finally:
                await store.close()
            if f"{pairs} active" not in text:
                raise RuntimeError(f"unexpected status on {kind}: {text[:300]}")
            rows += [
                info(f"status p50 ms ({kind})", f"{percentile(timings, 0.5):.1f}"),
                at_most(f"status p95 ms ({kind})", percentile(timings, 0.95), STATUS_TARGET_MS),
            ]
    return rows


async def _close_weeks(store: SqlStore, now: datetime) -> None:
    """Write every program's closed weeks, as the tick's first step does."""
    async with store.transaction() as tx:
        ctx = Context(tx, now, EngineConfig())
        await close_weeks(ctx, await tx.find(Program))


# --- (d) idle tick --------------------------------------------------------------------------


IDLE_TARGET_MS = 50.0


async def idle_tick(pairs: int, runs: int = 20) -> list[Row]:
    """(d) A tick with nothing due over `pairs` active pairs (each met 20 days ago; next
    nudge in days), after one tick has planned them all. Slack and Teams senders are not
    involved: nothing is due, so none would be called."""
    now = NOW
    rows = [info("active pairs", pairs)]
    for kind in DATABASES:
        async with fresh_database(kind) as url:
            await populate(url, pairs, now, cadence_days=30, held=1, held_before=timedelta(20))
            _, first = await plan_everything(url, now)
            await analyze(url)  # as autovacuum would after 100,000 updates
            store = SqlStore.from_url(url)
            timings = []
            try:
                for n in range(runs + 2):
                    later = now + timedelta(minutes=1 + n)
                    engine = Engine(store, VirtualClock(later), senders={})
                    started = time.perf_counter()
                    result = await engine.tick()
                    if n >= 2:
                        timings.append((time.perf_counter() - started) * 1000)
                    if result.planned or result.due:
                        raise RuntimeError(f"an idle tick did work: {result.line()}")
            finally:
                await store.close()
            rows += [
                info(f"first tick planning every pair s ({kind})", f"{first:.1f}"),
                info(f"idle tick p50 ms ({kind})", f"{percentile(timings, 0.5):.1f}"),
                at_most(f"idle tick max ms ({kind})", max(timings), IDLE_TARGET_MS, fmt=".1f"),
            ]
    return rows


# --- (e) three replicas ---------------------------------------------------------------------


async def replicas(notifications: int, count: int = 3) -> list[Row]:
    """(e) `count` `mentorbot tick` processes started together on one PostgreSQL database,
    planning and sending `notifications` first nudges to the stub (the day both people of
    each pair have theirs due): duplicates and losses."""
    pairs = max(1, notifications // 2)
    with platform_stub() as stub:
        async with fresh_database("postgresql") as url:
            await populate(url, pairs, NOW, platform="slack", address=slack_address)
            env = tick_env(url, "slack", stub)
            started = time.perf_counter()
            children = [start_tick(env, BOTH_NUDGED) for _ in range(count)]
            results = [finish_tick(child) for child in children]
            seconds = time.perf_counter() - started
        reached, doubled = _delivered(stub_stats(stub), "slack")
    lost = 2 * pairs - reached
    return [
        info("replicas", count),
        info("notifications", 2 * pairs),
        info("sent by each replica", " / ".join(str(sent) for sent, _, _ in results)),
        info("seconds, all together (process start included)", f"{seconds:.1f}"),
        at_most("duplicates", doubled, 0),
        at_most("losses", lost, 0),
    ]
