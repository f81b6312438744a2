"""Programs and pairings: creating them, and the consent of both people."""

from __future__ import annotations

import logging
from datetime import date

from bot import copy
from bot.context import Context
from bot.hours import WorkingHours, zone
from bot.messages import Message
from bot.model import (
    Pairing,
    PairingStatus,
    Participant,
    Program,
    Role,
    Visibility,
    parse_handle,
)

log = logging.getLogger(__name__)

OPEN_STATUSES = (PairingStatus.PROPOSED, PairingStatus.ACTIVE, PairingStatus.PAUSED)


class Refused(Exception):
    """A request the engine will not carry out; the message says why and what to do."""


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
) -> Program:
    """Create a program; raises Refused when the name is taken or a value is out of range."""
    name = " ".join(name.split())
    if not name:
        raise Refused(copy.text("commands.program_usage"))
    if len(name) > 200 or len(objective) > 200:
        raise Refused("Program names and objectives are at most 200 characters.")
    if any(p.name.lower() == name.lower() for p in await ctx.tx.find(Program)):
        raise Refused(copy.text("commands.program_exists", program=name))
    if not 1 <= cadence_days <= 90:
        raise Refused(copy.text("commands.bad_cadence"))
    if not 30 <= session_minutes <= 60:
        raise Refused(copy.text("schedule.bad_minutes"))
    if reflection_visibility not in set(Visibility):
        raise Refused(f"Reflection visibility is one of: {', '.join(Visibility)}.")
    try:
        zone(timezone or ctx.config.timezone)
        if working_hours:
            WorkingHours.parse(working_hours)
        owners = [f"{p}:{u}" for p, u in map(parse_handle, owners or [])]
    except ValueError as exc:  # InvalidWorkingHours is a ValueError too
        raise Refused(str(exc)) from None
    starts_on = starts_on or ctx.now.date()
    if ends_on and ends_on < starts_on:
        raise Refused(f"The program ends ({ends_on}) before it starts ({starts_on}).")
    program = Program(
        name=name,
        objective=objective,
        cadence_days=cadence_days,
        session_minutes=session_minutes,
        owners=owners or sorted(ctx.config.owners),
        timezone=timezone or ctx.config.timezone,
        starts_on=starts_on,
        ends_on=ends_on,
        reflection_visibility=reflection_visibility,
        working_hours=working_hours,
        created_at=ctx.now,
    )
    return await ctx.tx.add(program)


async def propose_pairing(
    ctx: Context,
    program: Program,
    mentor: Participant,
    mentee: Participant,
    goal: str,
    why: str = "",
) -> Pairing:
    """Propose a pairing and queue an intro with Accept / Not for me to both people: one
    shared message where the platform has group chats, else one each."""
    if mentor.id == mentee.id:
        raise Refused(copy.text("commands.pair_same"))
    existing = await ctx.tx.find(
        Pairing,
        program_id=program.id,
        mentor_id=mentor.id,
        mentee_id=mentee.id,
        status=list(OPEN_STATUSES),
    )
    if existing:
        raise Refused(
            copy.text(
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
    if _together(ctx, mentor, mentee):
        due = max(ctx.deliverable(ctx.now, p, program) for p in (mentee, mentor))
        await ctx.notify(
            "intro",
            mentee,
            due,
            f"intro:{pairing.id}:pair",
            pairing_id=pairing.id,
            payload={"with": mentor.id},
        )
    else:
        for person in (mentee, mentor):
            await ctx.notify(
                "intro",
                person,
                ctx.deliverable(ctx.now, person, program),
                f"intro:{pairing.id}:{person.id}",
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


async def answer_consent(
    ctx: Context, person: Participant, pairing: Pairing, accept: bool
) -> Message:
    """Record one person's yes or no; both yeses make the pairing active."""
    role = pairing.role_of(person.id)
    if role is None:
        return Message(copy.text("general.not_yours"))
    program = await ctx.program(pairing.program_id)
    other = await ctx.person(pairing.other(person.id))
    if pairing.status == PairingStatus.ACTIVE:
        return Message(copy.text("consent.active"))
    if pairing.status != PairingStatus.PROPOSED:
        return Message(copy.text("consent.declined"))
    if role == Role.MENTOR:
        pairing.mentor_consent = accept
    else:
        pairing.mentee_consent = accept
    if not accept:
        pairing.status = PairingStatus.DECLINED
        pairing.declined_by = person.id
        await ctx.tx.save(pairing)
        await _tell_about_decline(ctx, program, pairing, person, other)
        return Message(copy.text("consent.declined"))
    if pairing.mentor_consent and pairing.mentee_consent:
        pairing.status = PairingStatus.ACTIVE
        pairing.activated_at = ctx.now
        pairing.plan_at = None  # the first nudge is planned at the next tick
        await ctx.tx.save(pairing)
        log.info("pairing active pairing=%s program=%s", pairing.id, program.name)
        return Message(copy.text("consent.active"))
    await ctx.tx.save(pairing)
    return Message(copy.text("consent.waiting", first=person.first_name, other=other.first_name))


async def _tell_about_decline(
    ctx: Context, program: Program, pairing: Pairing, decliner: Participant, other: Participant
) -> None:
    text = copy.text("consent.declined_other", other=decliner.first_name, program=program.name)
    await ctx.note(
        other, f"declined:{pairing.id}:other:{other.id}", text, program, pairing_id=pairing.id
    )
    owner_text = copy.text(
        "consent.declined_owner",
        decliner=decliner.display_name or decliner.user_id,
        other=other.display_name or other.user_id,
        program=program.name,
    )
    for handle in ctx.owners_of(program):
        owner = await ctx.person_by_handle(handle)
        await ctx.note(
            owner,
            f"declined:{pairing.id}:owner:{owner.id}",
            owner_text,
            program,
            pairing_id=pairing.id,
        )
