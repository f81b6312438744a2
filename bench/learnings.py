"""Issue 16: a `learnings` search over N reflections shared with the program, on SQLite and
PostgreSQL, through Engine.handle like a typed command.

The reflections are written straight into the tables (as bench/scale.py does): two programs,
nine in ten reflections in the one the searcher takes part in, sentences drawn from a
vocabulary where a few words are common (one reflection in five or more) and most are rare,
and a done follow-up on one reflection in five. Then ANALYZE, as in service.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta

from bench.report import Row, at_most, info, percentile
from bench.scale import NOW, _insert, analyze, fresh_database, person_row, program_row
from bot.domain.clock import VirtualClock
from bot.domain.events import Actor, CommandIssued
from bot.engine import Engine
from storage.store import SqlStore
from storage.tables import followups, pairings, participants, programs, reflections, sessions

TARGET_MS = 100.0
PER_PAIR = 10  # held sessions, each with the mentee's shared reflection
COMMON = ["dashboard", "meeting", "team", "customers", "feedback", "pilot", "data", "weekly"]
RARE_WORD = "kaizen"  # in about one reflection in 2,000
FILLER_TEXT = (
    "we now share the report earlier and ask what people need before we plan any change "
    "i learned how younger colleagues use short video and chat tools to find answers fast "
    "our leaders listen more in reviews and we test small ideas with real users every month"
)
FILLER = FILLER_TEXT.split()
# What each kind of search asks; no words: the library's newest entries.
QUERIES = {
    "common word": "dashboard",
    "rare word": RARE_WORD,
    "two words": "dashboard feedback",
    "no words": "",
    "no match": "zebra",
}


def _vocabulary(rng: random.Random, size: int = 3000) -> list[str]:
    letters = "abcdefghijklmnoprstuvw"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(4, 9))) for _ in range(size)]


def _sentence(rng: random.Random, rare: list[str], n: int) -> str:
    words = rng.sample(FILLER, 8)
    words += [w for w in COMMON if rng.random() < 0.2]
    words += rng.sample(rare, 2)
    if n % 2000 == 7:
        words.append(RARE_WORD)
    rng.shuffle(words)
    return " ".join(words).capitalize() + "."


async def fill(url: str, shared: int) -> int:
    """Two programs and `shared` reflections shared with the program; returns the id of the
    searcher (a mentor in the bigger program)."""
    rng = random.Random(16)
    rare = _vocabulary(rng)
    pairs = max(1, shared // PER_PAIR)
    ids = await _insert(
        url,
        programs,
        [
            program_row(NOW, name=name, objective=objective, reflection_visibility="shared")
            for name, objective in (("Big", "digital skills"), ("Small", "inclusion"))
        ],
    )
    people = await _insert(
        url,
        participants,
        [person_row(i, NOW) for i in range(2 * pairs)],
    )
    pair_ids = await _insert(
        url,
        pairings,
        [
            dict(
                program_id=ids[0] if i < pairs * 9 // 10 or pairs == 1 else ids[1],
                mentor_id=people[2 * i],
                mentee_id=people[2 * i + 1],
                goal="bench",
                why="bench",
                status="active",
                created_at=NOW,
            )
            for i in range(pairs)
        ],
    )
    held = [(pair, n) for pair in range(pairs) for n in range(PER_PAIR)]
    # Sessions in time order across pairs, so reflection ids grow with their dates.
    held.sort(key=lambda item: (item[1], item[0]))
    starts = [NOW - timedelta(days=7 * (PER_PAIR - n)) for _, n in held]
    session_ids = await _insert(
        url,
        sessions,
        [
            dict(
                pairing_id=pair_ids[pair],
                starts_at=start,
                minutes=45,
                number=n + 1,
                topic="",
                status="held",
                created_at=start,
            )
            for (pair, n), start in zip(held, starts, strict=True)
        ],
    )
    reflection_ids = await _insert(
        url,
        reflections,
        [
            dict(
                session_id=session_id,
                author_id=people[2 * pair + 1],
                role="mentee",
                what_changed=_sentence(rng, rare, i),
                will_do=" ".join(rng.sample(FILLER, 5)),
                visibility="shared",
                anonymous=rng.random() < 0.3,
                created_at=start + timedelta(hours=1),
            )
            for i, (session_id, (pair, _), start) in enumerate(
                zip(session_ids, held, starts, strict=True)
            )
        ],
    )
    await _insert(
        url,
        followups,
        [
            dict(
                pairing_id=pair_ids[held[i][0]],
                reflection_id=reflection_id,
                text="Shared the dashboard with the team",
                done=True,
                state="done",
                created_at=NOW,
            )
            for i, reflection_id in enumerate(reflection_ids)
            if i % 5 == 0
        ],
    )
    await analyze(url)
    return people[0]


async def run(shared: int, runs: int = 30) -> list[Row]:
    """p50 and p95 of each kind of search, on each database."""
    rows = [info("reflections shared with the program", shared)]
    for kind in ("sqlite", "postgresql"):
        async with fresh_database(kind) as url:
            started = time.perf_counter()
            await fill(url, shared)
            rows.append(info(f"filling s ({kind})", f"{time.perf_counter() - started:.0f}"))
            store = SqlStore.from_url(url)
            engine = Engine(store, VirtualClock(NOW))
            searcher = Actor("console", "U0000000", "Person 0", timezone="UTC")
            try:
                for label, words in QUERIES.items():
                    timings = await _timed(engine, searcher, words, runs, label)
                    rows += [
                        info(f"{label} p50 ms ({kind})", f"{percentile(timings, 0.5):.1f}"),
                        at_most(f"{label} p95 ms ({kind})", percentile(timings, 0.95), TARGET_MS),
                    ]
            finally:
                await store.close()
    return rows


async def _timed(engine: Engine, searcher: Actor, words: str, runs: int, label: str):
    timings, text = [], ""
    for n in range(runs + 2):
        event = CommandIssued("console", f"{label}-{n}", searcher, name="learnings", args=words)
        started = time.perf_counter()
        reply = await engine.handle(event)
        if n >= 2:  # the first two warm caches and connections
            timings.append((time.perf_counter() - started) * 1000)
        text = reply.plain() if reply else ""
    expected = "Nothing shared matches" if label == "no match" else "What changed:"
    if expected not in text:
        raise RuntimeError(f"unexpected answer to {label!r}: {text[:300]}")
    return timings
