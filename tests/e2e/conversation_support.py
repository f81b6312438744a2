"""Shared end-to-end steps for the conversation tests: people on Slack or Teams as their
adapter reads them, the fakes standing in for the platforms, and the engine in the test's
process setting up pairs on serve's database (what is under test then goes through serve)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from adapters.settings import Settings
from adapters.teams import inbound as teams_inbound
from bot.context import Context
from bot.domain.clock import VirtualClock
from bot.domain.events import ActionClicked, Actor, FormSubmitted
from bot.domain.model import Session
from bot.engine import Engine
from bot.flows.pairings import create_program, propose_pairing
from bot.flows.people import person_for
from storage.store import SqlStore
from tests.e2e.process_support import query
from tests.e2e.slack_support import Serve, Workspace, eventually, slack_env
from tests.e2e.teams_support import Tenant, teams_env
from tests.fakes.bot_connector import FakeConnector
from tests.fakes.slack_api import TEAM, FakeSlack

ALWAYS = "Mon-Sun 00:00-24:00"
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

    def person(self, user_id: str, name: str, tz: str = "UTC") -> Actor:
        self.fake.add_user(user_id, name, tz)
        return Actor("slack", user_id, name, workspace=TEAM, timezone=tz)

    async def book(self, user_id: str, values: dict[str, str]) -> None:
        """From the App Home's Schedule button: the booking modal, filled in and sent."""
        event = {"type": "app_home_opened", "user": user_id, "channel": "D1", "tab": "home"}
        assert await self.ws.event(event) == 200
        home = await eventually(lambda: self.fake.homes.get(user_id), what="the Home tab")
        views = len(self.fake.views)
        status, _ = await self.ws.click(user_id, None, "session.schedule", home=home)
        assert status == 200
        await eventually(lambda: len(self.fake.views) > views, what="the booking form")
        status, answer = await self.ws.submit(user_id, self.fake.views[-1], values)
        assert status == 200 and "errors" not in answer, answer

    def invites_to(self, user_id: str) -> list[str]:
        """The texts of the messages with a calendar file in the person's DM."""
        channel = self.fake.dm(user_id)
        return [
            p.text for p in list(self.fake.messages.values()) if p.channel == channel and p.files
        ]

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

    def person(self, user_id: str, name: str, tz: str = "UTC") -> Actor:
        """As the adapter reads the person from an activity of theirs: with the conversation
        reference that proactive messages use, and the timezone their client reports."""
        self.tenant.person(f"29:{user_id}", name)
        activity = self.tenant.activity(f"29:{user_id}")
        activity["entities"] = [{"type": "clientInfo", "locale": "en-US", "timezone": tz}]
        return teams_inbound.actor(activity)

    async def book(self, user_id: str, values: dict[str, str]) -> None:
        """From `me`'s Schedule button: the booking form in the card, filled in and sent."""
        await self.tenant.say(user_id, "me")
        card = await self.tenant.latest(user_id, "Your pairs")
        label = next(
            a["title"]
            for c in FakeConnector.cards(card)
            for a in c.get("actions", [])
            if a.get("title", "").startswith("Schedule")
        )
        await self.tenant.submit(user_id, card, label)
        form = await eventually(
            lambda: card.updates and "Book it" in str(card.latest) and card, what="the form"
        )
        await self.tenant.submit(user_id, form, "Book it", values)

    def invites_to(self, user_id: str) -> list[str]:
        """The texts of the activities with a calendar link in the person's chat."""
        chat = self.connector.conversation_for(user_id)
        return [
            str(sent.latest)
            for sent in self.connector.sent_to(chat)
            if "Add to calendar (.ics)" in str(sent.latest)
        ]

    def attach(self, serve: Serve) -> None:
        self.tenant.serve = serve

    def prompts_to(self, user_id: str) -> list[float]:
        chat = self.connector.conversation_for(user_id)
        return [
            call.answered
            for call in self.connector.calls_of("send", ok_only=True)
            if chat in call.path and "reflection.write" in str(call.body)
        ]

    def posts(self) -> int:
        return len(self.connector.calls_of("send", ok_only=True))

    async def reply(self, user_id: str, text: str) -> None:
        await self.tenant.say(user_id, text)

    def answers_to(self, user_id: str) -> str:
        return "\n".join(self.connector.texts_in(self.connector.conversation_for(user_id)))


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

    async def program(self, owner: Actor, working_hours: str = ALWAYS):
        async def work(ctx: Context):
            await person_for(ctx, owner)
            return await create_program(
                ctx,
                "In flight",
                owners=[owner.handle],
                timezone="UTC",
                working_hours=working_hours,
            )

        return await self.engine.run(work)

    async def pairs(self, program, people: list[tuple[Actor, Actor]]):
        async def work(ctx: Context):
            return [
                await propose_pairing(
                    ctx,
                    program,
                    await person_for(ctx, mentor),
                    await person_for(ctx, mentee),
                    "Learn short video",
                    "Runs our experiments",
                )
                for mentor, mentee in people
            ]

        return await self.engine.run(work)

    async def accept(self, person: Actor, pairing) -> None:
        await self.handle(ActionClicked, person, action="pairing.accept", value=str(pairing.id))

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
