"""Instant delivery (#15 item 6): from the HTTP request that queues a message to the platform
API call that sends it, with the tick left at its default of 60 s.

For each database (SQLite, PostgreSQL) and platform (Slack, Teams): REPLICAS `mentorbot serve`
processes share one database; an owner proposes pairs one after another (`pair` as a Slack
slash command, or typed in Teams), each request going to the next replica in turn. A pairing
queues its intro due at once (working hours always open). The clock starts before the request
is sent and stops when the fake platform (tests/fakes, in this process, same monotonic clock)
receives the intro: chat.postMessage to the pair's group DM on Slack, the first activity sent
to the mentee's chat on Teams. On SQLite only the replica that took the request knows; on
PostgreSQL every replica hears NOTIFY and the first to claim the row sends it.

Set BENCH_MENTORBOT to another `mentorbot` executable (an older checkout's) to measure it the
same way; before instant delivery the wait was up to a whole tick.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.http_bench import Server, run_cli
from bench.report import Row, at_most, info, percentile
from tests.databases import PostgresRun, empty_postgres
from tests.e2e.slack_support import COMMAND, SECRET, Workspace
from tests.e2e.teams_support import Tenant
from tests.fakes.bot_connector import FakeConnector
from tests.fakes.slack_api import TOKEN, FakeSlack

REPLICAS = 3
TARGET_P95 = 1.0  # seconds
GAP = 0.2  # between one pairing request and the next
OWNER_SLACK, OWNER_TEAMS = "UOWNER", "29:owner-olivia"
PROGRAM = "Instant"
ALWAYS = "Mon-Sun 00:00-24:00"


def _command() -> list[str]:
    other = os.environ.get("BENCH_MENTORBOT")
    return [other] if other else COMMAND


def _env(database_url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "MENTORBOT_WORKING_HOURS": ALWAYS,
        "MENTORBOT_TICK_SECONDS": "60",
        "MENTORBOT_LOG_LEVEL": "WARNING",
    }


async def _slack(database_url: str, pairs: int, folder: Path) -> list[float]:
    fake = FakeSlack().start()
    fake.add_user(OWNER_SLACK, "Olivia Grant", "UTC")
    env = {
        **_env(database_url),
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.api_url,
        "MENTORBOT_OWNERS": f"slack:{OWNER_SLACK}",
        "MENTORBOT_TEAMS": "off",
    }
    servers = await _start(env, folder, "slack")
    try:
        spaces = [Workspace(server, fake) for server in servers]
        reply = await spaces[0].command(OWNER_SLACK, f"program create {PROGRAM} cadence=14")
        assert "created" in reply["text"], reply
        waits = []
        for n in range(pairs):
            mentor, mentee = f"UM{n}", f"UE{n}"
            fake.add_user(mentor, f"Mentor {n}", "UTC")
            fake.add_user(mentee, f"Mentee {n}", "UTC")
            started = time.monotonic()
            reply = await spaces[n % REPLICAS].command(
                OWNER_SLACK, f"pair <@{mentor}|m> <@{mentee}|e> program={PROGRAM} Learn {n}"
            )
            assert "asked them both" in reply["text"], reply
            waits.append(_after(started, _posted(fake, fake.dm(mentor, mentee))))
            await asyncio.sleep(GAP)
        return list(await asyncio.gather(*waits))
    finally:
        _stop(servers)
        fake.stop()


async def _teams(database_url: str, pairs: int, folder: Path) -> list[float]:
    connector = FakeConnector().start()
    env = {
        **_env(database_url),
        "MENTORBOT_TEAMS": "local",
        "MENTORBOT_TEAMS_RATE": "0",
        "MENTORBOT_OWNERS": f"teams:{OWNER_TEAMS}",
        "SLACK_BOT_TOKEN": "",
    }
    servers = await _start(env, folder, "teams")
    try:
        tenants = [Tenant(server, connector) for server in servers]
        for tenant in tenants:
            tenant.person(OWNER_TEAMS, "Olivia Grant")
        await tenants[0].say(OWNER_TEAMS, f"program create {PROGRAM} cadence=14")
        await tenants[0].latest(OWNER_TEAMS, "created")
        waits = []
        for n in range(pairs):
            tenant = tenants[n % REPLICAS]
            mentor, mentee = f"29:m-{n}", f"29:e-{n}"
            for each in tenants:
                each.person(mentor, f"Mentor {n}")
                each.person(mentee, f"Mentee {n}")
            started = time.monotonic()
            text = f"pair {{}} {{}} program={PROGRAM} Learn {n}"
            await tenant.say(OWNER_TEAMS, text, (mentor, mentee))
            waits.append(_after(started, _sent(connector, tenant.chat(mentee))))
            await asyncio.sleep(GAP)
        return list(await asyncio.gather(*waits))
    finally:
        _stop(servers)
        connector.stop()


def _posted(fake: FakeSlack, channel: str) -> Callable[[], float | None]:
    """When the first chat.postMessage to `channel` arrived, or None yet."""
    calls = fake.calls_to
    return lambda: next(
        (c.at for c in calls("chat.postMessage") if c.args.get("channel") == channel), None
    )


def _sent(connector: FakeConnector, chat: str) -> Callable[[], float | None]:
    """When the first activity sent to the chat arrived, or None yet."""
    path = f"/v3/conversations/{chat}/activities"
    calls = connector.calls_of
    return lambda: next((c.at for c in calls("send") if c.path.startswith(path)), None)


def _after(started: float, arrived: Callable[[], float | None]) -> asyncio.Task:
    """Seconds from `started` to the arrival (a task: the next request need not wait)."""

    async def poll() -> float:
        deadline = started + 180
        while (at := arrived()) is None:
            if time.monotonic() > deadline:
                raise RuntimeError("a queued intro did not reach the platform in 180 s")
            await asyncio.sleep(0.01)
        return at - started

    return asyncio.get_running_loop().create_task(poll())


async def _start(env: dict[str, str], folder: Path, name: str) -> list[Server]:
    servers = [
        Server(f"{name}-{n}", [*_command(), "serve", "--port"], env, folder)
        for n in range(REPLICAS)
    ]
    try:
        for server in servers:
            await server.ready(60)
        await asyncio.sleep(1)  # the start-up ticks and listeners
    except BaseException:
        _stop(servers)
        raise
    return servers


def _stop(servers: list[Server]) -> None:
    for server in servers:
        server.stop()


async def run(pairs: int) -> list[Row]:
    """p95 and max from request to platform call, per database and platform."""
    rows: list[Row] = []
    postgres = PostgresRun()
    postgres.create()
    try:
        for database in ("sqlite", "postgresql"):
            for platform, measure in (("Slack", _slack), ("Teams", _teams)):
                with tempfile.TemporaryDirectory(prefix="mentorbot-instant-") as name:
                    folder = Path(name)
                    if database == "sqlite":
                        url = f"sqlite+aiosqlite:///{folder / 'mentorbot.db'}"
                        await run_cli({"DATABASE_URL": url}, "db", "upgrade")
                    else:
                        await empty_postgres(postgres.url)
                        url = postgres.url
                    waits = sorted(await measure(url, pairs, folder))
                label = f"{platform}, {database}, {REPLICAS} replicas"
                p95 = percentile(waits, 0.95)
                rows.append(at_most(f"{label}: p95 request to send", p95, TARGET_P95, " s", ".3f"))
                middle = f"{percentile(waits, 0.5):.3f} / {waits[-1]:.3f} s"
                rows.append(info(f"{label}: median / max", middle))
    finally:
        postgres.drop()
    return rows
