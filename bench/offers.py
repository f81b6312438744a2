"""Issue 28: the three one-tap times a booking nudge offers a pair, when each of the two
people already has N sessions booked (with other partners), on SQLite and PostgreSQL.

Measured as a nudge is composed: bot.flows.offers.offered_times in a read-only
transaction, after the pair, its people and its sessions were read with the rest of the
batch (Context.preload, as delivery does): one statement for both people's booked sessions
with anyone, then picking the times (the policy alone is timed too). The booked sessions
fall inside the hours both people work, so the search has to step around them.
"""

from __future__ import annotations

import time
from datetime import timedelta

from bench.report import Row, at_most, info, percentile
from bench.scale import NOW, _insert, analyze, fresh_database, person_row, program_row
from bot.context import Context
from bot.domain.model import Pairing
from bot.flows.offers import offered_times, pair_offer
from bot.policy import offers
from bot.policy.rules import EngineConfig
from storage.store import SqlStore
from storage.tables import pairings, participants, programs, sessions

TARGET_MS = 5.0
RUNS = 300


async def fill(url: str, booked: int) -> int:
    """A leader (New York) and a mentor (Lisbon) in one pair, each with `booked` upcoming
    sessions with other partners, one a day from tomorrow, in the hours both people work;
    returns the pair's id."""
    row = program_row(NOW, working_hours="Mon-Fri 09:00-18:00")
    [program_id] = await _insert(url, programs, [row])
    zones = ["America/New_York", "Europe/Lisbon"]
    others = max(1, booked // 10)
    people = await _insert(
        url,
        participants,
        [person_row(i, NOW, timezone=zones[i % 2]) for i in range(2 + 2 * others)],
    )
    leader, mentor, partners = people[0], people[1], people[2:]

    def pair(mentor_id: int, mentee_id: int) -> dict:
        return dict(
            program_id=program_id,
            mentor_id=mentor_id,
            mentee_id=mentee_id,
            goal="Reels",
            why="",
            status="active",
            mentor_consent=True,
            mentee_consent=True,
            activated_at=NOW - timedelta(days=30),
            created_at=NOW - timedelta(days=30),
        )

    rows = [pair(mentor, leader)]
    rows += [pair(partners[2 * k], leader) for k in range(others)]
    rows += [pair(mentor, partners[2 * k + 1]) for k in range(others)]
    ids = await _insert(url, pairings, rows)
    theirs, leaders, mentors = ids[0], ids[1 : 1 + others], ids[1 + others :]
    booked_rows = []
    for n in range(booked):
        # One a day each, in the hours both people work (14:00-18:00 UTC in March): the
        # leader's first, then the mentor's, so the search steps past both to a free hour.
        day = NOW + timedelta(days=1 + n)
        for owner, hour in ((leaders, 14 + 2 * (n % 2)), (mentors, 15 + 2 * (n % 2))):
            booked_rows.append(
                dict(
                    pairing_id=owner[n % len(owner)],
                    program_id=program_id,
                    starts_at=day.replace(hour=hour, minute=0),
                    minutes=45,
                    number=n + 1,
                    topic="",
                    status="scheduled",
                    created_at=NOW,
                    uid=f"bench-{hour}-{n}",
                )
            )
    await _insert(url, sessions, booked_rows)
    await analyze(url)
    return theirs


async def run(booked: int, runs: int = RUNS) -> list[Row]:
    rows = [info("sessions booked per person", booked), info("runs per database", runs)]
    for kind in ("sqlite", "postgresql"):
        async with fresh_database(kind) as url:
            pair_id = await fill(url, booked)
            store = SqlStore.from_url(url)
            try:
                flow, policy, offered = [], [], 0
                for _ in range(runs):
                    async with store.reading() as tx:
                        ctx = Context(tx, NOW, EngineConfig())
                        await ctx.preload([pair_id])  # as composing a batch of nudges does
                        pairing = await ctx.get(Pairing, pair_id)
                        program = await ctx.program(pairing.program_id)
                        began = time.perf_counter()
                        times = await offered_times(ctx, pairing, program)
                        flow.append((time.perf_counter() - began) * 1000)
                        pair = await pair_offer(ctx, pairing, program)
                    began = time.perf_counter()
                    offers.offer(pair, NOW, None)
                    policy.append((time.perf_counter() - began) * 1000)
                    offered = len(times)
            finally:
                await store.close()
        rows += [
            info(f"times offered ({kind})", offered),
            info(f"busy spans read ({kind})", len(pair.busy)),
            info(f"picking the times, p95 ms ({kind})", f"{percentile(policy, 0.95):.2f}"),
            at_most(
                f"three times for a pair, p95 ms ({kind})",
                percentile(flow, 0.95),
                TARGET_MS,
                fmt=".2f",
            ),
        ]
    return rows
