"""Booking sessions (from the form, or a time offered in a nudge with one tap), snoozing,
and recording whether a session happened.

A tapped time is checked again as if it came from anywhere (it did arrive in a button):
the pair is the router's, checked for membership; the time must still fit both people now,
else it is refused with two fresh times and nothing is booked. The first booking wins: once
the pair has a session booked, a second tap (the partner's, another replica's) is told which
one stands."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.calendar.ics import REQUEST
from bot.calendar.invites import cancel_sessions, new_uid, send_invites, session_buttons
from bot.calendar.slots import Slot, read_slot, schedule_form
from bot.context import Context
from bot.domain import prompts
from bot.domain.kinds import Kind, redraw_key, session_key, session_series
from bot.domain.messages import Button, FormErrors, Message
from bot.domain.model import (
    Notification,
    NotificationStatus,
    Pairing,
    PairingStatus,
    Participant,
    Program,
    Session,
    SessionStatus,
)
from bot.domain.ports import SENT_AS
from bot.flows.debrief import debrief
from bot.flows.offers import in_program, pair_offer, read_time, time_buttons
from bot.flows.reflections import PROMISED
from bot.policy import cadence, offers
from bot.policy.hours import zone
from bot.router import Request

log = logging.getLogger(__name__)


async def open_schedule_form(ctx: Context, person: Participant, req: Request) -> Message:
    pairing = req.record
    if pairing.status != PairingStatus.ACTIVE:
        return Message(prompts.text("schedule.not_active"))
    program = await ctx.program(pairing.program_id)
    due = cadence.next_due(await ctx.sessions(pairing.id), program)
    form = schedule_form(ctx, person, pairing, program, due=due)
    other = await ctx.person(pairing.other(req.member(person).id))
    return Message(text=zones_note(ctx, person, other, program), form=form)


def zones_note(ctx: Context, person: Participant, other: Participant, program) -> str:
    """Which clock the booking form's times are on, and the partner's when it differs: their
    time now, and their working day on the reader's clock."""
    mine, theirs = ctx.rules.tz(person, program), ctx.rules.tz(other, program)
    _, their_now = ctx.rules.when_both(ctx.now, person, other, program)
    if not their_now:
        return prompts.text("schedule.pick", timezone=mine)
    hours = ctx.rules.hours(program)
    day = ctx.now.astimezone(zone(theirs)).date()
    opens, closes = hours.span(day, theirs)
    here = zone(mine)
    return prompts.text(
        "schedule.pick_other",
        timezone=mine,
        other=other.first_name,
        other_timezone=theirs,
        their_now=their_now,
        their_day=f"{opens.astimezone(here):%H:%M}-{closes.astimezone(here):%H:%M}",
    )


def booked_reply(
    ctx: Context,
    person: Participant,
    other: Participant,
    program,
    key: str,
    first: Session,
    invite: Message | None,
    for_leader: Participant | None = None,
    **fields,
) -> Message:
    """The answer to a booking or a move: when it is, on both clocks, with the booker's own
    calendar invite in it (and its links), drawn in place of the form. An assistant booking
    `for_leader` is told whose session it is, and that their invite is a copy."""
    when, their_time = ctx.rules.when_both(first.starts_at, person, other, program)
    if for_leader is not None:
        key += "_for"
        fields["leader"] = for_leader.first_name
    theirs = prompts.text("schedule.their_time", time=their_time, other=other.first_name)
    if invite is None:  # an earlier change of this event to them is still on its way
        key += "_later"
    text = prompts.text(
        key,
        when=when,
        their_time=theirs if their_time else "",
        minutes=first.minutes,
        other=other.first_name,
        **fields,
    )
    if invite is None:
        return Message(text, buttons=session_buttons(first), redraw=True)
    return Message(
        text, buttons=invite.buttons, file=invite.file, invite=invite.invite, redraw=True
    )


async def book(ctx: Context, person: Participant, req: Request) -> Message | FormErrors:
    """Book a session (or a series at the program's cadence) from the form's values, or
    say which fields need changing. Each person gets a calendar invite."""
    pairing, values = req.record, req.values
    if pairing.status != PairingStatus.ACTIVE:
        return Message(prompts.text("schedule.not_active"))
    program = await ctx.program(pairing.program_id)
    slot = read_slot(ctx, person, program, values)
    if isinstance(slot, Slot) and not program.allow_outside_hours:
        slot = await in_partners_hours(ctx, person, req.member(person), pairing, program, slot)
    if not isinstance(slot, Slot):
        return FormErrors(slot, schedule_form(ctx, person, pairing, program))
    return await book_slot(ctx, person, pairing, program, slot, req.member(person))


async def in_partners_hours(
    ctx: Context,
    person: Participant,
    member: Participant,
    pairing: Pairing,
    program: Program,
    slot: Slot,
) -> Slot | dict[str, str]:
    """The slot, or why the form cannot take it: a session outside the partner's working
    hours (on their clock), with the two times nearest to it that suit both. An assistant
    booking for the leader (`member`) books in both people's hours."""
    partner = await ctx.person(pairing.other(member.id))
    for other in (partner, member) if member is not person else (partner,):
        said = await _outside_hours(ctx, person, other, pairing, program, slot)
        if said:
            return {"time": said}
    return slot


async def _outside_hours(
    ctx: Context,
    person: Participant,
    other: Participant,
    pairing: Pairing,
    program: Program,
    slot: Slot,
) -> str:
    """Why the slot does not suit `other` (outside their working hours), with the two times
    nearest to it that suit both; "" when it does."""
    hours, tz = ctx.rules.hours(program), ctx.rules.tz(other, program)
    for start in slot.starts:
        if offers.within_hours(hours, tz, start, start + timedelta(minutes=slot.minutes)):
            continue
        pair = await pair_offer(ctx, pairing, program)
        near = in_program(ctx, program, pair, offers.near(pair, start, ctx.now))
        _, their_time = ctx.rules.when_both(start, person, other, program)
        said = prompts.text(
            "schedule.outside_partner",
            other=other.first_name,
            their_time=their_time or f"{start.astimezone(zone(tz)):%H:%M}",  # one clock
            hours=hours.window(),
        )
        if near:
            times = [ctx.rules.when(t, person, program) for t in near]
            said += " " + prompts.text("schedule.outside_near", times=" or ".join(times))
        return said
    return ""


async def book_slot(
    ctx: Context,
    person: Participant,
    pairing: Pairing,
    program: Program,
    slot: Slot,
    member: Participant,
) -> Message:
    """Book what `slot` asks for (from the form, or a time tapped in a nudge): upcoming
    sessions of the pair are replaced, and each person gets a calendar invite. `member` is
    the one of the pair it is booked for (`person`, or the leader their assistant acts for)."""
    sessions = await ctx.tx.find(Session, pairing_id=pairing.id)
    round_of_nudges = cadence.nudge_series(pairing, sessions, program)
    for old in sessions:
        same = old.starts_at == slot.starts[0] and old.minutes == slot.minutes
        if same and old.status == SessionStatus.SCHEDULED:  # the same form sent twice
            when = ctx.rules.when(slot.starts[0], person, program)
            return Message(prompts.text("schedule.already", when=when, minutes=slot.minutes))
    replaced = [
        old for old in sessions if old.status == SessionStatus.SCHEDULED and old.starts_at > ctx.now
    ]
    if replaced:
        await cancel_sessions(ctx, pairing, replaced, person, "replaced")
    booked = await add_sessions(ctx, pairing, person, sessions, slot, uid=new_uid())
    if pairing.escalated_at is not None:
        pairing.escalated_at = None
        await ctx.tx.save(pairing, fields=("escalated_at",))
    await ctx.outbox.replan(pairing)
    await _redraw_nudges(ctx, pairing, person, round_of_nudges, booked[0])
    invite = await send_invites(ctx, pairing, program, REQUEST, booked, "booked", person)
    other = await ctx.person(pairing.other(member.id))
    leader = member if member is not person else None
    log.info("session booked pairing=%s sessions=%s", pairing.id, [s.id for s in booked])
    if len(booked) > 1:
        return booked_reply(
            ctx,
            person,
            other,
            program,
            "schedule.booked_series",
            booked[0],
            invite,
            leader,
            count=len(booked),
            days=program.cadence_days,
        )
    return booked_reply(ctx, person, other, program, "schedule.booked", booked[0], invite, leader)


async def _redraw_nudges(
    ctx: Context, pairing: Pairing, booker: Participant, series: str, booked: Session
) -> None:
    """The round's nudges the others were sent (their times now gone) are drawn again in
    place, saying who booked and when (bot.sending.compose.redraw), at once: an update pings
    nobody. The booker's own is their answer already."""
    rows = await ctx.tx.find(
        Notification,
        pairing_id=pairing.id,
        kind=Kind.NUDGE,
        series=series,
        status=NotificationStatus.SENT,
    )
    for row in rows:
        if row.recipient_id == booker.id or not row.payload.get(SENT_AS):
            continue
        await ctx.outbox.notify(
            Kind.REDRAW,
            await ctx.person(row.recipient_id),
            ctx.now,
            redraw_key(row.id),
            pairing_id=pairing.id,
            session_id=booked.id,
            payload={"of": row.payload[SENT_AS]},
        )


async def book_at(ctx: Context, person: Participant, req: Request) -> Message:
    """A tap on an offered time: book it, or say why not (with two times that do fit)."""
    pairing = req.record
    if pairing.status != PairingStatus.ACTIVE:
        return Message(prompts.text("schedule.not_active"))
    program = await ctx.program(pairing.program_id)
    start = read_time(req.rest)
    upcoming = cadence.upcoming(await ctx.sessions(pairing.id), ctx.now)
    if upcoming is not None:  # booked since the nudge: the first booking stands
        when = ctx.rules.when(upcoming.starts_at, person, program)
        if upcoming.starts_at == start:
            return Message(prompts.text("schedule.already", when=when, minutes=upcoming.minutes))
        booker = await ctx.person(upcoming.scheduled_by) if upcoming.scheduled_by else None
        first = booker.first_name if booker and booker.id != person.id else ""
        key = "schedule.taken_by" if first else "schedule.taken"
        return Message(prompts.text(key, when=when, minutes=upcoming.minutes, first=first))
    pair = await pair_offer(ctx, pairing, program)
    why = _why_not(ctx, program, pair, start)
    if why:
        near = offers.near(pair, start if why != "bad" else ctx.now, ctx.now)
        fresh = in_program(ctx, program, pair, near)
        key = f"schedule.offer_{why}" if fresh else "schedule.offer_none"
        buttons = time_buttons(ctx, person, pairing, program, fresh)
        return Message(prompts.text(key), buttons=buttons)
    slot = Slot((start,), program.session_minutes, "", "", ctx.rules.tz(person, program))
    return await book_slot(ctx, person, pairing, program, slot, req.member(person))


def _why_not(ctx: Context, program: Program, pair: offers.Pair, start: datetime | None) -> str:
    """Why a tapped time cannot be booked now ("" when it can): "past", "hours", "busy", or
    "bad" for one never offered (unreadable, off the half hour, after the program or beyond
    the booking horizon); bounds first, so no value reaches date arithmetic it breaks."""
    if start is None or start - ctx.now > ctx.config.booking_horizon:
        return "bad"
    if start <= ctx.now:
        return "past"
    if start != offers.step_up(start) or not in_program(ctx, program, pair, [start]):
        return "bad"
    return offers.fits(pair, start, ctx.now)


async def add_sessions(
    ctx: Context,
    pairing: Pairing,
    person: Participant,
    sessions: list[Session],
    slot: Slot,
    uid: str,
    sequence: int = 0,
    recurrence_id: datetime | None = None,
    tzid: str = "",
) -> list[Session]:
    """Store the slot's sessions under calendar `uid` (a series when it has several starts;
    `recurrence_id` when one occurrence of a series is moved)."""
    series = len(slot.starts) > 1
    program = await ctx.program(pairing.program_id)
    ctx.sessions_changed(pairing.id)  # what this unit of work read of them is out of date
    booked = []
    for start in slot.starts:
        # Which meeting of the pair this is (agendas follow it, none twice): earlier ones
        # that took place, may have, or were planned and missed (their plan was sent).
        counted = (SessionStatus.HELD, SessionStatus.SCHEDULED, SessionStatus.MISSED)
        earlier = sum(
            1 for s in [*sessions, *booked] if s.status in counted and s.starts_at < start
        )
        booked.append(
            await ctx.tx.add(
                Session(
                    pairing_id=pairing.id,
                    starts_at=start,
                    minutes=slot.minutes,
                    number=earlier + 1,
                    topic=slot.topic,
                    scheduled_by=person.id,
                    created_at=ctx.now,
                    uid=uid,
                    sequence=sequence,
                    location=slot.where,
                    tzid=tzid or slot.tzid,
                    recurrence_id=start if series else recurrence_id,
                    repeat_days=program.cadence_days if series else 0,
                    repeat_count=len(slot.starts) if series else 0,
                )
            )
        )
    return booked


async def snooze(ctx: Context, person: Participant, req: Request) -> Message:
    """Put the nudges off for a week (a new round of nudges starts after it)."""
    pairing = req.record
    if pairing.status != PairingStatus.ACTIVE:
        return Message(prompts.text("schedule.not_active"))
    pairing.snoozed_until = ctx.now + ctx.config.snooze
    pairing.escalated_at = None  # snoozing is an answer
    pairing.plan_at = None  # a new round of nudges after the snooze
    await ctx.tx.save(pairing)
    program = await ctx.program(pairing.program_id)
    back = ctx.rules.deliverable(pairing.snoozed_until, person, program)
    local = back.astimezone(zone(ctx.rules.tz(person, program)))
    return Message(prompts.text("nudge.snoozed", day=f"{local:%A} {local.day} {local:%B}"))


async def record_outcome(ctx: Context, person: Participant, req: Request) -> Message:
    """Held, missed or reschedule: the first answer counts, later ones are told it is done."""
    pairing, session = req.pairing, req.record
    outcome = req.name.removeprefix("session.")  # held, missed or reschedule
    if session.status == SessionStatus.CANCELLED and outcome == "reschedule":
        program = await ctx.program(pairing.program_id)  # asked again: the form again
        form = schedule_form(ctx, person, pairing, program, session.minutes)
        return Message(prompts.text("check.reschedule"), form=form)
    if session.status != SessionStatus.SCHEDULED:
        already = prompts.text("check.already", status=session.status)
        if session.status == SessionStatus.HELD:  # a late tap: the card, not a dead end
            return await debrief(ctx, person, pairing, session, said=already) or Message(already)
        return Message(already)
    session.outcome_at, session.outcome_by = ctx.now, person.id
    program = await ctx.program(pairing.program_id)
    await ctx.outbox.replan(pairing)
    if outcome == "held":
        session.status = SessionStatus.HELD
        await ctx.tx.save(session)
        await _ask_for_reflections(ctx, pairing, session, person)
        return await debrief(ctx, person, pairing, session) or Message(prompts.text("check.held"))
    if outcome == "missed":
        session.status = SessionStatus.MISSED
        await ctx.tx.save(session)
        button = Button(prompts.text("buttons.schedule"), "session.schedule", str(pairing.id), True)
        return Message(prompts.text("check.missed"), buttons=(button,))
    session.status = SessionStatus.CANCELLED
    await ctx.tx.save(session)
    form = schedule_form(ctx, person, pairing, program, session.minutes)
    return Message(prompts.text("check.reschedule"), form=form)


async def _ask_for_reflections(
    ctx: Context, pairing: Pairing, session: Session, answered_by: Participant
) -> None:
    """One card to each: the one who said it happened sees theirs as the answer to that
    click; the partner gets theirs as a message in their working hours."""
    program = await ctx.program(pairing.program_id)
    for person_id in (pairing.mentee_id, pairing.mentor_id):
        person = await ctx.person(person_id)
        key = session_key(Kind.REFLECT, session.id, person_id)
        ids = {
            "series": session_series(session.id),
            "pairing_id": pairing.id,
            "session_id": session.id,
            # Who they are told will read it stays with the question (never widened later).
            "payload": {PROMISED: program.reflection_visibility},
        }
        if person_id == answered_by.id:
            await ctx.outbox.shown_in_reply(Kind.REFLECT, person, key, **ids)
        elif not person.forgotten_at:
            due = ctx.rules.deliverable(ctx.now, person, program)
            await ctx.outbox.notify(Kind.REFLECT, person, due, key, **ids)
