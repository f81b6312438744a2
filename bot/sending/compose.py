"""Compose the message for an outbox row at send time, or decide it is no longer needed."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace

from bot.calendar.invites import booker_name, compose_invite
from bot.context import Context
from bot.domain import prompts
from bot.domain.kinds import Kind
from bot.domain.messages import Ask, Button, Message, shorten
from bot.domain.model import (
    Later,
    Notification,
    NotificationStatus,
    Pairing,
    PairingStatus,
    Participant,
    Program,
    Role,
    Session,
    SessionStatus,
)
from bot.domain.outcomes import ObjectiveState
from bot.domain.ports import SENT_AS
from bot.flows import debrief, delegation, offers, pulse
from bot.flows.checkins import compose_question
from bot.flows.followups import QUOTED, compose_ask, open_followups, recognition_text
from bot.flows.objectives import lines as objective_lines
from bot.flows.objectives import objectives_of
from bot.policy import cadence, guides
from bot.policy.agenda import session_lines
from bot.sending.digest import compose_digest

log = logging.getLogger(__name__)


async def compose(ctx: Context, row: Notification) -> Message | Later | None:
    """The message for `row` given the current state, None when it should be skipped, or
    Later when it came due before what it follows up on went out."""
    return await COMPOSERS[Kind(row.kind)](ctx, row)


def could_not_compose(row: Notification, exc: Exception) -> None:
    """A row whose composer failed fails on its own, with the reason (logged with its
    traceback): nothing stops the rest of the outbox."""
    log.exception("could not compose notification=%s kind=%s", row.id, row.kind)
    row.status = NotificationStatus.FAILED
    row.last_error = f"could not compose: {exc.__class__.__name__}: {exc}"[:500]


async def still_asked(ctx: Context, person: Participant, sent_as: str) -> list[Message]:
    """What the message the platform knows as `sent_as` still asks `person`, worded from the
    state as it is now: each outbox row that went in it, composed again (one answered since,
    or no longer needed, is left out). For a platform that redraws a whole message after a
    click (Teams): the rest of the message stays usable."""
    rows = await ctx.tx.find(Notification, recipient_id=person.id, status=NotificationStatus.SENT)
    mine = sorted((r for r in rows if r.payload.get(SENT_AS) == sent_as), key=lambda r: r.id)
    parts = []
    for row in mine:
        message = await compose(ctx, row)
        if isinstance(message, Message):
            parts.append(message)
    return parts


def with_the_rest(reply: Message, parts: list[Message]) -> Message:
    """The answer to a click on a message, followed by what the rest of that message still
    asks (`parts`): not the part the answer draws again (a card), nor one whose buttons the
    answer already has."""
    own = {(b.action, b.value) for b in reply.every_button}
    rest: list[Ask] = []
    for part in parts:
        if (reply.redraw and part.redraw) or own & {(b.action, b.value) for b in part.every_button}:
            continue
        rest += [Ask(part.text, part.buttons), *part.asks]
    return replace(reply, asks=(*reply.asks, *rest)) if rest else reply


async def _pairing(ctx: Context, row: Notification, *, active: bool) -> Pairing | None:
    pairing = await ctx.pairing(row.pairing_id) if row.pairing_id else None
    if pairing is None or (active and pairing.status != PairingStatus.ACTIVE):
        return None
    return pairing


async def _session(ctx: Context, row: Notification, pairing: Pairing) -> Session | None:
    return next((s for s in await ctx.sessions(pairing.id) if s.id == row.session_id), None)


async def intro(ctx: Context, row: Notification) -> Message | None:
    pairing = await _pairing(ctx, row, active=False)
    return await _intro(ctx, row, pairing) if pairing else None


async def checkin(ctx: Context, row: Notification) -> Message | Later | None:
    pairing = await _pairing(ctx, row, active=False)
    return await compose_question(ctx, row, pairing) if pairing else None


async def nudge(ctx: Context, row: Notification) -> Message | None:
    pairing = await _pairing(ctx, row, active=True)
    return await _nudge(ctx, row, pairing) if pairing else None


async def redraw(ctx: Context, row: Notification) -> Message | None:
    """A nudge drawn again in place once the pair booked: who booked and when, then what else
    that message still asks; nothing once the session is off."""
    pairing = await _pairing(ctx, row, active=True)
    session = await _session(ctx, row, pairing) if pairing else None
    if session is None or session.status != SessionStatus.SCHEDULED:
        return None
    if session.starts_at <= ctx.now:
        return None
    me, program = await ctx.person(row.recipient_id), await ctx.program(pairing.program_id)
    by = await ctx.person(session.scheduled_by) if session.scheduled_by else None
    text = prompts.text(
        "nudge.booked",
        first=await booker_name(ctx, pairing, by, me) if by else "",
        when=ctx.rules.when(session.starts_at, me, program),
        minutes=session.minutes,
    )
    sent_as = str(row.payload.get("of", ""))
    message = Message(text, replaces=sent_as)
    if row.status == NotificationStatus.SENT:  # asked for what that message still asks
        return message
    return with_the_rest(message, await still_asked(ctx, me, sent_as))


async def agenda(ctx: Context, row: Notification) -> Message | None:
    pairing = await _pairing(ctx, row, active=True)
    session = await _session(ctx, row, pairing) if pairing else None
    return await _agenda(ctx, row, pairing, session) if session else None


async def check(ctx: Context, row: Notification) -> Message | None:
    pairing = await _pairing(ctx, row, active=True)
    session = await _session(ctx, row, pairing) if pairing else None
    return await _check(ctx, row, pairing, session) if session else None


async def note(ctx: Context, row: Notification) -> Message | None:
    """A note's text as queued, or a recognition worded now; None when there is nothing
    left to say (forget-me empties payloads, a reflection made private is not quoted)."""
    if "recognition" in row.payload:
        audience, followup = row.payload["recognition"], row.payload.get("followup")
        text = await recognition_text(ctx, audience, followup) if followup else None
    else:
        text = row.payload.get("text")
    return Message(text=text) if text else None


async def escalation(ctx: Context, row: Notification) -> Message | None:
    pairing = await ctx.pairing(row.pairing_id)
    if pairing is None or pairing.status != PairingStatus.ACTIVE:
        return None
    sessions = await ctx.sessions(pairing.id)
    program = await ctx.program(pairing.program_id)
    if cadence.upcoming(sessions, ctx.now) is not None:
        return None
    if row.series != cadence.nudge_series(pairing, sessions, program):
        return None  # the pair snoozed or booked since the escalation was planned
    return await note(ctx, row)


async def _intro(ctx: Context, row: Notification, pairing: Pairing) -> Message | None:
    if pairing.status != PairingStatus.PROPOSED:
        return None
    if "with" in row.payload:
        return await _pair_intro(ctx, pairing)
    role = pairing.role_of(row.recipient_id)
    consent = pairing.mentor_consent if role == Role.MENTOR else pairing.mentee_consent
    if consent is not None:
        return None
    program = await ctx.program(pairing.program_id)
    me, other = (
        await ctx.person(row.recipient_id),
        await ctx.person(pairing.other(row.recipient_id)),
    )
    text = prompts.text(
        f"intro.{role}",
        first=me.first_name,
        other=other.first_name,
        program=program.name,
        goal=pairing.goal or "-",
        why=_why(pairing),
    )
    return Message(text=text, buttons=_consent_buttons(pairing))


async def _pair_intro(ctx: Context, pairing: Pairing) -> Message | None:
    """One intro to mentor and mentee together, with Accept / Not for me for each of them."""
    program = await ctx.program(pairing.program_id)
    mentor, mentee = await ctx.person(pairing.mentor_id), await ctx.person(pairing.mentee_id)
    buttons = []
    for person, consent in ((mentee, pairing.mentee_consent), (mentor, pairing.mentor_consent)):
        if consent is None:
            buttons += _consent_buttons(pairing, person.handle)
    if not buttons:
        return None
    text = prompts.text(
        "intro.pair",
        mentee=mentee.first_name,
        mentor=mentor.first_name,
        program=program.name,
        goal=pairing.goal or "-",
        why=_why(pairing),
    )
    return Message(text=text, buttons=tuple(buttons), audience=(mentor.handle,))


def _why(pairing: Pairing) -> str:
    """ "Why you two: ..." as a sentence of its own (with a space after), or nothing."""
    why = " ".join(pairing.why.split())
    if not why:
        return ""
    if why[-1] not in ".!?":
        why += "."
    return prompts.text("intro.why", why=why) + " "


def _consent_buttons(pairing: Pairing, for_person: str = "") -> tuple[Button, ...]:
    value = str(pairing.id)
    return (
        Button(prompts.text("buttons.accept"), "pairing.accept", value, True, for_person),
        Button(prompts.text("buttons.decline"), "pairing.decline", value, False, for_person),
    )


async def _nudge(ctx: Context, row: Notification, pairing: Pairing) -> Message | None:
    sessions = await ctx.sessions(pairing.id)
    program = await ctx.program(pairing.program_id)
    if cadence.upcoming(sessions, ctx.now) is not None:
        return None
    if row.series != cadence.nudge_series(pairing, sessions, program):
        return None  # the pair booked or snoozed since this was planned
    role = pairing.role_of(row.recipient_id)
    step = row.payload.get("step", 1)
    me = await ctx.person(row.recipient_id)
    if role is None:  # the leader's assistant: while they still book for the leader
        assistant = await delegation.assistant_for(ctx, pairing)
        if assistant is None or assistant.id != me.id:
            return None
        leader, other = await ctx.person(pairing.mentee_id), await ctx.person(pairing.mentor_id)
        key = "nudge.assistant_reminder" if step > 1 else "nudge.assistant"
        text = prompts.text(key, leader=leader.first_name, other=other.first_name)
    else:
        other = await ctx.person(pairing.other(row.recipient_id))
        flavour = "reminder" if step > 1 else ("first" if row.payload.get("first") else "next")
        text = prompts.text(f"nudge.{flavour}_{role}", other=other.first_name)
        if role == Role.MENTOR:  # who else may book: the leader's assistant, if any
            text = f"{text} {await delegation.who_else_books(ctx, pairing)}".strip()
    line, buttons = await offers.nudge_offer(ctx, me, pairing, program)
    if role is not None:  # snoozing is the pair's (an assistant books, or leaves it)
        buttons = (
            *buttons,
            Button(prompts.text("buttons.snooze"), "pairing.snooze", str(pairing.id)),
        )
    return Message(text=f"{text} {line}".strip(), buttons=buttons)


async def _agenda(
    ctx: Context, row: Notification, pairing: Pairing, session: Session
) -> Message | None:
    if session.status != SessionStatus.SCHEDULED or session.starts_at <= ctx.now:
        return None
    program = await ctx.program(pairing.program_id)
    me = await ctx.person(row.recipient_id)
    mentor, mentee = await ctx.person(pairing.mentor_id), await ctx.person(pairing.mentee_id)
    other = mentee if me.id == mentor.id else mentor
    followups = await open_followups(ctx, pairing.id)
    lines = [
        prompts.text(
            "prep.header" if me.id == mentor.id else "agenda.header",
            when=ctx.rules.when(session.starts_at, me, program),
            minutes=session.minutes,
            other=other.first_name,
        )
    ]
    if session.topic:
        lines.append(prompts.text("agenda.topic", topic=session.topic))
    goals = (await objectives_of(ctx, [pairing.id]))[pairing.id]
    lines += session_lines(
        program,
        session,
        mentor.first_name,
        mentee.first_name,
        objectives=[o.text for o in goals if o.state != ObjectiveState.DONE and o.text],
        actions=[f.text for f in sorted(followups, key=lambda f: f.id)],
    )
    if goals:
        lines += [prompts.text("objectives.heading"), *objective_lines(goals)]
    if followups:
        lines.append(prompts.text("agenda.open_followups"))
        lines += [f"- {shorten(f.text, QUOTED)}" for f in sorted(followups, key=lambda f: f.id)]
    if me.id == mentor.id:  # the junior mentor's prep: the agenda, and how to come prepared
        first = not any(
            s.status == SessionStatus.HELD and s.starts_at < session.starts_at
            for s in await ctx.sessions(pairing.id)
        )
        lines += prep_lines(program, session.number, mentor.first_name, mentee.first_name, first)
    return Message(text="\n".join(lines))


def prep_lines(program: Program, number: int, mentor: str, mentee: str, first: bool) -> list[str]:
    """What the mentor's prep adds to the agenda: two things to prepare and questions to
    ask (the session's topic guide), how to decline a sensitive topic (when the plan may
    touch one), one tip on saying it upward, and before the pair's first session its
    script."""
    guide = guides.guide_for(program, number)

    def fill(text: str) -> str:
        return text.replace("{mentor}", mentor).replace("{mentee}", mentee)

    lines = [prompts.text("prep.prepare")]
    lines += [f"- {fill(item)}" for item in guide.prepare[: guides.SHOWN]]
    if guide.ask:
        asks = " / ".join(fill(q) for q in guide.ask)
        lines.append(prompts.text("prep.ask", other=mentee, questions=asks))
    if guide.sensitive:
        said = guides.sensitive(program)
        topics, decline = fill(said["topics"]), fill(said["decline"])
        lines.append(prompts.text("prep.sensitive", topics=topics, decline=decline))
    lines.append(prompts.text("prep.upward", tip=fill(guides.upward_tip(number))))
    if first:
        lines.append(prompts.text("prep.script"))
        lines += [f"{n}) {fill(step)}" for n, step in enumerate(guides.script(), start=1)]
    return lines


async def _check(
    ctx: Context, row: Notification, pairing: Pairing, session: Session
) -> Message | None:
    if session.status != SessionStatus.SCHEDULED:
        return None
    program = await ctx.program(pairing.program_id)
    me, other = (
        await ctx.person(row.recipient_id),
        await ctx.person(pairing.other(row.recipient_id)),
    )
    value = str(session.id)
    return Message(
        text=prompts.text(
            "check.question",
            other=other.first_name,
            when=ctx.rules.when(session.starts_at, me, program),
        ),
        buttons=(
            Button(prompts.text("buttons.held"), "session.held", value, primary=True),
            Button(prompts.text("buttons.missed"), "session.missed", value),
            Button(prompts.text("buttons.reschedule"), "session.reschedule", value),
        ),
    )


Composer = Callable[[Context, Notification], Awaitable[Message | Later | None]]
# What each kind says, worded when it is sent (bot.domain.kinds.OUTBOX has the rest of each
# kind's entry). A reminder shares its question's composer, which asks is_reminder(row.kind).
COMPOSERS: dict[Kind, Composer] = {
    Kind.INTRO: intro,
    Kind.NUDGE: nudge,
    Kind.ESCALATION: escalation,
    Kind.AGENDA: agenda,
    Kind.CHECK: check,
    Kind.REFLECT: debrief.compose,
    Kind.REFLECT_REMINDER: debrief.compose,
    Kind.CHECKIN: checkin,
    Kind.CHECKIN_REMINDER: checkin,
    Kind.NOTE: note,
    Kind.DIGEST: compose_digest,
    Kind.INVITE: compose_invite,
    Kind.FOLLOWTHROUGH: compose_ask,
    Kind.FOLLOWTHROUGH_REMINDER: compose_ask,
    Kind.PULSE: pulse.compose,
    Kind.FIT: pulse.compose,
    Kind.DELEGATION: delegation.compose,
    Kind.REDRAW: redraw,
}
