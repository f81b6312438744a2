"""Booking sessions, snoozing, and recording whether a session happened."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time

from bot import copy
from bot.context import Context
from bot.hours import zone
from bot.messages import Button, Choice, Field, Form, FormErrors, Message
from bot.model import (
    SESSION_MINUTES_MAX,
    SESSION_MINUTES_MIN,
    SESSION_MINUTES_OFFERED,
    Pairing,
    PairingStatus,
    Participant,
    Program,
    Session,
    SessionStatus,
)

log = logging.getLogger(__name__)
MAX_TOPIC = 200  # characters (the sessions.topic column)


def schedule_form(
    ctx: Context, person: Participant, pairing: Pairing, program: Program, minutes: int = 0
) -> Form:
    """The booking form: date, start time in the person's timezone, 30/45/60, optional topic."""
    minutes = minutes or program.session_minutes
    return Form(
        id="session.schedule",
        title=copy.text("schedule.form_title"),
        value=str(pairing.id),
        submit_label=copy.text("schedule.submit"),
        fields=(
            Field("date", copy.text("schedule.date"), kind="date"),
            Field(
                "time", copy.text("schedule.time", timezone=ctx.tz(person, program)), kind="time"
            ),
            Field(
                "minutes",
                copy.text("schedule.minutes"),
                kind="choice",
                choices=tuple(
                    Choice(str(m), copy.text("schedule.minutes_choice", minutes=m))
                    for m in SESSION_MINUTES_OFFERED
                ),
                initial=str(minutes if minutes in SESSION_MINUTES_OFFERED else 45),
            ),
            Field("topic", copy.text("schedule.topic"), optional=True, limit=MAX_TOPIC),
        ),
    )


async def open_schedule_form(ctx: Context, person: Participant, pairing: Pairing) -> Message:
    if pairing.role_of(person.id) is None:
        return Message(copy.text("general.not_yours"))
    if pairing.status != PairingStatus.ACTIVE:
        return Message(copy.text("schedule.not_active"))
    program = await ctx.program(pairing.program_id)
    form = schedule_form(ctx, person, pairing, program)
    return Message(text=copy.text("schedule.pick"), form=form)


async def book(
    ctx: Context, person: Participant, pairing: Pairing, values: dict[str, str]
) -> Message | FormErrors:
    """Book a session from the form's values, or say which fields need changing."""
    if pairing.role_of(person.id) is None:
        return Message(copy.text("general.not_yours"))
    if pairing.status != PairingStatus.ACTIVE:
        return Message(copy.text("schedule.not_active"))
    program = await ctx.program(pairing.program_id)
    tz = ctx.tz(person, program)
    errors: dict[str, str] = {}
    day = _parse(values.get("date", ""), date.fromisoformat)
    at = _parse(values.get("time", ""), _clock_time)
    minutes = _parse(values.get("minutes", ""), int)
    topic = " ".join(values.get("topic", "").split())
    if len(topic) > MAX_TOPIC:
        errors["topic"] = copy.text("schedule.long_topic", limit=MAX_TOPIC, length=len(topic))
    if day is None:
        errors["date"] = copy.text("schedule.bad_date")
    if at is None:
        errors["time"] = copy.text("schedule.bad_time")
    if minutes is None or not SESSION_MINUTES_MIN <= minutes <= SESSION_MINUTES_MAX:
        errors["minutes"] = copy.text("schedule.bad_minutes")
    starts_at = None
    if day is not None and at is not None:
        starts_at = datetime.combine(day, at.replace(tzinfo=None), tzinfo=zone(tz))
        if starts_at <= ctx.now:
            errors["date"] = copy.text("schedule.past")
        elif program.ends_on and day > program.ends_on:
            errors["date"] = copy.text("schedule.after_program", day=program.ends_on.isoformat())
        elif starts_at - ctx.now > ctx.config.booking_horizon:
            errors["date"] = copy.text("schedule.too_far")
        elif not _exists(starts_at):
            errors["time"] = copy.text("schedule.clock_change")
    if errors or starts_at is None or minutes is None:
        return FormErrors(errors, schedule_form(ctx, person, pairing, program))
    sessions = await ctx.tx.find(Session, pairing_id=pairing.id)
    for old in sessions:
        same = old.starts_at == starts_at and old.minutes == minutes
        if same and old.status == SessionStatus.SCHEDULED:  # the same form sent twice
            when = ctx.when(starts_at, person, program)
            return Message(copy.text("schedule.already", when=when, minutes=minutes))
    for old in sessions:
        if old.status == SessionStatus.SCHEDULED and old.starts_at > ctx.now:
            old.status, old.outcome_at, old.outcome_by = SessionStatus.CANCELLED, ctx.now, person.id
            await ctx.tx.save(old)
    # Which meeting of the pair this is (agendas rotate by it): earlier ones that took place or
    # may have, whether or not anyone has said so yet.
    earlier = sum(
        1
        for s in sessions
        if s.status in (SessionStatus.HELD, SessionStatus.SCHEDULED) and s.starts_at < starts_at
    )
    session = await ctx.tx.add(
        Session(
            pairing_id=pairing.id,
            starts_at=starts_at,
            minutes=minutes,
            number=earlier + 1,
            topic=topic,
            scheduled_by=person.id,
            created_at=ctx.now,
        )
    )
    if pairing.escalated_at is not None:
        pairing.escalated_at = None
        await ctx.tx.save(pairing, fields=("escalated_at",))
    await ctx.replan(pairing)
    other = await ctx.person(pairing.other(person.id))
    await ctx.note(
        other,
        f"session:{session.id}:booked:{other.id}",
        copy.text(
            "schedule.booked_other",
            first=person.first_name,
            when=ctx.when(starts_at, other, program),
            minutes=minutes,
        ),
        program,
        pairing_id=pairing.id,
        session_id=session.id,
    )
    log.info("session booked pairing=%s session=%s", pairing.id, session.id)
    return Message(
        copy.text(
            "schedule.booked",
            when=ctx.when(starts_at, person, program),
            minutes=minutes,
            other=other.first_name,
        )
    )


async def snooze(ctx: Context, person: Participant, pairing: Pairing) -> Message:
    """Put the nudges off for a week (a new round of nudges starts after it)."""
    if pairing.role_of(person.id) is None:
        return Message(copy.text("general.not_yours"))
    if pairing.status != PairingStatus.ACTIVE:
        return Message(copy.text("schedule.not_active"))
    pairing.snoozed_until = ctx.now + ctx.config.snooze
    pairing.escalated_at = None  # snoozing is an answer
    pairing.plan_at = None  # a new round of nudges after the snooze
    await ctx.tx.save(pairing)
    program = await ctx.program(pairing.program_id)
    back = ctx.deliverable(pairing.snoozed_until, person, program)
    local = back.astimezone(zone(ctx.tz(person, program)))
    return Message(copy.text("nudge.snoozed", day=f"{local:%A} {local.day} {local:%B}"))


async def record_outcome(
    ctx: Context, person: Participant, pairing: Pairing, session: Session, outcome: str
) -> Message:
    """Held, missed or reschedule: the first answer counts, later ones are told it is done."""
    if pairing.role_of(person.id) is None:
        return Message(copy.text("general.not_yours"))
    if session.status == SessionStatus.CANCELLED and outcome == "reschedule":
        program = await ctx.program(pairing.program_id)  # asked again: the form again
        form = schedule_form(ctx, person, pairing, program, session.minutes)
        return Message(copy.text("check.reschedule"), form=form)
    if session.status != SessionStatus.SCHEDULED:
        return Message(copy.text("check.already", status=session.status))
    session.outcome_at, session.outcome_by = ctx.now, person.id
    program = await ctx.program(pairing.program_id)
    await ctx.replan(pairing)
    if outcome == "held":
        session.status = SessionStatus.HELD
        await ctx.tx.save(session)
        await _ask_for_reflections(ctx, pairing, session)
        return Message(copy.text("check.held"))
    if outcome == "missed":
        session.status = SessionStatus.MISSED
        await ctx.tx.save(session)
        button = Button(copy.text("buttons.schedule"), "session.schedule", str(pairing.id), True)
        return Message(copy.text("check.missed"), buttons=(button,))
    session.status = SessionStatus.CANCELLED
    await ctx.tx.save(session)
    form = schedule_form(ctx, person, pairing, program, session.minutes)
    return Message(copy.text("check.reschedule"), form=form)


async def _ask_for_reflections(ctx: Context, pairing: Pairing, session: Session) -> None:
    program = await ctx.program(pairing.program_id)
    for person_id in (pairing.mentee_id, pairing.mentor_id):
        person = await ctx.person(person_id)
        await ctx.notify(
            "reflect",
            person,
            ctx.deliverable(ctx.now, person, program),
            f"session:{session.id}:reflect:{person_id}",
            series=f"session:{session.id}",
            pairing_id=pairing.id,
            session_id=session.id,
        )


def _parse(text: str, parse):
    try:
        return parse(text.strip())
    except (ValueError, TypeError, AttributeError):
        return None


def _clock_time(text: str) -> time:
    """Read 9:30, 09:30 or 09:30:00 as a time of day."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
        raise ValueError(text)
    return time(*(int(p) for p in parts))


def _exists(local: datetime) -> bool:
    """False for a wall-clock time the clocks skip (e.g. 02:30 on a spring-forward night)."""
    return local.astimezone(UTC).astimezone(local.tzinfo).replace(tzinfo=None) == local.replace(
        tzinfo=None
    )
