"""`python -m bench [NAME ... | all] [--pairs N]`: list the benchmarks, or run and print them."""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from adapters.console.sender import ConsoleSender
from bot.clock import VirtualClock
from bot.context import Context, EngineConfig
from bot.engine import Engine
from bot.events import ActionClicked, Actor
from bot.hours import WorkingHours
from bot.pairings import create_program, propose_pairing
from storage import migrate
from storage.store import SqlStore, make_engine

MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # Monday 2 March 2026, 10:00 UTC
ALWAYS_OPEN = WorkingHours.parse("Mon-Sun 00:00-24:00")
PROPOSALS_PER_TRANSACTION = 500

Figures = list[tuple[str, str]]


@dataclass(frozen=True)
class Benchmark:
    """A named benchmark: `run(pairs)` returns (label, value) rows to print."""

    name: str
    about: str
    run: Callable[[int], Awaitable[Figures]]


async def tick_benchmark(pairs: int) -> Figures:
    """Time one tick that plans and sends the first nudge to both people of every active pair.

    Set-up (not timed): a temporary SQLite database, one program, `pairs` pairings of console
    participants, their intros sent by an earlier tick, then both people accept through
    Engine.handle, as they would by clicking the button. Working hours are always open, so
    every nudge is due at the timed tick.
    """
    with tempfile.TemporaryDirectory(prefix="mentorbot-bench-") as folder:
        db = make_engine(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}")
        await migrate.upgrade(db)
        store = SqlStore(db)
        clock = VirtualClock(MONDAY_10)
        sender = ConsoleSender(clock)
        config = EngineConfig(working_hours=ALWAYS_OPEN)
        engine = Engine(store, clock, config, {"console": sender})
        try:
            set_up = time.perf_counter()
            await _active_pairings(engine, pairs)
            set_up = time.perf_counter() - set_up
            sender.delivered.clear()
            started = time.perf_counter()
            result = await engine.tick()
            seconds = time.perf_counter() - started
        finally:
            await store.close()
    if result.sent != 2 * pairs or len(sender.delivered) != result.sent:
        raise RuntimeError(f"expected {2 * pairs} nudges, the tick did: {result.line()}")
    return [
        ("active pairs", f"{pairs}"),
        ("set-up seconds (not timed)", f"{set_up:.1f}"),
        ("notifications planned", f"{result.planned}"),
        ("notifications sent", f"{result.sent}"),
        ("seconds", f"{seconds:.2f}"),
        ("notifications/second", f"{result.sent / seconds:.0f}"),
        ("peak RSS MB (whole run)", f"{_peak_rss_mb():.1f}"),
    ]


async def _active_pairings(engine: Engine, pairs: int) -> None:
    """Create the program and `pairs` pairings, send the intros, then accept on both sides."""
    people = [
        (
            Actor("console", f"mentor-{i}", f"Mentor {i}", timezone="UTC"),
            Actor("console", f"mentee-{i}", f"Mentee {i}", timezone="UTC"),
        )
        for i in range(pairs)
    ]
    program = await engine.run(lambda ctx: create_program(ctx, "Bench"))
    ids: list[int] = []
    for start in range(0, pairs, PROPOSALS_PER_TRANSACTION):
        chunk = people[start : start + PROPOSALS_PER_TRANSACTION]

        async def propose(ctx: Context, chunk=chunk) -> list[int]:
            made = []
            for mentor, mentee in chunk:
                pairing = await propose_pairing(
                    ctx, program, await ctx.person_for(mentor), await ctx.person_for(mentee), "g"
                )
                made.append(pairing.id)
            return made

        ids += await engine.run(propose)
    intros = await engine.tick()
    if intros.sent != 2 * pairs:
        raise RuntimeError(f"expected {2 * pairs} intros, the tick did: {intros.line()}")
    for n, (pairing_id, (mentor, mentee)) in enumerate(zip(ids, people, strict=True)):
        for side, actor in (("a", mentor), ("b", mentee)):
            event_id = f"bench-{n}-{side}"
            await engine.handle(
                ActionClicked("console", event_id, actor, "pairing.accept", str(pairing_id))
            )


def _peak_rss_mb() -> float:
    # Linux reports ru_maxrss in kilobytes (macOS in bytes; the figure is then 1024 times off).
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


BENCHMARKS = {
    b.name: b
    for b in [
        Benchmark(
            "tick",
            "one tick sending the first nudge of N active pairs (SQLite, console sender)",
            tick_benchmark,
        ),
    ]
}


def _print(name: str, figures: Figures) -> None:
    width = max(len(label) for label, _ in figures)
    print(f"== {name}")
    for label, value in figures:
        print(f"  {label:<{width}}  {value:>10}")


def main(argv: list[str] | None = None) -> int:
    """List the benchmarks (no names), or run the named ones (`all` runs every one)."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME", help="benchmark names, or all")
    parser.add_argument("--pairs", type=int, default=2000, help="active pairs (default 2000)")
    args = parser.parse_args(argv)
    if not args.names:
        print("Benchmarks (run with: python -m bench NAME|all [--pairs N]):")
        for b in BENCHMARKS.values():
            print(f"  {b.name:<8} {b.about}")
        return 0
    if args.pairs < 1:
        parser.error("--pairs must be at least 1")
    names = list(BENCHMARKS) if "all" in args.names else args.names
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)} (known: {', '.join(BENCHMARKS)})")
    for name in names:
        _print(name, asyncio.run(BENCHMARKS[name].run(args.pairs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
