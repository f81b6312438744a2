"""Instant delivery: what a request queues for now reaches the platform without waiting for
the tick (every serve here ticks once a day), on the replica that took the request and, on
PostgreSQL, on any replica (LISTEN/NOTIFY); working hours and exactly-once still hold."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from tests.databases import empty_postgres
from tests.e2e.slack_support import (
    COMMAND,
    OWNER,
    Serve,
    Workspace,
    eventually,
    slack_env,
    start_program,
    texts,
)
from tests.e2e.teams_support import OWNER as TEAMS_OWNER
from tests.e2e.teams_support import Tenant, teams_env
from tests.e2e.teams_support import start_program as start_teams_program
from tests.fakes.bot_connector import FakeConnector
from tests.fakes.slack_api import FakeSlack

ALWAYS = "Mon-Sun 00:00-24:00"  # nobody is out of hours, whenever the test runs
INSTANT = {"MENTORBOT_DELIVERY": "instant"}  # the default; the other e2e tests choose "tick"


def _people(fake: FakeSlack, n: int) -> tuple[str, str]:
    mentor, mentee = f"UINSTM{n}", f"UINSTE{n}"
    fake.add_user(mentor, f"Mina Park{n}", "Europe/Berlin")
    fake.add_user(mentee, f"Erik Lund{n}", "Europe/Berlin")
    return mentor, mentee


async def _pair(workspace: Workspace, program: str, mentor: str, mentee: str) -> None:
    await start_program(workspace, program)
    reply = await workspace.command(
        OWNER, f"pair <@{mentor}|m> <@{mentee}|e> program={program} Learn"
    )
    assert "asked them both" in str(reply), reply


def _slack_serve(fake: FakeSlack, folder, **env: str) -> Serve:
    """serve for Slack on a SQLite file of its own; `env` overrides the e2e defaults."""
    base = slack_env(fake, f"sqlite+aiosqlite:///{folder}/m.db")
    return Serve({**base, **env}, folder / "serve.log")


@pytest.fixture
def slack_fake():
    fake = FakeSlack().start()
    fake.add_user(OWNER, "Olivia Grant", "UTC")
    yield fake
    fake.stop()


async def test_the_intro_reaches_slack_without_a_tick_and_only_once(slack_fake, tmp_path):
    serve = _slack_serve(slack_fake, tmp_path, **INSTANT, MENTORBOT_WORKING_HOURS=ALWAYS)
    try:
        workspace = Workspace(serve, slack_fake)
        mentor, mentee = _people(slack_fake, 1)
        await _pair(workspace, "Instant", mentor, mentee)
        intro = await eventually(
            lambda: slack_fake.posts_to(slack_fake.dm(mentor, mentee)), 5, "the intro, untold"
        )
        assert "Accept" in texts(intro[0].blocks)
        out = await workspace.tick(datetime.now(UTC) + timedelta(minutes=1))
        assert "sent 0" in out, "the tick finds nothing left to send"
        assert len(slack_fake.posts_to(slack_fake.dm(mentor, mentee))) == 1
        assert "delivered: due 1, sent 1" in serve.output()
    finally:
        serve.stop()


async def test_out_of_hours_nothing_goes_until_the_hours_open(slack_fake, tmp_path):
    today = datetime.now(UTC).strftime("%a")
    closed = "Mon-Sun 00:00-24:00".replace("Mon-Sun", _all_days_but(today))
    serve = _slack_serve(slack_fake, tmp_path, **INSTANT, MENTORBOT_WORKING_HOURS=closed)
    try:
        workspace = Workspace(serve, slack_fake)
        mentor, mentee = _people(slack_fake, 2)
        await _pair(workspace, "Hours", mentor, mentee)
        await asyncio.sleep(1.5)
        assert not slack_fake.posts_to(slack_fake.dm(mentor, mentee)), "sent out of hours"
        out = await workspace.tick(datetime.now(UTC) + timedelta(days=2))
        assert "sent 1" in out
        assert len(slack_fake.posts_to(slack_fake.dm(mentor, mentee))) == 1
    finally:
        serve.stop()


async def test_with_delivery_left_to_ticks_serve_sends_nothing_itself(slack_fake, tmp_path):
    serve = _slack_serve(slack_fake, tmp_path, MENTORBOT_WORKING_HOURS=ALWAYS)
    try:
        assert serve.env["MENTORBOT_DELIVERY"] == "tick"
        workspace = Workspace(serve, slack_fake)
        mentor, mentee = _people(slack_fake, 4)
        await _pair(workspace, "Ticks", mentor, mentee)
        await asyncio.sleep(1.5)
        assert not slack_fake.posts_to(slack_fake.dm(mentor, mentee))
        assert "sent 1" in await workspace.tick(datetime.now(UTC))
    finally:
        serve.stop()


def _all_days_but(day: str) -> str:
    """Every weekday except `day` (and the days either side of it, for people whose local
    date differs from UTC's), as a working-hours day list."""
    week = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    i = week.index(day)
    return ",".join(d for j, d in enumerate(week) if j not in {(i - 1) % 7, i, (i + 1) % 7})


async def test_the_intro_reaches_teams_without_a_tick(tmp_path):
    connector = FakeConnector().start()
    env = teams_env(f"sqlite+aiosqlite:///{tmp_path}/m.db")
    serve = Serve({**env, **INSTANT, "MENTORBOT_WORKING_HOURS": ALWAYS}, tmp_path / "serve.log")
    try:
        tenant = Tenant(serve, connector)
        tenant.person(TEAMS_OWNER, "Olivia Grant")
        mentor = tenant.person("29:instant-mentor", "Mina Park")
        mentee = tenant.person("29:instant-exec", "Erik Lund")
        await start_teams_program(tenant, "Quick")
        await tenant.say(TEAMS_OWNER, "pair {} {} program=Quick Learn", (mentor, mentee))
        for user in (mentor, mentee):
            await tenant.latest(user, "Accept", timeout=5)
        assert not connector.violations, connector.violations
    finally:
        serve.stop()
        connector.stop()


async def test_on_postgresql_a_row_queued_by_another_process_is_sent_at_once(
    slack_fake, tmp_path, postgres
):
    """`mentorbot import` queues the intros in a process of its own; the running serve
    hears of them through NOTIFY and sends them without a tick."""
    await empty_postgres(postgres.url)
    env = {**slack_env(slack_fake, postgres.url), **INSTANT, "MENTORBOT_WORKING_HOURS": ALWAYS}
    serve = Serve(env, tmp_path / "serve.log")
    try:
        await eventually(
            lambda: "listening for due messages" in serve.output(), 10, "serve listening"
        )
        mentor, mentee = _people(slack_fake, 3)
        roster = tmp_path / "pairs.csv"
        roster.write_text(
            f"program,mentor,mentee,goal\nNotified,slack:{mentor},slack:{mentee},Go\n"
        )
        process = await asyncio.create_subprocess_exec(
            *COMMAND,
            "import",
            str(roster),
            env=serve.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 120)
        assert process.returncode == 0, err.decode()
        assert "imported 1 pairings" in out.decode()
        await eventually(
            lambda: slack_fake.posts_to(slack_fake.dm(mentor, mentee)), 5, "the intro, notified"
        )
    finally:
        serve.stop()


async def test_the_leaders_first_nudge_follows_the_second_accept_within_two_seconds(
    slack_fake, tmp_path
):
    serve = _slack_serve(slack_fake, tmp_path, **INSTANT, MENTORBOT_WORKING_HOURS=ALWAYS)
    try:
        workspace = Workspace(serve, slack_fake)
        mentor, mentee = _people(slack_fake, 4)
        await _pair(workspace, "FirstNudge", mentor, mentee)
        [intro] = await eventually(
            lambda: slack_fake.posts_to(slack_fake.dm(mentor, mentee)), 5, "the intro"
        )
        for user in (mentee, mentor):  # the mentor completes the pair
            status, _ = await workspace.click(
                user, intro, "pairing.accept", block_prefix=f"for.{user}"
            )
            assert status == 200
        nudge = await eventually(
            lambda: [
                p
                for p in slack_fake.posts_to(slack_fake.dm(mentee))
                if "session.book_at" in str(p.blocks)
            ],
            2,
            "the leader's nudge, with no tick",
        )
        assert "Time to book your first session" in nudge[0].text
        out = await workspace.tick(datetime.now(UTC) + timedelta(minutes=1))
        assert "sent 0" in out, "the tick finds it sent: no second nudge"
    finally:
        serve.stop()
