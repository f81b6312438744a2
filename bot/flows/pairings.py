"""Programs and pairings: creating them, and the consent of both people."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import UTC, date, datetime, time

from bot.context import Context
from bot.domain import prompts
from bot.domain.ids import parse_handle
from bot.domain.kinds import Kind, Note, checkin_key, intro_key, note_key, nudge_key, owner_note_key
from bot.domain.messages import Ask, Message, Refused
from bot.domain.model import (
    Notification,
    NotificationStatus,
    Pairing,
    PairingStatus,
    Participant,
    Program,
    Recognition,
    Role,
    Stage,
    Visibility,
)
from bot.flows import offers
from bot.flows.checkins import ask, compose_question
from bot.flows.delegation import assistant_for, who_else_books
from bot.flows.objectives import add_objectives, edit_button, objectives_of, split_goal
from bot.flows.people import person_by_handle
from bot.policy import cadence
from bot.policy.hours import WorkingHours, zone
from bot.router import Request

log = logging.getLogger(__name__)

OPEN_STATUSES = (PairingStatus.PROPOSED, PairingStatus.ACTIVE, PairingStatus.PAUSED)
# The days after a reflection that its "will do" lines are asked about (the least, the most).
FOLLOWUP_DAYS = (7, 90)


_PROGRAM_ARG = re.compile(r"""\bprogram=(?:"([^"]+)"|'([^']+)'|(\S+))""", re.IGNORECASE)


def program_arg(args: str) -> tuple[str | None, str]:
    """Split `program=NAME` (quoted when it has spaces) off a command's arguments."""
    match = _PROGRAM_ARG.search(args)
    if not match:
        return None, args
    name = next((g for g in match.groups() if g), None)
    return name, args[: match.start()] + args[match.end() :]


async def pick_program(
    ctx: Context, name: str | None, programs: list[Program] | None = None
) -> Program:
    """The program called `name` (any case), or the only one there is; Refused otherwise,
    naming the programs to choose from."""
    if programs is None:
        programs = await ctx.tx.find(Program)
    programs = sorted(programs, key=lambda p: p.name.lower())
    names = ", ".join(p.name for p in programs)
    if name:
        for program in programs:
            if program.name.lower() == name.strip().lower():
                return program
        raise Refused(
            prompts.text("commands.unknown_program", program=name, programs=names or "none")
        )
    if not programs:
        raise Refused(prompts.text("commands.no_program"))
    if len(programs) > 1:
        raise Refused(prompts.text("commands.which_program", programs=names))
    return programs[0]


async def create_program(
    ctx: Context,
    name: str,
    *,
    objective: str = "digital skills",
    cadence_days: int = 14,
    session_minutes: int = 45,
    owners: list[str] | None = None,
    timezone: str | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
    reflection_visibility: str = Visibility.PROGRAM,
    working_hours: str | None = None,
    recognition: str = Recognition.MENTOR,
    followup_days: int = 30,
    allow_outside_hours: bool = False,
) -> Program:
    """Create a program; raises Refused when the name is taken or a value is out of range."""
    name = " ".join(name.split())
    if not name:
        raise Refused(prompts.text("commands.program_usage"))
    if any(p.name.lower() == name.lower() for p in await ctx.tx.find(Program)):
        raise Refused(prompts.text("commands.program_exists", program=name))
    try:
        owners = [f"{p}:{u}" for p, u in map(parse_handle, owners or [])]
    except ValueError as exc:
        raise Refused(str(exc)) from None
    program = Program(
        name=name,
        objective=objective,
        cadence_days=cadence_days,
        session_minutes=session_minutes,
        owners=owners or sorted(ctx.config.owners),
        timezone=timezone or ctx.config.timezone,
        starts_on=starts_on or ctx.now.date(),
        ends_on=ends_on,
        reflection_visibility=reflection_visibility,
        working_hours=working_hours,
        recognition=recognition,
        created_at=ctx.now,
        followup_days=followup_days,
        allow_outside_hours=allow_outside_hours,
    )
    _check(program)
    return await ctx.tx.add(program)


async def update_program(ctx: Context, program: Program, values: dict) -> Program:
    """Change settings of a program (the same names and checks as create_program)."""
    changed = replace(program, **values)
    _check(changed)
    await ctx.tx.save(changed, fields=tuple(sorted(values)))
    return changed


def _check(program: Program) -> None:
    """Refuse a program whose settings are out of range, saying what is allowed."""
    if len(program.name) > 200 or len(program.objective) > 200:
        raise Refused("Program names and objectives are at most 200 characters.")
    if not 1 <= program.cadence_days <= 90:
        raise Refused(prompts.text("commands.bad_cadence"))
    if not 30 <= program.session_minutes <= 60:
        raise Refused(prompts.text("schedule.bad_minutes"))
    if program.reflection_visibility not in set(Visibility):
        raise Refused(prompts.text("commands.bad_visibility"))
    if program.recognition not in set(Recognition):
        raise Refused(prompts.text("commands.bad_recognition"))
    if not FOLLOWUP_DAYS[0] <= program.followup_days <= FOLLOWUP_DAYS[1]:
        raise Refused(prompts.text("commands.bad_followup"))
    try:
        zone(program.timezone)
        if program.working_hours:
            WorkingHours.parse(program.working_hours)
    except ValueError as exc:  # InvalidWorkingHours is a ValueError too
        raise Refused(str(exc)) from None
    if program.ends_on and program.starts_on and program.ends_on < program.starts_on:
        raise Refused(
            f"The program ends ({program.ends_on}) before it starts ({program.starts_on})."
        )


async def propose_pairing(
    ctx: Context,
    program: Program,
    mentor: Participant,
    mentee: Participant,
    goal: str,
    why: str = "",
    by: Participant | None = None,
) -> Pairing:
    """Propose a pairing and queue an intro with Accept / Not for me to both people: one
    shared message where the platform has group chats, else one each. `by` is the owner
    proposing it, who wrote any objectives at the end of `goal`."""
    if mentor.id == mentee.id:
        raise Refused(prompts.text("commands.pair_same"))
    goal, objectives = split_goal(goal)
    existing = await ctx.tx.find(
        Pairing,
        program_id=program.id,
        mentor_id=mentor.id,
        mentee_id=mentee.id,
        status=list(OPEN_STATUSES),
    )
    if existing:
        raise Refused(
            prompts.text(
                "commands.pair_exists",
                mentor=mentor.display_name or mentor.user_id,
                mentee=mentee.display_name or mentee.user_id,
                program=program.name,
            )
        )
    pairing = await ctx.tx.add(
        Pairing(
            program_id=program.id,
            mentor_id=mentor.id,
            mentee_id=mentee.id,
            goal=goal.strip(),
            why=why.strip(),
            created_at=ctx.now,
        )
    )
    await add_objectives(ctx, pairing, objectives, by)
    if _together(ctx, mentor, mentee):
        due = max(ctx.rules.deliverable(ctx.now, p, program) for p in (mentee, mentor))
        await ctx.outbox.notify(
            Kind.INTRO,
            mentee,
            due,
            intro_key(pairing.id, None),
            pairing_id=pairing.id,
            payload={"with": mentor.id},
        )
    else:
        for person in (mentee, mentor):
            await ctx.outbox.notify(
                Kind.INTRO,
                person,
                ctx.rules.deliverable(ctx.now, person, program),
                intro_key(pairing.id, person.id),
                pairing_id=pairing.id,
            )
    log.info("pairing proposed pairing=%s program=%s", pairing.id, program.name)
    return pairing


def _together(ctx: Context, mentor: Participant, mentee: Participant) -> bool:
    return (
        mentor.platform == mentee.platform
        and mentor.workspace == mentee.workspace
        and mentor.platform in ctx.config.group_platforms
    )


async def answer_consent(ctx: Context, person: Participant, req: Request) -> Message:
    """Record one person's yes or no (one of the pair: the router checked); both yeses make
    the pairing active."""
    pairing, accept = req.record, req.name == "pairing.accept"
    role = pairing.role_of(person.id)
    program = await ctx.program(pairing.program_id)
    other = await ctx.person(pairing.other(person.id))
    if pairing.status == PairingStatus.ACTIVE:
        return Message(prompts.text("consent.active"))
    if pairing.status != PairingStatus.PROPOSED:
        return Message(prompts.text("consent.declined"))
    if role == Role.MENTOR:
        pairing.mentor_consent = accept
    else:
        pairing.mentee_consent = accept
    if not accept:
        pairing.status = PairingStatus.DECLINED
        pairing.declined_by = person.id
        await ctx.tx.save(pairing)
        await _tell_about_decline(ctx, program, pairing, person, other)
        return Message(prompts.text("consent.declined"))
    if pairing.mentor_consent and pairing.mentee_consent:
        pairing.status = PairingStatus.ACTIVE
        pairing.activated_at = ctx.now
        pairing.plan_at = None  # the first nudge is planned at the next tick
        await ctx.tx.save(pairing)
        first_day = datetime.combine(program.starts_on or ctx.now.date(), time(), UTC)
        await ask(ctx, pairing, program, Stage.EXPECTATIONS, max(ctx.now, first_day))
        log.info("pairing active pairing=%s program=%s", pairing.id, program.name)
        return await _active(ctx, person, pairing, program)
    await ctx.tx.save(pairing)
    return Message(prompts.text("consent.waiting", first=person.first_name, other=other.first_name))


async def _active(ctx: Context, person: Participant, pairing: Pairing, program: Program) -> Message:
    """Both said yes: the next step, booking, right here (this is the person's first nudge
    to book, so no other comes), and objectives to propose or check."""
    found = (await objectives_of(ctx, [pairing.id]))[pairing.id]
    buttons = [edit_button(found, pairing.id)]
    text = prompts.text("consent.active")
    if await first_nudge_in_reply(ctx, person, pairing, program):
        await _nudge_the_leader_now(ctx, person, pairing, program)
        line, offered = await offers.nudge_offer(ctx, person, pairing, program)
        text = f"{prompts.text('consent.active_book')} {line}" if line else ""
        text = text or prompts.text("consent.active_book_form")
        if person.id == pairing.mentor_id:  # who else may book: the leader's assistant
            text = f"{text} {await who_else_books(ctx, pairing)}".strip()
        buttons = [*offered, *buttons]
    if not found:
        text += " " + prompts.text("objectives.suggest")
    asks = await checkin_in_reply(ctx, person, pairing)
    return Message(text, buttons=tuple(buttons), asks=asks)


async def checkin_in_reply(ctx: Context, person: Participant, pairing: Pairing) -> tuple[Ask, ...]:
    """The expectations check-in for `person`, asked in this answer when it may go now (the
    program has begun): its row is recorded as sent, so it does not come again later."""
    key = checkin_key(pairing.id, Stage.EXPECTATIONS, person.id)
    rows = await ctx.tx.find(Notification, key=key, status=NotificationStatus.PENDING)
    rides_from = rows[0].payload.get("rides_from") if rows else None
    if not rows or not rides_from or datetime.fromisoformat(rides_from) > ctx.now:
        return ()
    question = await compose_question(ctx, rows[0], pairing)
    if not isinstance(question, Message):
        return ()
    row = rows[0]
    row.status, row.sent_at = NotificationStatus.SENT, ctx.now
    await ctx.tx.save(row, fields=("status", "sent_at"))
    return (Ask(question.text, question.buttons),)


async def first_nudge_in_reply(
    ctx: Context, person: Participant, pairing: Pairing, program: Program
) -> bool:
    """The pair has just become active and `person` completed it: they get the first nudge
    to book in that answer (recorded as sent, so that its reminder counts from now), and the
    planner nudges only the other. False when the program has not started yet (its first
    day brings the nudges)."""
    if program.starts_on and ctx.now.date() < program.starts_on:
        return False
    key, ids = _first_nudge(pairing, program, person)
    return await ctx.outbox.shown_in_reply(Kind.NUDGE, person, key, **ids)


async def _nudge_the_leader_now(
    ctx: Context, person: Participant, pairing: Pairing, program: Program
) -> None:
    """The mentor's Accept completed the pair (their nudge is their answer): the leader's
    first nudge (and their assistant's) is queued now, as the planner would queue it at the
    next tick, so it goes out within seconds (in the leader's working hours); the planner
    then finds it queued."""
    if person.id != pairing.mentor_id:
        return  # the leader completed it: the mentor's nudge waits a day, as planned
    leader = await ctx.person(pairing.mentee_id)
    assistant = await assistant_for(ctx, pairing)
    for nudged in (leader, assistant) if assistant else (leader,):
        key, ids = _first_nudge(pairing, program, nudged)
        due = ctx.rules.deliverable(ctx.now, nudged, program)
        await ctx.outbox.notify(Kind.NUDGE, nudged, due, key, **ids)


def _first_nudge(pairing: Pairing, program: Program, person: Participant) -> tuple[str, dict]:
    """The key and ids of `person`'s first nudge to book, as the planner writes them."""
    series = cadence.nudge_series(pairing, [], program)
    ids = {"series": series, "pairing_id": pairing.id, "payload": {"step": 1, "first": True}}
    return nudge_key(series, 1, person.id), ids


async def _tell_about_decline(
    ctx: Context, program: Program, pairing: Pairing, decliner: Participant, other: Participant
) -> None:
    text = prompts.text("consent.declined_other", other=decliner.first_name, program=program.name)
    await ctx.outbox.note(
        other,
        note_key(Note.DECLINED, pairing.id, "other", other.id),
        text,
        program,
        pairing_id=pairing.id,
    )
    owner_text = prompts.text(
        "consent.declined_owner",
        decliner=decliner.display_name or decliner.user_id,
        other=other.display_name or other.user_id,
        program=program.name,
    )
    for handle in ctx.rules.owners_of(program):
        owner = await person_by_handle(ctx, handle)
        await ctx.outbox.note(
            owner,
            owner_note_key(note_key(Note.DECLINED, pairing.id), owner.id),
            owner_text,
            program,
            pairing_id=pairing.id,
        )
