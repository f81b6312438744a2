"""The engine's front door: handle an inbound event, or run one tick (plan, then deliver)."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.calendar.feed import Feed, FeedCache, digest, feed_facts
from bot.calendar.invites import invite_file
from bot.context import Context, EngineConfig
from bot.domain import prompts
from bot.domain.clock import Clock
from bot.domain.events import (
    ActionClicked,
    Actor,
    CommandIssued,
    Event,
    FormSubmitted,
    MemberJoined,
    MessageReceived,
    SeenHere,
    without_nul,
)
from bot.domain.messages import Attachment, Button, FormErrors, Message, NotYours, Refused
from bot.domain.model import Participant, Program
from bot.domain.ports import Sender, Store
from bot.flows.lifecycle import close_ended_programs
from bot.flows.people import known_person, person_for
from bot.flows.reflections import (
    PromptInFlight,
    pending_reflection,
    prompt_in_flight,
    save_reflection,
)
from bot.flows.status import close_weeks
from bot.router import route, unknown
from bot.routes import ACTIONS, COMMANDS, FORMS, HELP
from bot.sending.compose import still_asked, with_the_rest
from bot.sending.delivery import TickResult, deliver
from bot.sending.digest import queue_digests
from bot.sending.housekeeping import prune_backlog, prune_seen_events
from bot.sending.planner import PLAN_BATCH, plan

log = logging.getLogger(__name__)

Reply = Message | FormErrors | NotYours
# Pauses before a typed reply is taken again while its prompt is being sent: a send is written
# back within milliseconds, so this only waits out a prompt still waiting for its turn, and
# stays well within the 3 s in which Slack wants an event answered.
IN_FLIGHT_WAITS = (0.05, 0.1, 0.2, 0.4, 0.5)
ANSWERS_KEPT = 256  # read-only answers kept while nothing is written (Answers)


class Engine:
    """Drives every pair's cycle. Adapters feed it events and give it senders.

    Args:
        store: where everything is kept; each event or tick step is one transaction.
        clock: the only source of time.
        config: owners, default timezone and working hours, lead times.
        senders: one Sender per platform name, used by `tick` and `deliver_now`.
        on_due: called after an event or command committed messages that may go at once
            (the server starts a delivery then, rather than at the next tick).
    """

    def __init__(
        self,
        store: Store,
        clock: Clock,
        config: EngineConfig | None = None,
        senders: dict[str, Sender] | None = None,
        worker: str | None = None,
        on_due: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.config = config or EngineConfig()
        self.senders = dict(senders or {})
        self.worker = worker or f"worker-{uuid.uuid4().hex[:12]}"
        self.on_due = on_due
        self._seen = SeenHere()
        self._answers = Answers()
        self._stopping = False
        self.feeds = FeedCache()  # calendar feeds built last, by their token's digest

    def stop(self) -> None:
        """The process is stopping: plan and claim nothing more, and send nothing that is not
        already on its way (rows claimed but not sent are handed back at once); a tick or
        delivery under way returns soon after."""
        self._stopping = True
        for sender in self.senders.values():
            stop = getattr(sender, "stop", None)
            if stop is not None:
                stop()

    @property
    def stopping(self) -> bool:
        return self._stopping

    async def handle(self, event: Event) -> Reply | None:
        """Handle one inbound event; None when the event was already handled (a retry).

        A typed reply that comes while a reflection prompt to its author is still being sent
        (claimed, its send not yet written back) is taken again a moment later, so it is
        never told that nothing was asked (see bot.sending.delivery)."""
        for wait in IN_FLIGHT_WAITS:
            try:
                return await self._handle(event, patient=True)
            except PromptInFlight:
                log.info("a reply came while its prompt was being sent; looking again")
                await asyncio.sleep(wait)
        return await self._handle(event, patient=False)

    async def _handle(self, event: Event, patient: bool) -> Reply | None:
        event = without_nul(event)
        if reads_only(event):
            if self._seen.seen(event.platform, event.event_id):
                log.info("duplicate event platform=%s id=%s", event.platform, event.event_id)
                return None
            now, version = self.clock.now(), await self.store.version()
            reply = await self._answers.answer(event, version, now, self._read_only(event, now))
            if reply is not None:
                self._seen.remember(event.platform, event.event_id)
                return reply
            # Someone new, or whose details or contact need noting: the way that writes.
        async with self.store.transaction() as tx:
            if not await tx.queue.first_seen(event.platform, event.event_id):
                log.info("duplicate event platform=%s id=%s", event.platform, event.event_id)
                return None
            ctx = Context(tx, self.clock.now(), self.config)
            person = await person_for(ctx, event.actor, contact=True)
            reply = await _dispatch(ctx, person, event, patient)
            await ctx.finish()
        self._due(ctx)
        return reply

    def _read_only(self, event: Event, now: datetime) -> Callable[[], Awaitable[Reply | None]]:
        """The answer to a read-only command, read without writing; None when the person
        is new or their details or contact need noting (the way that writes)."""

        async def read() -> Reply | None:
            async with self.store.reading() as tx:
                ctx = Context(tx, now, self.config)
                person = await known_person(ctx, event.actor)
                return await _dispatch(ctx, person, event) if person is not None else None

        return read

    async def tick(self) -> TickResult:
        """Plan what is due, then send it. Safe to run twice: nothing goes out twice."""
        result = TickResult()
        now = self.clock.now()
        first, pruned = True, 0
        while not self._stopping:  # a batch of pairs per transaction, until none is left
            async with self.store.transaction() as tx:
                ctx = Context(tx, now, self.config)
                if first:  # what program dates bring: the end of a program, the digests
                    programs = await tx.find(Program)
                    result.planned += await close_ended_programs(ctx, programs)
                    await close_weeks(ctx, programs)
                    result.planned += await queue_digests(ctx, programs)
                    pruned = await prune_seen_events(tx)
                    first = False
                looked, planned = await plan(ctx, PLAN_BATCH)
                await tx.reports.recount()  # what it plans, this tick sends: no announcing
            result.planned += planned
            if looked < PLAN_BATCH:
                break
        await prune_backlog(self.store, pruned)
        return await deliver(
            self.store,
            self.senders,
            self.clock,
            self.config,
            self.worker,
            result,
            lambda: self._stopping,
        )

    async def deliver_now(self) -> TickResult:
        """Send what is due by now, without planning (rows an event has just queued). Under
        a worker name of its own: it may run beside this process's tick, and leases tell
        apart whose rows are whose."""
        worker = f"{self.worker}-now"
        return await deliver(
            self.store,
            self.senders,
            self.clock,
            self.config,
            worker,
            TickResult(),
            lambda: self._stopping,
        )

    def _due(self, ctx: Context) -> None:
        if ctx.outbox.due_now and self.on_due is not None:
            self.on_due()

    async def with_the_rest(self, actor: Actor, sent_as: str, reply: Reply) -> Reply:
        """`reply` to a click on the platform's message `sent_as`, followed by what the rest
        of that message still asks, worded now (for a platform that redraws a whole message
        after a click; bot.sending.compose.still_asked); read only."""
        if not isinstance(reply, Message) or not sent_as:
            return reply
        async with self.store.reading() as tx:
            ctx = Context(tx, self.clock.now(), self.config)
            found = await tx.find(Participant, platform=actor.platform, user_id=actor.user_id)
            parts = await still_asked(ctx, found[0], sent_as) if found else []
        return with_the_rest(reply, parts)

    async def calendar_feed(self, token: str) -> Feed | None:
        """The iCalendar feed behind a personal feed address, or None when the token leads
        nowhere. Its facts are read in a read-only transaction (a calendar polling it takes
        no write lock); the feed comes from the cache while they are unchanged, and is built
        after the transaction ends otherwise."""
        now = self.clock.now()
        async with self.store.reading() as tx:
            ctx = Context(tx, now, self.config)
            facts = await feed_facts(ctx, token)
            if facts is None:
                return None
            key = digest(token)
            kept = self.feeds.get(key, facts.version)
            if kept is not None:
                return kept
            await facts.read_sessions(ctx)
        return await self.feeds.build(key, facts, now)

    async def invite_file(self, ref: str, platform: str, user_id: str) -> Attachment | None:
        """The .ics of a sent invite again (a download link), for the person it was for
        (read only)."""
        async with self.store.reading() as tx:
            ctx = Context(tx, self.clock.now(), self.config)
            return await invite_file(ctx, ref, platform, user_id)

    async def run(self, work: Callable[[Context], Awaitable[object]]) -> object:
        """Run `work` in one transaction at the clock's now (used by the command line)."""
        async with self.store.transaction() as tx:
            ctx = Context(tx, self.clock.now(), self.config)
            done = await work(ctx)
            await ctx.finish()
        self._due(ctx)
        return done


async def _dispatch(
    ctx: Context, person: Participant, event: Event, patient: bool = False
) -> Reply:
    """Through the router (bot.routes); a Refused anywhere becomes its message. `patient`:
    raise PromptInFlight rather than say that no reply was expected (see Engine.handle)."""
    try:
        if isinstance(event, CommandIssued):
            return await _command(ctx, person, event)
        if isinstance(event, MessageReceived):
            return await _direct_message(ctx, person, event, patient)
        if isinstance(event, ActionClicked):
            if event.for_person and event.for_person != person.handle:
                return NotYours(event.for_person)  # only the person they are for
            found = ACTIONS.get(event.action)
            if found is None:
                return unknown()
            return await route(ctx, person, found, event, event.action, str(event.value))
        if isinstance(event, FormSubmitted):
            found = FORMS.get(event.form_id)
            if found is None:
                return unknown()
            name, value = event.form_id, event.value
            return await route(ctx, person, found, event, name, value, values=event.values)
        if isinstance(event, MemberJoined):
            return Message(prompts.text("general.welcome", name=person.first_name))
        return unknown()
    except Refused as refusal:
        return Message(str(refusal))


async def _command(ctx: Context, person: Participant, event: CommandIssued) -> Reply:
    name = event.name.lower()
    found = COMMANDS.get(name, HELP)
    try:
        return await route(
            ctx, person, found, event, name, "", args=event.args, mentions=event.mentions
        )
    except Refused as refusal:  # here, so that a typed command's reply can still be added to
        return Message(str(refusal))


class Answers:
    """Answers to read-only commands (status, me, help), kept while the store's version is
    the same (no write committed anywhere since) and within the minute they were made in
    (figures move on with the time); at most ANSWERS_KEPT, the least recently asked go. The
    same question asked again while its answer is being made waits for that answer rather
    than making it again."""

    def __init__(self, most: int = ANSWERS_KEPT) -> None:
        self.most = most
        self._kept: OrderedDict[Event, tuple[Any, datetime, Reply]] = OrderedDict()
        self._making: dict[tuple[Event, Any, datetime], asyncio.Future] = {}

    async def answer(
        self,
        event: Event,
        version: Any,
        now: datetime,
        make: Callable[[], Awaitable[Reply | None]],
    ) -> Reply | None:
        if version is None:  # the store cannot tell whether anything changed
            return await make()
        key, minute = replace(event, event_id=""), _minute(now)
        found = self._kept.get(key)
        if found is not None and found[:2] == (version, minute):
            self._kept.move_to_end(key)
            return found[2]
        making = (key, version, minute)
        if making in self._making:
            return await asyncio.shield(self._making[making])
        self._making[making] = future = asyncio.get_running_loop().create_future()
        try:
            reply = await make()
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: the waiters, if any, get it too
            raise
        finally:
            del self._making[making]
        future.set_result(reply)
        if reply is not None:
            self._kept[key] = (version, minute, reply)
            self._kept.move_to_end(key)
            while len(self._kept) > self.most:
                self._kept.popitem(last=False)
        return reply


def _minute(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


def reads_only(event: Event) -> bool:
    """True for a command, typed or slashed, that only reads (any unknown word gets help)."""
    if isinstance(event, CommandIssued):
        return COMMANDS.get(event.name.lower(), HELP).reads_only
    if isinstance(event, MessageReceived):  # other text may answer a reflection prompt
        words = event.text.split(None, 1)
        found = COMMANDS.get(words[0].lower()) if words else None
        return found is not None and found.reads_only
    return False


async def _direct_message(
    ctx: Context, person: Participant, event: MessageReceived, patient: bool = False
) -> Reply:
    """A plain DM: text that starts with a command word runs that command, with the rest as
    its arguments; any other text answers a pending reflection prompt (saved with an Undo
    button), or gets a pointer to help."""
    text = event.text.strip()
    words = text.split(None, 1)
    command = words[0].lower() if words else ""
    if command in COMMANDS:
        args = words[1] if len(words) > 1 else ""
        reply = await _command(
            ctx,
            person,
            CommandIssued(
                event.platform,
                event.event_id,
                event.actor,
                name=command,
                args=args,
                mentions=event.mentions,
            ),
        )
        return await _remind_reflection(ctx, person, reply) if args else reply
    session = await pending_reflection(ctx, person)
    if session is not None and text:
        return await save_reflection(ctx, person, session, text, typed=True)
    if text and patient and await prompt_in_flight(ctx, person):
        raise PromptInFlight
    return Message(prompts.text("general.nothing_pending"))


async def _remind_reflection(ctx: Context, person: Participant, reply: Message) -> Message:
    """Text like "status meetings got shorter" ran a command; if a reflection is waiting,
    say how to send it, in case that text was meant as one."""
    if reply.form or reply.file or any(b.action == "reflection.write" for b in reply.every_button):
        return reply  # nothing to add to, or it already offers the reflection
    session = await pending_reflection(ctx, person)
    if session is None:
        return reply
    button = Button(prompts.text("buttons.reflect_now"), "reflection.write", str(session.id))
    hint = prompts.text("reflect.command_hint")
    return replace(reply, text=f"{reply.text}\n\n{hint}".strip(), buttons=(*reply.buttons, button))
