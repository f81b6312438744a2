"""Delivery while it is still going out, through a real `mentorbot serve`: a reply typed within
100 ms of its prompt's arrival is saved although the rest of the batch is still being sent
(Slack and Teams, SQLite and PostgreSQL), and serve stopped with SIGTERM half-way through a
paced delivery run sends nothing twice and loses nothing.

The pairs are set up by the engine in this process on serve's database, with the people as
each platform's adapter makes them (a Slack member, a Teams conversation reference); what is
under test goes through serve: its tick sends, people reply over HTTP, and it is stopped with
a signal. Sends are paced as in production (MENTORBOT_SLACK_RATE / MENTORBOT_TEAMS_RATE), so a
batch takes seconds.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from adapters.settings import Settings
from adapters.teams import inbound as teams_inbound
from bot.context import Context
from bot.domain.clock import VirtualClock
from bot.domain.events import ActionClicked, Actor, FormSubmitted
from bot.domain.model import Session
from bot.engine import Engine
from bot.flows.pairings import create_program, propose_pairing
from storage.store import SqlStore
from tests.databases import empty_postgres, fresh_sqlite
from tests.e2e.slack_support import OWNER, Serve, Workspace, eventually, slack_env
from tests.e2e.teams_support import Tenant, teams_env
from tests.e2e.test_delivery_reliability import Run, query
from tests.fakes.bot_connector import FakeConnector
from tests.fakes.slack_api import TEAM, FakeSlack

ALWAYS = "Mon-Sun 00:00-24:00"
REPLY = "Short videos need a hook in the first second"
BATCH_PAIRS = 180  # intros claimed with the prompts (one claim of 200 rows), paced: seconds
RATE = "20"  # per second per workspace or tenant


# --- the two platforms --------------------------------------------------------------------------
class SlackSide:
    """People in one Slack workspace, the fake Web API and how they reply."""

    platform = "slack"

    def __init__(self, fake: FakeSlack) -> None:
        self.fake = fake
        self.ws: Workspace | None = None

    def env(self, url: str) -> dict[str, str]:
        return {**slack_env(self.fake, url), "MENTORBOT_SLACK_RATE": RATE}

    def person(self, user_id: str, name: str) -> Actor:
        self.fake.add_user(user_id, name, "UTC")
        return Actor("slack", user_id, name, workspace=TEAM, timezone="UTC")

    def attach(self, serve: Serve) -> None:
        self.ws = Workspace(serve, self.fake)

    def prompts_to(self, user_id: str) -> list[float]:
        """When each message offering "Write more" reached this person's DM."""
        channel = self.fake.dm(user_id)
        return [
            call.at
            for call in self.fake.calls_to("chat.postMessage")
            if call.args.get("channel") == channel and "reflection.write" in str(call.args)
        ]

    def posts(self) -> int:
        return len(self.fake.calls_to("chat.postMessage"))

    async def reply(self, user_id: str, text: str) -> None:
        assert await self.ws.dm(user_id, text) == 200

    def answers_to(self, user_id: str) -> str:
        return "\n".join(p.text for p in self.fake.posts_to(self.fake.dm(user_id)))


class TeamsSide:
    """People in one Teams tenant (their conversation references as Teams sends them), the
    fake Bot Connector and how they reply."""

    platform = "teams"

    def __init__(self, connector: FakeConnector) -> None:
        self.connector = connector
        self.tenant = Tenant(None, connector)  # serve comes with `attach`

    def env(self, url: str) -> dict[str, str]:
        return {**teams_env(url), "MENTORBOT_TEAMS_RATE": RATE}

    def person(self, user_id: str, name: str) -> Actor:
        """As the adapter reads the person from an activity of theirs: with the conversation
        reference that proactive messages use."""
        self.tenant.person(f"29:{user_id}", name)
        return teams_inbound.actor(self.tenant.activity(f"29:{user_id}"))

    def attach(self, serve: Serve) -> None:
        self.tenant.serve = serve

    def prompts_to(self, user_id: str) -> list[float]:
        chat = self.connector.conversation_for(user_id)
        return [
            call.at
            for call in self.connector.calls_of("send", ok_only=True)
            if chat in call.path and "reflection.write" in str(call.body)
        ]

    def posts(self) -> int:
        return len(self.connector.calls_of("send", ok_only=True))

    async def reply(self, user_id: str, text: str) -> None:
        await self.tenant.say(user_id, text)

    def answers_to(self, user_id: str) -> str:
        return "\n".join(self.connector.texts_in(self.connector.conversation_for(user_id)))


@pytest.fixture(params=["slack", "teams"])
def side(request):
    if request.param == "slack":
        fake = FakeSlack().start()
        fake.add_user(OWNER, "Olivia Grant", "UTC")
        yield SlackSide(fake)
        fake.release()
        fake.stop()
        assert not fake.violations, fake.violations
    else:
        connector = FakeConnector().start()
        yield TeamsSide(connector)
        connector.stop()
        assert not connector.violations, connector.violations


@pytest.fixture(params=["sqlite", "postgresql"])
async def url(request, sqlite_template, tmp_path) -> str:
    if request.param == "sqlite":
        return fresh_sqlite(sqlite_template, tmp_path)
    run = request.getfixturevalue("postgres")
    await empty_postgres(run.url)
    return run.url


def env_for(side, url: str) -> dict[str, str]:
    return {
        **side.env(url),
        "MENTORBOT_WORKING_HOURS": ALWAYS,
        "MENTORBOT_TIMEZONE": "UTC",
        "MENTORBOT_LOG_LEVEL": "INFO",
    }


# --- setting up on serve's database ---------------------------------------------------------------
class Setup:
    """The engine in this process on serve's database, at a moment of the test's choosing."""

    def __init__(self, env: dict[str, str], now: datetime) -> None:
        settings = Settings.from_env(env)
        self.store = SqlStore.from_url(settings.database_url)
        self.clock = VirtualClock(now)
        self.engine = Engine(self.store, self.clock, settings.engine_config())
        self.n = 0

    async def close(self) -> None:
        await self.store.close()

    async def handle(self, event_type, actor: Actor, **fields):
        self.n += 1
        return await self.engine.handle(
            event_type(actor.platform, f"setup-{self.n}", actor, **fields)
        )

    async def program(self, owner: Actor):
        async def work(ctx: Context):
            await ctx.person_for(owner)
            return await create_program(
                ctx, "In flight", owners=[owner.handle], timezone="UTC", working_hours=ALWAYS
            )

        return await self.engine.run(work)

    async def pairs(self, program, people: list[tuple[Actor, Actor]]):
        async def work(ctx: Context):
            return [
                await propose_pairing(
                    ctx,
                    program,
                    await ctx.person_for(mentor),
                    await ctx.person_for(mentee),
                    "Learn short video",
                    "Runs our experiments",
                )
                for mentor, mentee in people
            ]

        return await self.engine.run(work)

    async def held(self, program, mentor: Actor, mentee: Actor, now: datetime) -> None:
        """A pair that met yesterday, and the leader said so just now: the leader saw their
        post-session card in that answer, the mentor's is due."""
        [pairing] = await self.pairs(program, [(mentor, mentee)])
        for person in (mentor, mentee):
            await self.handle(ActionClicked, person, action="pairing.accept", value=str(pairing.id))
        day = (now - timedelta(days=1)).date().isoformat()
        booked = await self.handle(
            FormSubmitted,
            mentee,
            form_id="session.schedule",
            value=str(pairing.id),
            values={"date": day, "time": "10:00", "minutes": "45"},
        )
        assert "Booked" in booked.text, booked
        [session] = await self.engine.run(lambda ctx: ctx.tx.find(Session, pairing_id=pairing.id))
        self.clock.set(now)
        await self.handle(ActionClicked, mentee, action="session.held", value=str(session.id))


async def select(url: str, sql: str) -> list[tuple]:
    """Plain SQL on the test's database (off this loop: PostgreSQL's runs a loop of its own)."""
    return await asyncio.to_thread(query, url, sql)


async def outbox(url: str) -> list[tuple]:
    return await select(
        url, "SELECT id, kind, status, lease_owner, attempts FROM notifications ORDER BY id"
    )


# --- 1. a reply typed within 100 ms of its prompt -------------------------------------------------
async def test_a_reply_typed_100_ms_after_its_prompt_arrives_is_saved_while_the_batch_goes_on(
    side, url, tmp_path
):
    env = env_for(side, url)
    now = datetime.now(UTC).replace(microsecond=0)
    setup = Setup(env, now - timedelta(days=3))
    try:
        owner = side.person(
            "UOWNER" if side.platform == "slack" else "owner-olivia", "Olivia Grant"
        )
        program = await setup.program(owner)
        mentor, mentee = side.person("UMINA", "Mina Park"), side.person("UERIK", "Erik Lund")
        await setup.held(program, mentor, mentee, now)
        # Then many pairs at once (a roster): their intros are due just after the prompts.
        setup.clock.set(now + timedelta(seconds=1))
        others = [
            (side.person(f"UM{i:04d}", f"Mina Park{i}"), side.person(f"UE{i:04d}", f"Erik Lund{i}"))
            for i in range(BATCH_PAIRS)
        ]
        await setup.pairs(program, others)
    finally:
        await setup.close()

    # serve's first tick claims the prompts and the intros in one run and paces them out.
    serve = await asyncio.to_thread(Serve, env, tmp_path / "serve.log")
    try:
        side.attach(serve)
        arrived = await eventually(
            lambda: side.prompts_to(mentor.user_id), 30, "the reflection prompt", interval=0.005
        )
        replied_after = time.monotonic() - arrived[0]
        posts_then = side.posts()
        await side.reply(mentor.user_id, REPLY)
        assert replied_after < 0.1, f"the reply went {replied_after:.3f} s after the prompt"
        assert posts_then < BATCH_PAIRS, "the batch had finished before the reply: not a race"

        answer = await eventually(
            lambda: (
                "Thanks - saved" in side.answers_to(mentor.user_id)
                and side.answers_to(mentor.user_id)
            ),
            10,
            "the reply's answer",
        )
        assert "not expecting a reply" not in answer, answer
        saved = await select(url, "SELECT what_changed FROM reflections")
        assert saved == [(REPLY,)]
        # The batch goes on to the end.
        deadline = time.monotonic() + 60
        while any(row[2] == "pending" for row in await outbox(url) if row[1] == "intro"):
            assert time.monotonic() < deadline, "the intros were not all sent within 60 s"
            await asyncio.sleep(0.5)
    finally:
        await asyncio.to_thread(serve.stop)
    assert "Traceback" not in serve.output(), serve.output()[-4000:]


# --- 2. SIGTERM in the middle of a paced delivery run -----------------------------------------------
async def test_serve_stopped_mid_delivery_hands_back_what_it_did_not_send_and_nothing_goes_twice(
    url, tmp_path
):
    fake = FakeSlack().start()
    try:
        side = SlackSide(fake)
        env = {**env_for(side, url), "MENTORBOT_SLACK_RATE": "10"}
        now = datetime.now(UTC).replace(microsecond=0)
        setup = Setup(env, now)
        try:
            owner = side.person(OWNER, "Olivia Grant")
            program = await setup.program(owner)
            people = [
                (
                    side.person(f"UM{i:04d}", f"Mina Park{i}"),
                    side.person(f"UE{i:04d}", f"Erik Lund{i}"),
                )
                for i in range(200)
            ]
            await setup.pairs(program, people)
        finally:
            await setup.close()

        serve = await asyncio.to_thread(Serve, env, tmp_path / "serve.log")
        await eventually(lambda: side.posts() >= 30, 30, "30 intros")
        stopped_at = time.monotonic()
        serve.process.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(serve.process.wait, 30)
        took = time.monotonic() - stopped_at
        serve.log.close()
        log = serve.output()
        assert code == 0, log[-3000:]
        assert "Traceback" not in log, log[-4000:]
        assert took < 10, f"serve took {took:.1f} s to stop"

        posted = Counter(call.args["channel"] for call in fake.calls_to("chat.postMessage"))
        assert posted and max(posted.values()) == 1
        rows = await outbox(url)
        sent = [row for row in rows if row[2] == "sent"]
        left = [row for row in rows if row[2] != "sent"]
        assert len(sent) == sum(posted.values()), "every post is recorded, and only those"
        assert left, "the stop came after the run had finished"
        # Handed back at once: no lease, no attempt counted.
        assert {(row[2], row[3], row[4]) for row in left} == {("pending", None, 0)}

        # The next ticks (three at once, as replicas would) send exactly the rest.
        later = (now + timedelta(minutes=1)).isoformat()
        quick = {**env, "MENTORBOT_SLACK_RATE": "0", "MENTORBOT_LOG_LEVEL": "WARNING"}
        runs = [Run(quick, tmp_path, "tick", "--now", later) for _ in range(3)]
        for run in runs:
            await asyncio.to_thread(run.ok)
        posted = Counter(call.args["channel"] for call in fake.calls_to("chat.postMessage"))
        rows = await outbox(url)
        intros = [row for row in rows if row[1] == "intro"]
        assert {row[2] for row in intros} == {"sent"}
        assert len(posted) == len(intros) == 200
        assert max(posted.values()) == 1, [c for c, n in posted.items() if n > 1][:5]
    finally:
        fake.stop()
