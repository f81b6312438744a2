"""A test harness around the real engine, store and console adapter, on a virtual clock."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from adapters.console.sender import ConsoleSender
from bot.context import Context, EngineConfig
from bot.domain.clock import VirtualClock
from bot.domain.events import (
    ActionClicked,
    Actor,
    CommandIssued,
    FormSubmitted,
    Mention,
    MessageReceived,
)
from bot.domain.messages import Message
from bot.domain.model import Pairing, Participant, Program
from bot.domain.ports import Tx
from bot.engine import Engine
from bot.flows.pairings import create_program, propose_pairing
from bot.flows.people import person_for
from storage.store import SqlStore

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday 2 March 2026, 09:00 UTC
OWNER = Actor("console", "olivia", "Olivia Grant", timezone="UTC")
MINA = Actor("console", "mina", "Mina Park", timezone="Europe/Berlin")
ERIK = Actor("console", "erik", "Erik Lund", timezone="Europe/Berlin")
PRIYA = Actor("console", "priya", "Priya Shah", timezone="Europe/London")
TOM = Actor("console", "tom", "Tom Becker", timezone="America/New_York")


class Harness:
    """Drives the engine as the console platform would; `sent` collects every delivery."""

    def __init__(self, store: SqlStore, config: EngineConfig | None = None, start=MONDAY) -> None:
        self.store = store
        self.clock = VirtualClock(start)
        self.sender = ConsoleSender(self.clock)
        self.config = config or EngineConfig(owners=frozenset({OWNER.handle}))
        self.engine = Engine(store, self.clock, self.config, {"console": self.sender})
        self._ids = itertools.count(1)

    # --- set-up -------------------------------------------------------------------------
    async def program(self, name: str = "Digital Leaders", **kwargs) -> Program:
        kwargs.setdefault("owners", [OWNER.handle])
        return await self.engine.run(lambda ctx: create_program(ctx, name, **kwargs))

    async def pairing(
        self, program: Program, mentor=MINA, mentee=ERIK, goal="short video", why="why"
    ) -> Pairing:
        async def work(ctx: Context) -> Pairing:
            return await propose_pairing(
                ctx,
                program,
                await person_for(ctx, mentor),
                await person_for(ctx, mentee),
                goal,
                why,
            )

        return await self.engine.run(work)

    async def active_pairing(
        self, program: Program | None = None, mentor=MINA, mentee=ERIK
    ) -> Pairing:
        program = program or await self.program()
        pairing = await self.pairing(program, mentor, mentee)
        await self.click(mentor, "pairing.accept", pairing.id)
        await self.click(mentee, "pairing.accept", pairing.id)
        return pairing

    # --- people acting ----------------------------------------------------------------------
    def _id(self) -> str:
        return f"t-{next(self._ids)}"

    async def click(self, actor: Actor, action: str, value) -> Message:
        return await self.engine.handle(
            ActionClicked("console", self._id(), actor, action=action, value=str(value))
        )

    async def submit(self, actor: Actor, form_id: str, value, **values: str):
        return await self.engine.handle(
            FormSubmitted(
                "console", self._id(), actor, form_id=form_id, value=str(value), values=values
            )
        )

    async def say(self, actor: Actor, text: str) -> Message:
        return await self.engine.handle(MessageReceived("console", self._id(), actor, text=text))

    async def command(
        self, actor: Actor, name: str, args: str = "", mentions: tuple[Mention, ...] = ()
    ):
        return await self.engine.handle(
            CommandIssued("console", self._id(), actor, name=name, args=args, mentions=mentions)
        )

    async def book(self, actor: Actor, pairing: Pairing, date: str, time: str, minutes: int = 45):
        return await self.submit(
            actor, "session.schedule", pairing.id, date=date, time=time, minutes=str(minutes)
        )

    async def held_session(self, pairing: Pairing | None = None) -> Pairing:
        """An active Mina-Erik pair whose session of Tue 3 March, 10:00 Berlin was held, with
        the reflection prompts sent."""
        pairing = pairing or await self.active_pairing()
        await self.tick()
        await self.book(ERIK, pairing, "2026-03-03", "10:00")
        await self.tick(datetime(2026, 3, 3, 11, 0, tzinfo=UTC))
        await self.click(ERIK, "session.held", 1)
        await self.tick()
        return pairing

    # --- time and messages ------------------------------------------------------------------
    async def tick(self, at: datetime | None = None):
        if at is not None:
            self.clock.set(at)
        return await self.engine.tick()

    async def run_until(self, end: datetime, step: timedelta = timedelta(hours=1)) -> None:
        while self.clock.now() < end:
            await self.engine.tick()
            self.clock.advance(step)

    def inbox(self, user_id: str, containing: str = ""):
        """Everything delivered to this user so far (whose text contains `containing`)."""
        return [
            d
            for d in self.sender.delivered
            if d.recipient.user_id == user_id and containing in d.message.plain()
        ]

    def texts(self, user_id: str) -> list[str]:
        """What each delivery said, with the questions (asks) it carried."""
        return [d.message.plain() for d in self.inbox(user_id)]

    def last(self, user_id: str, action: str | None = None):
        """The latest delivery to `user_id` (with a button for `action`, when given)."""
        for item in reversed(self.inbox(user_id)):
            if action is None or any(b.action == action for b in item.message.every_button):
                return item
        raise AssertionError(f"{user_id} got no message with {action}")

    async def person(self, actor: Actor) -> Participant:
        return await self.engine.run(lambda ctx: person_for(ctx, actor))


@asynccontextmanager
async def unit_of_work(store: SqlStore) -> AsyncIterator[Tx]:
    """A test's own unit of work on the store: what it writes commits together, its pairs'
    figures recounted first, as bot.context.Context.finish does for the engine's."""
    async with store.transaction() as tx:
        yield tx
        await tx.reports.recount()
