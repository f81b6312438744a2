"""The engine's front door: handle an inbound event, or run one tick (plan, then deliver)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace

from bot import copy, lifecycle, privacy, proposals
from bot.checkins import checkin_form, save_checkin
from bot.clock import Clock
from bot.commands import COMMANDS, reads_only, run_command
from bot.context import Context, EngineConfig
from bot.delivery import TickResult, deliver
from bot.digest import queue_digests
from bot.enrolment import enrolment_form, save_enrolment
from bot.events import (
    ActionClicked,
    CommandIssued,
    Event,
    FormSubmitted,
    MemberJoined,
    MessageReceived,
    SeenHere,
    without_nul,
)
from bot.feed import feed_for
from bot.followups import mark_followup_done
from bot.housekeeping import prune_backlog, prune_seen_events
from bot.ids import record_id
from bot.invites import invite_file
from bot.lifecycle import close_ended_programs
from bot.messages import Attachment, Button, FormErrors, Message
from bot.model import FollowUp, Pairing, Participant, Program, Reflection, Session
from bot.pairings import Refused, answer_consent
from bot.planner import PLAN_BATCH, plan
from bot.ports import Sender, Store
from bot.rebooking import cancel as cancel_session
from bot.rebooking import move, open_move_form
from bot.reflections import (
    change_visibility,
    pending_reflection,
    reflection_form,
    save_reflection,
    undo_reflection,
)
from bot.sessions import book, open_schedule_form, record_outcome, snooze

log = logging.getLogger(__name__)

Reply = Message | FormErrors
Handler = Callable[[Context, Participant, object], Awaitable[Reply]]


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

    async def handle(self, event: Event) -> Reply | None:
        """Handle one inbound event; None when the event was already handled (a retry)."""
        event = without_nul(event)
        if reads_only(event):
            if not self._seen.first(event.platform, event.event_id):
                log.info("duplicate event platform=%s id=%s", event.platform, event.event_id)
                return None
            async with self.store.reading() as tx:
                ctx = Context(tx, self.clock.now(), self.config)
                person = await ctx.known_person(event.actor)
                if person is not None:
                    return await _dispatch(ctx, person, event)
            # Someone new, or whose details or contact need noting: the way that writes.
        async with self.store.transaction() as tx:
            if not await tx.first_seen(event.platform, event.event_id):
                log.info("duplicate event platform=%s id=%s", event.platform, event.event_id)
                return None
            ctx = Context(tx, self.clock.now(), self.config)
            person = await ctx.person_for(event.actor, contact=True)
            try:
                reply = await _dispatch(ctx, person, event)
            except Refused as refusal:
                reply = Message(str(refusal))
            await _announce(ctx)
        self._due(ctx)
        return reply

    async def tick(self) -> TickResult:
        """Plan what is due, then send it. Safe to run twice: nothing goes out twice."""
        result = TickResult()
        now = self.clock.now()
        first, pruned = True, 0
        while True:  # a batch of pairs per transaction, until none is left to look at
            async with self.store.transaction() as tx:
                ctx = Context(tx, now, self.config)
                if first:  # what program dates bring: the end of a program, the digests
                    programs = await tx.find(Program)
                    result.planned += await close_ended_programs(ctx, programs)
                    result.planned += await queue_digests(ctx, programs)
                    pruned = await prune_seen_events(tx)
                    first = False
                looked, planned = await plan(ctx, PLAN_BATCH)
            result.planned += planned
            if looked < PLAN_BATCH:
                break
        await prune_backlog(self.store, pruned)
        return await deliver(self.store, self.senders, self.clock, self.config, self.worker, result)

    async def deliver_now(self) -> TickResult:
        """Send what is due by now, without planning (rows an event has just queued)."""
        return await deliver(
            self.store, self.senders, self.clock, self.config, self.worker, TickResult()
        )

    def _due(self, ctx: Context) -> None:
        if ctx.due_now and self.on_due is not None:
            self.on_due()

    async def calendar_feed(self, token: str) -> str | None:
        """The iCalendar feed behind a personal feed address, or None when the token leads
        nowhere (read only: nothing is written)."""
        async with self.store.transaction() as tx:
            return await feed_for(Context(tx, self.clock.now(), self.config), token)

    async def invite_file(self, ref: str, platform: str, user_id: str) -> Attachment | None:
        """The .ics of a sent invite again (a download link), for the person it was for."""
        async with self.store.transaction() as tx:
            ctx = Context(tx, self.clock.now(), self.config)
            return await invite_file(ctx, ref, platform, user_id)

    async def run(self, work: Callable[[Context], Awaitable[object]]) -> object:
        """Run `work` in one transaction at the clock's now (used by the command line)."""
        async with self.store.transaction() as tx:
            ctx = Context(tx, self.clock.now(), self.config)
            done = await work(ctx)
            await _announce(ctx)
        self._due(ctx)
        return done


async def _announce(ctx: Context) -> None:
    """Messages queued by this unit of work may go at once: tell the other replicas, at
    commit (the local one is told by `Engine._due` once the commit is done)."""
    if ctx.due_now:
        await ctx.tx.announce_due()


async def _dispatch(ctx: Context, person: Participant, event: Event) -> Reply:
    if isinstance(event, CommandIssued):
        return await run_command(ctx, person, event)
    if isinstance(event, MessageReceived):
        return await _direct_message(ctx, person, event)
    if isinstance(event, ActionClicked):
        handler = _ACTIONS.get(event.action)
        return await handler(ctx, person, event.value) if handler else _unknown()
    if isinstance(event, FormSubmitted):
        form = _FORMS.get(event.form_id)
        return await form(ctx, person, event.value, event.values) if form else _unknown()
    if isinstance(event, MemberJoined):
        return Message(copy.text("general.welcome", name=person.first_name))
    return _unknown()


async def _direct_message(ctx: Context, person: Participant, event: MessageReceived) -> Reply:
    """A plain DM: text that starts with a command word runs that command, with the rest as
    its arguments; any other text answers a pending reflection prompt (saved with an Undo
    button), or gets a pointer to help."""
    text = event.text.strip()
    words = text.split(None, 1)
    command = words[0].lower() if words else ""
    if command in COMMANDS:
        args = words[1] if len(words) > 1 else ""
        reply = await run_command(
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
    return Message(copy.text("general.nothing_pending"))


async def _remind_reflection(ctx: Context, person: Participant, reply: Message) -> Message:
    """Text like "status meetings got shorter" ran a command; if a reflection is waiting,
    say how to send it, in case that text was meant as one."""
    if reply.form or reply.file or any(b.action == "reflection.write" for b in reply.buttons):
        return reply  # nothing to add to, or it already offers the reflection
    session = await pending_reflection(ctx, person)
    if session is None:
        return reply
    button = Button(copy.text("buttons.reflect_now"), "reflection.write", str(session.id))
    hint = copy.text("reflect.command_hint")
    return replace(reply, text=f"{reply.text}\n\n{hint}".strip(), buttons=(*reply.buttons, button))


async def _book(ctx: Context, person: Participant, value: str, values: dict) -> Reply:
    pairing = await _load(ctx, Pairing, value)
    return await book(ctx, person, pairing, values) if pairing else _unknown()


async def _move(ctx: Context, person: Participant, value: str, values: dict) -> Reply:
    session = await _load(ctx, Session, value)
    return await move(ctx, person, session, values) if session else _unknown()


async def _reflect(ctx: Context, person: Participant, value: str, values: dict) -> Reply:
    session = await _load(ctx, Session, value)
    if session is None:
        return _unknown()
    return await save_reflection(
        ctx,
        person,
        session,
        values.get("what_changed", ""),
        values.get("will_do", ""),
        values.get("visibility"),
        values.get("implemented", ""),
    )


async def _load(ctx: Context, kind: type, value: str):
    found = record_id(value)
    return await ctx.tx.get(kind, found, lock=True) if found else None


def _unknown() -> Message:
    return Message(copy.text("general.unknown_item"))


def _raw(act: Callable[..., Awaitable[Reply]]) -> Handler:
    """A button handler that takes the button's value as it is (a composite id)."""

    async def handler(ctx: Context, person: Participant, value: object) -> Reply:
        return await act(ctx, person, str(value))

    return handler


def _on(kind: type, act: Callable[..., Awaitable[Reply]]) -> Handler:
    """A button handler that loads the record named by the button's value first."""

    async def handler(ctx: Context, person: Participant, value: object) -> Reply:
        record = await _load(ctx, kind, str(value))
        return await act(ctx, person, record) if record is not None else _unknown()

    return handler


async def _outcome(ctx: Context, person: Participant, session: Session, outcome: str) -> Reply:
    pairing = await ctx.tx.get(Pairing, session.pairing_id, lock=True)
    if pairing is None:
        return _unknown()
    return await record_outcome(ctx, person, pairing, session, outcome)


_ACTIONS: dict[str, Handler] = {
    "pairing.accept": _on(Pairing, lambda c, p, r: answer_consent(c, p, r, True)),
    "pairing.decline": _on(Pairing, lambda c, p, r: answer_consent(c, p, r, False)),
    "pairing.snooze": _on(Pairing, snooze),
    "session.schedule": _on(Pairing, open_schedule_form),
    "session.held": _on(Session, lambda c, p, r: _outcome(c, p, r, "held")),
    "session.missed": _on(Session, lambda c, p, r: _outcome(c, p, r, "missed")),
    "session.reschedule": _on(Session, lambda c, p, r: _outcome(c, p, r, "reschedule")),
    "session.move": _on(Session, open_move_form),
    "session.cancel": _on(Session, cancel_session),
    "reflection.write": _on(Session, reflection_form),
    "followup.done": _on(FollowUp, mark_followup_done),
    "reflection.visibility": _raw(change_visibility),
    "reflection.undo": _on(Reflection, undo_reflection),
    "pairing.pause": _on(Pairing, lifecycle.pause),
    "pairing.resume": _on(Pairing, lifecycle.resume),
    "pairing.end": _on(Pairing, lifecycle.ask_end),
    "pairing.end_confirm": _on(Pairing, lifecycle.end),
    "pairing.keep": _on(Pairing, lifecycle.keep),
    "enrolment.form": _raw(enrolment_form),
    "match.confirm": _raw(proposals.confirm),
    "match.edit": _raw(proposals.edit_form),
    "checkin.answer": _raw(checkin_form),
    "privacy.forget": _raw(privacy.forget),
    "privacy.keep": _raw(privacy.keep),
}

# Every form: (ctx, person, the form's value, its inputs by field id).
_FORMS: dict[str, Callable[..., Awaitable[Reply]]] = {
    "session.schedule": _book,
    "session.move": _move,
    "reflection.submit": _reflect,
    "enrolment.submit": save_enrolment,
    "match.edit": proposals.save_edit,
    "checkin.submit": save_checkin,
}
