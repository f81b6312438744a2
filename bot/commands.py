"""Text commands (the same grammar on every platform): help, me, status, pair, program, export."""

from __future__ import annotations

import re

from bot import copy
from bot.context import Context
from bot.events import CommandIssued
from bot.export import export_rows, to_csv
from bot.messages import Attachment, Message
from bot.model import Participant, Program
from bot.pairings import Refused, create_program, propose_pairing
from bot.status import my_status, program_status

COMMANDS = ("help", "me", "status", "pair", "program", "export")
_PROGRAM_ARG = re.compile(r"""\bprogram=(?:"([^"]+)"|'([^']+)'|(\S+))""", re.IGNORECASE)
_SETTING = re.compile(r"\b(cadence|minutes)=(\S+)", re.IGNORECASE)


async def run_command(ctx: Context, person: Participant, event: CommandIssued) -> Message:
    """Run one command for `person`; owner commands refuse politely for everyone else."""
    name = event.name.lower()
    try:
        if name == "me":
            return await my_status(ctx, person)
        if name == "status":
            return await _status(ctx, person, event.args.strip())
        if name == "pair":
            return await _pair(ctx, person, event)
        if name == "program":
            return await _program(ctx, person, event.args)
        if name == "export":
            return await _export(ctx, person)
    except Refused as refusal:
        return Message(str(refusal))
    return Message(copy.text("general.help"))


async def _owned(ctx: Context, person: Participant) -> list[Program]:
    programs = await ctx.tx.find(Program)
    return sorted(
        (p for p in programs if ctx.is_owner(person.handle, p)), key=lambda p: p.name.lower()
    )


async def _status(ctx: Context, person: Participant, args: str) -> Message:
    owned = await _owned(ctx, person)
    if args:
        owned = [p for p in owned if p.name.lower() == args.lower()]
    if not owned:
        return await my_status(ctx, person)
    sections = [(await program_status(ctx, p)).section() for p in owned]
    return Message("", sections=tuple(sections))


async def _pick_program(ctx: Context, name: str | None) -> Program:
    programs = sorted(await ctx.tx.find(Program), key=lambda p: p.name.lower())
    names = ", ".join(p.name for p in programs)
    if name:
        for program in programs:
            if program.name.lower() == name.lower():
                return program
        raise Refused(copy.text("commands.unknown_program", program=name, programs=names or "none"))
    if not programs:
        raise Refused(copy.text("commands.no_program"))
    if len(programs) > 1:
        raise Refused(copy.text("commands.which_program", programs=names))
    return programs[0]


async def _pair(ctx: Context, person: Participant, event: CommandIssued) -> Message:
    args = event.args
    match = _PROGRAM_ARG.search(args)
    program_name = next((g for g in match.groups() if g), None) if match else None
    if match:
        args = args[: match.start()] + args[match.end() :]
    if len(event.mentions) < 2:
        raise Refused(copy.text("commands.pair_usage"))
    program = await _pick_program(ctx, program_name)
    if not ctx.is_owner(person.handle, program):
        raise Refused(copy.text("general.not_owner"))
    first, second, *others = event.mentions
    # The goal is what follows the second mention; other mentions stay, as plain names.
    rest = args.split(second.token, 1)[1] if second.token in args else ""
    for mention in others:
        rest = rest.replace(
            mention.token, "@" + (mention.actor.display_name or mention.actor.user_id)
        )
    goal = " ".join(rest.split())
    mentor = await ctx.person_for(first.actor)
    mentee = await ctx.person_for(second.actor)
    await propose_pairing(ctx, program, mentor, mentee, goal)
    return Message(
        copy.text(
            "commands.pair_proposed",
            mentor=mentor.display_name or mentor.user_id,
            mentee=mentee.display_name or mentee.user_id,
            program=program.name,
        )
    )


async def _program(ctx: Context, person: Participant, args: str) -> Message:
    words = args.split(None, 1)
    if not words or words[0].lower() != "create" or len(words) < 2:
        raise Refused(copy.text("commands.program_usage"))
    if not ctx.is_owner(person.handle) and not await _owned(ctx, person):
        raise Refused(copy.text("general.not_owner"))
    rest = words[1]
    settings = {k.lower(): v for k, v in _SETTING.findall(rest)}
    name = " ".join(_SETTING.sub("", rest).split())
    try:
        cadence_days = int(settings.get("cadence", 14))
    except ValueError:
        raise Refused(copy.text("commands.bad_cadence")) from None
    try:
        minutes = int(settings.get("minutes", 45))
    except ValueError:
        raise Refused(copy.text("schedule.bad_minutes")) from None
    if minutes not in (30, 45, 60):
        raise Refused(copy.text("schedule.bad_minutes"))
    owners = sorted(set(ctx.config.owners) | {person.handle})
    program = await create_program(
        ctx, name, cadence_days=cadence_days, session_minutes=minutes, owners=owners
    )
    return Message(
        copy.text(
            "commands.program_created",
            program=program.name,
            cadence=program.cadence_days,
            minutes=program.session_minutes,
        )
    )


async def _export(ctx: Context, person: Participant) -> Message:
    owned = await _owned(ctx, person)
    if not owned:
        raise Refused(copy.text("general.not_owner"))
    rows = await export_rows(ctx, owned)
    return Message(
        copy.text("commands.exported", rows=len(rows)),
        file=Attachment(f"mentorbot-export-{ctx.now:%Y%m%d}.csv", to_csv(rows)),
    )
