"""Moving and cancelling a booked session from its Reschedule and Cancel buttons; either
person of the pair may, and the leader's assistant (bot/flows/delegation.py). A move
keeps the session's calendar uid (a higher sequence tells calendars it changed); a
cancellation sends a calendar cancellation."""

from __future__ import annotations

import logging

from bot.calendar.ics import REQUEST
from bot.calendar.invites import cancel_sessions, next_sequence, send_invites
from bot.calendar.slots import Slot, read_slot, schedule_form
from bot.context import Context
from bot.domain import prompts
from bot.domain.messages import Button, FormErrors, Message
from bot.domain.model import Pairing, PairingStatus, Participant, Session, SessionStatus
from bot.flows.sessions import add_sessions, booked_reply, in_partners_hours
from bot.router import Request

log = logging.getLogger(__name__)


def _movable(ctx: Context, session: Session, pairing: Pairing) -> Pairing | Message:
    """The session's pairing (locked, one of the pair acting: the router checked) when the
    session may change now."""
    if pairing.status != PairingStatus.ACTIVE:
        return Message(prompts.text("schedule.not_active"))
    if session.status != SessionStatus.SCHEDULED:
        return Message(prompts.text("schedule.not_booked", status=session.status))
    if session.starts_at <= ctx.now:
        return Message(prompts.text("schedule.started"))
    return pairing


async def open_move_form(ctx: Context, person: Participant, req: Request) -> Message:
    session = req.record
    pairing = _movable(ctx, session, req.pairing)
    if isinstance(pairing, Message):
        return pairing
    program = await ctx.program(pairing.program_id)
    when = ctx.rules.when(session.starts_at, person, program)
    form = schedule_form(ctx, person, pairing, program, moving=session)
    return Message(prompts.text("schedule.move_pick", when=when), form=form)


async def move(ctx: Context, person: Participant, req: Request) -> Message | FormErrors:
    """Move a session to the time the form gives: the old one is cancelled and a new one
    booked under the same calendar uid, and both people get the updated invite."""
    session, values = req.record, req.values
    pairing = _movable(ctx, session, req.pairing)
    if isinstance(pairing, Message):
        return pairing
    program = await ctx.program(pairing.program_id)
    slot = read_slot(ctx, person, program, values, count=1)
    if isinstance(slot, Slot) and not program.allow_outside_hours:
        slot = await in_partners_hours(ctx, person, req.member(person), pairing, program, slot)
    if not isinstance(slot, Slot):
        return FormErrors(slot, schedule_form(ctx, person, pairing, program, moving=session))
    same = (slot.starts[0], slot.minutes, slot.topic, slot.where)
    if same == (session.starts_at, session.minutes, session.topic, session.location):
        when = ctx.rules.when(session.starts_at, person, program)
        return Message(prompts.text("schedule.already", when=when, minutes=session.minutes))
    sequence = await next_sequence(ctx, session.uid)
    session.status, session.outcome_at, session.outcome_by = (
        SessionStatus.CANCELLED,
        ctx.now,
        person.id,
    )
    await ctx.tx.save(session, fields=("status", "outcome_at", "outcome_by"))
    others = [s for s in await ctx.tx.find(Session, pairing_id=pairing.id) if s.id != session.id]
    [moved] = await add_sessions(
        ctx,
        pairing,
        person,
        others,
        slot,
        uid=session.uid,
        sequence=sequence,
        recurrence_id=session.recurrence_id,
        tzid=session.tzid,
    )
    await ctx.outbox.replan(pairing)
    invite = await send_invites(ctx, pairing, program, REQUEST, [moved], "moved", person)
    log.info("session moved pairing=%s from=%s to=%s", pairing.id, session.id, moved.id)
    other = await ctx.person(pairing.other(req.member(person).id))
    leader = req.acting_for
    return booked_reply(ctx, person, other, program, "schedule.moved", moved, invite, leader)


async def cancel(ctx: Context, person: Participant, req: Request) -> Message:
    """Cancel a booked session; both get a calendar cancellation (the partner with a note
    saying who cancelled it), and the pair a Schedule button to pick a new time."""
    session = req.record
    pairing = _movable(ctx, session, req.pairing)
    if isinstance(pairing, Message):
        return pairing
    program = await ctx.program(pairing.program_id)
    when = ctx.rules.when(session.starts_at, person, program)
    await cancel_sessions(ctx, pairing, [session], person, "cancelled")
    await ctx.outbox.replan(pairing)
    log.info("session cancelled pairing=%s session=%s", pairing.id, session.id)
    other = await ctx.person(pairing.other(req.member(person).id))
    button = Button(prompts.text("buttons.schedule"), "session.schedule", str(pairing.id), True)
    if req.acting_for is not None:
        leader = req.acting_for.first_name
        text = prompts.text(
            "schedule.cancelled_for", when=when, other=other.first_name, leader=leader
        )
    else:
        text = prompts.text("schedule.cancelled", when=when, other=other.first_name)
    return Message(text, buttons=(button,))
