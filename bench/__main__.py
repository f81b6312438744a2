"""`python -m bench [NAME ... | all] [--tiny | --size N]`: list the benchmarks, or run them
and print each one's figures beside its target."""

from __future__ import annotations

import argparse
import asyncio
import platform
import sqlite3
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import sqlalchemy

from bench import scale
from bench.report import Row, table


@dataclass(frozen=True)
class Benchmark:
    """A named benchmark: `run(size)` returns the rows to print; `size` is what it scales
    (requests, notifications or pairs), `tiny` the size the test suite runs it at."""

    name: str
    about: str
    run: Callable[[int], Awaitable[list[Row]]]
    size: int
    tiny: int


def _http(name: str) -> Callable[[int], Awaitable[list[Row]]]:
    async def run(size: int) -> list[Row]:
        from bench import http_bench

        return await getattr(http_bench, name)(size)

    return run


async def _learnings(size: int) -> list[Row]:
    from bench import learnings

    return await learnings.run(size)


async def _instant(size: int) -> list[Row]:
    from bench import instant

    return await instant.run(size)


async def _offers(size: int) -> list[Row]:
    from bench import offers

    return await offers.run(size)


async def _feed(size: int) -> list[Row]:
    from bench import feed

    return await feed.run(size)


BENCHMARKS = {
    b.name: b
    for b in [
        Benchmark(
            "status",
            "(a) /mentoring status through serve vs a bare Bolt app, concurrency 20 (requests)",
            _http("slack_status"),
            3000,
            60,
        ),
        Benchmark(
            "dispatch",
            "(b) one tick sending N due notifications, Slack and Teams, SQLite and PostgreSQL",
            scale.dispatch,
            10_000,
            40,
        ),
        Benchmark(
            "invites",
            "(issue 14) the dispatch run with calendar invites due instead of nudges",
            scale.invites,
            10_000,
            40,
        ),
        Benchmark(
            "owner-status",
            "(c) owner status of one program of N pairs, 10 sessions and reflections each",
            scale.owner_status,
            10_000,
            20,
        ),
        Benchmark(
            "idle-tick",
            "(d) a tick with nothing due over N active pairs",
            scale.idle_tick,
            100_000,
            50,
        ),
        Benchmark(
            "replicas",
            "(e) three tick processes on one PostgreSQL sending N notifications: exactly once?",
            scale.replicas,
            10_000,
            40,
        ),
        Benchmark(
            "instant",
            "(g) request to platform call for a message due now, 3 replicas, tick 60 s (pairs)",
            _instant,
            40,
            3,
        ),
        Benchmark(
            "learnings",
            "(issue 16) a `learnings` search over N shared reflections, SQLite and PostgreSQL",
            _learnings,
            100_000,
            200,
        ),
        Benchmark(
            "feed",
            "(issue 25) one person's calendar feed over N bookings (6 sessions each), via serve",
            _feed,
            200,
            5,
        ),
        Benchmark(
            "offers",
            "(issue 28) three one-tap times for a pair, each person with N sessions booked",
            _offers,
            50,
            5,
        ),
        Benchmark(
            "teams-help",
            "(f) Teams `help` through serve vs a bare CloudAdapter echo bot, concurrency 20",
            _http("teams_help"),
            2000,
            60,
        ),
    ]
}


def machine() -> str:
    """One line naming what the figures were measured on."""
    import os

    return (
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, SQLite "
        f"{sqlite3.sqlite_version}, SQLAlchemy {sqlalchemy.__version__}, {platform.platform()}"
    )


def main(argv: list[str] | None = None) -> int:
    """List the benchmarks (no names), or run the named ones (`all` runs every one)."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME", help="benchmark names, or all")
    sizes = parser.add_mutually_exclusive_group()
    sizes.add_argument("--tiny", action="store_true", help="each at a tiny size (a smoke test)")
    sizes.add_argument("--size", type=int, help="run at this size instead of the default")
    args = parser.parse_args(argv)
    if not args.names:
        print("Benchmarks (run with: python -m bench NAME|all [--tiny | --size N]):")
        for b in BENCHMARKS.values():
            print(f"  {b.name:<13} {b.about} [default N={b.size}]")
        return 0
    if args.size is not None and args.size < 1:
        parser.error("--size must be at least 1")
    names = list(BENCHMARKS) if "all" in args.names else args.names
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)} (known: {', '.join(BENCHMARKS)})")
    print(f"# {machine()}")
    missed = 0
    for name in names:
        bench = BENCHMARKS[name]
        size = bench.tiny if args.tiny else (args.size or bench.size)
        started = time.perf_counter()
        rows = asyncio.run(bench.run(size))
        seconds = time.perf_counter() - started
        print(table(f"{name} (N={size}, {seconds:.0f} s)", rows), flush=True)
        missed += sum(1 for row in rows if row.ok is False)
    print(f"# targets missed: {missed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
