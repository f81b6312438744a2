"""Issue 25, item 10: one person's calendar feed over N bookings, through `mentorbot serve`.

The person is the mentor of ten pairs in one program, with N bookings between them: each a
series of five sessions two weeks apart, booked in the last 150 days or the next 30, with
one occurrence moved (a row of its own) and one cancelled, so six rows and three events a
booking (the series, the move, the cancellation). Written straight into the tables, as
bench/scale.py does, then ANALYZE.

Timed over HTTP, one client, the way a calendar polls: the first GET (nothing cached: the
feed is built), then repeat GETs that send the last ETag (304 Not Modified from the cache)
and repeat GETs without it (200 with the cached body). The first 200 repeat GETs meet
serve's first tick, which runs beside them for about two seconds: they are timed apart.
Beside it, in this process, the longest time one build of the feed kept the event loop from
answering anything else.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import secrets
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from bench.http_bench import COMMAND, Server
from bench.report import Row, at_most, info, percentile
from bench.scale import _insert, _migrate, analyze, person_row, program_row
from bot.calendar.feed import feed_path
from bot.domain.clock import VirtualClock
from bot.engine import Engine
from storage.store import SqlStore
from storage.tables import pairings, participants, programs, sessions

CACHED_P95_MS = 20.0  # issue 25: a feed of 500 events answers from the cache in this
PARTNERS = 10
PER_BOOKING = 5  # occurrences of each series
GAP = timedelta(days=14)
BESIDE_TICK = 200  # the first repeat GETs, beside serve's first tick


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def fill(url: str, bookings: int, now: datetime) -> str:
    """The person, their partners and `bookings` series around `now`; returns the person's
    feed token."""
    token = secrets.token_hex(24)
    [program_id] = await _insert(url, programs, [program_row(now)])
    people = await _insert(
        url,
        participants,
        [
            person_row(
                i,
                now,
                timezone="Europe/Berlin",
                email=f"person{i}@example.com",
                calendar_token=_digest(token) if i == 0 else None,
            )
            for i in range(PARTNERS + 1)
        ],
    )
    pair_ids = await _insert(
        url,
        pairings,
        [
            dict(
                program_id=program_id,
                mentor_id=people[0],
                mentee_id=people[i + 1],
                goal="bench",
                why="bench",
                status="active",
                mentor_consent=True,
                mentee_consent=True,
                created_at=now - timedelta(days=200),
                activated_at=now - timedelta(days=200),
            )
            for i in range(PARTNERS)
        ],
    )
    rows = []
    for n in range(bookings):
        pair = pair_ids[n % PARTNERS]
        first = now - timedelta(days=150) + timedelta(hours=n * 180 * 24 // max(bookings, 1))
        series = dict(
            pairing_id=pair,
            program_id=program_id,
            minutes=45,
            topic=f"Booking {n}",
            scheduled_by=people[0],
            created_at=first - timedelta(days=7),
            uid=f"bench-{n}@mentorbot",
            tzid="Europe/Berlin",
            repeat_days=GAP.days,
            repeat_count=PER_BOOKING,
        )
        for k in range(PER_BOOKING):
            starts = first + k * GAP
            # The second occurrence was moved (its first row cancelled, a new row booked),
            # the fourth cancelled.
            cancelled = k in (1, 3)
            status = "cancelled" if cancelled else ("held" if starts < now else "scheduled")
            rows.append(
                series
                | dict(
                    starts_at=starts,
                    number=k + 1,
                    status=status,
                    sequence=1 if cancelled else 0,
                    recurrence_id=starts,
                )
            )
            if k == 1:
                moved = starts + timedelta(days=1)
                rows.append(
                    series
                    | dict(
                        starts_at=moved,
                        number=k + 1,
                        status="held" if moved < now else "scheduled",
                        sequence=1,
                        recurrence_id=starts,
                    )
                )
    await _insert(url, sessions, rows)
    await analyze(url)
    return token


async def _loop_block(engine: Engine, token: str) -> float:
    """The longest the event loop went unanswered while the feed was built (ms). As in
    serve, what was made before is frozen out of the collector's sight first."""
    engine.feeds.clear()
    gc.collect()
    gc.freeze()
    longest, running = 0.0, True

    async def beat() -> None:
        nonlocal longest
        while running:
            before = time.perf_counter()
            await asyncio.sleep(0)
            longest = max(longest, time.perf_counter() - before)

    beater = asyncio.create_task(beat())
    await asyncio.sleep(0)
    try:
        feed = await engine.calendar_feed(token)
    finally:
        running = False
        await beater
        gc.unfreeze()
    assert feed is not None
    return longest * 1000


async def run(bookings: int, runs: int = 200) -> list[Row]:
    rows = [info("bookings (sessions)", f"{bookings} ({bookings * (PER_BOOKING + 1)})")]
    with tempfile.TemporaryDirectory(prefix="mentorbot-bench-feed-") as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'mentorbot.db'}"
        await _migrate(url)
        # Serve reads the real clock: the bookings are placed around today.
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        token = await fill(url, bookings, now)
        store = SqlStore.from_url(url)
        try:
            engine = Engine(store, VirtualClock(now))
            blocks = [await _loop_block(engine, token) for _ in range(5)]
            rows.append(info("loop blocked by one build, ms (worst of 5)", f"{max(blocks):.1f}"))
        finally:
            await store.close()
        env = {
            "DATABASE_URL": url,
            "MENTORBOT_TICK_SECONDS": "3600",
            "MENTORBOT_LOG_LEVEL": "WARNING",
            "MENTORBOT_TEAMS": "off",
        }
        server = Server("serve", [*COMMAND, "serve", "--port"], env, Path(folder))
        try:
            await server.ready()
            rows += await _polls(server.url + feed_path(token), runs)
        finally:
            server.stop()
    return rows


async def _polls(address: str, runs: int) -> list[Row]:
    async with aiohttp.ClientSession() as http:
        started = time.perf_counter()
        async with http.get(address) as answer:
            body = await answer.read()
            etag = answer.headers.get("ETag", "")
            assert answer.status == 200, answer.status
        first = (time.perf_counter() - started) * 1000
        events = body.count(b"BEGIN:VEVENT")
        early, fresh, unchanged = [], [], []
        for _ in range(BESIDE_TICK):
            started = time.perf_counter()
            async with http.get(address) as answer:
                assert answer.status == 200 and await answer.read()
            early.append((time.perf_counter() - started) * 1000)
        for _ in range(runs):
            started = time.perf_counter()
            async with http.get(address) as answer:
                assert answer.status == 200 and await answer.read()
            fresh.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            async with http.get(address, headers={"If-None-Match": etag}) as answer:
                await answer.read()
                assert answer.status == 304, answer.status
            unchanged.append((time.perf_counter() - started) * 1000)
    return [
        info("events in the feed", events),
        info("feed size, KB", f"{len(body) / 1024:.0f}"),
        info("first GET (built), ms", f"{first:.0f}"),
        at_most(
            "repeat GET beside serve's first tick, 200, p95 ms",
            percentile(early, 0.95),
            CACHED_P95_MS,
        ),
        at_most("repeat GET, 200 from the cache, p95 ms", percentile(fresh, 0.95), CACHED_P95_MS),
        at_most("repeat GET, 304, p95 ms", percentile(unchanged, 0.95), CACHED_P95_MS),
    ]
